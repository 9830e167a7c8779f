"""Bring your library: the papers an uploaded library or publication list names.

Formats: BibTeX, Zotero CSL JSON, Zotero RDF (RDF/XML), an ORCID works export (JSON),
or a plain list of arXiv ids, arXiv links and DOIs (a Google Scholar-style list).

- arXiv ids: every one mentioned (``2401.12345``, ``arXiv:2401.12345v2``, an arxiv.org
  link, ``eprint = {hep-th/9901001}``), and arXiv's own DOIs (``10.48550/arXiv.2401.12345``,
  also as a doi.org link) read as the id they name.
- Other DOIs are matched against the DOIs of the hub's papers.
- Zotero RDF is parsed, and only what identifies an item is read (``dc:identifier``,
  links, ``rdf:about`` / ``rdf:resource``, ``arXiv:`` in ``z:extra``), not titles or
  abstracts, which may cite other papers. A file that declares a DTD or entities is
  refused: nothing in an export needs one, and entity expansion is how XML files attack
  their readers.

Papers on this hub join the reader's library and count as interests; the others are
only counted. At most 2 MB and 5,000 ids and DOIs a file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models.functions import Lower

from dailypapers.core import arxiv_ids
from dailypapers.foryou.models import LibraryItem
from dailypapers.papers.models import Paper

MAX_BYTES = 2 * 1024 * 1024
MAX_IDS = 5000
# Ids sit between these in every format we read (BibTeX braces, JSON quotes, URLs, lists).
_SPLIT = re.compile(r"[\s{}\[\]\"',;<>()=]+")
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.IGNORECASE)
# Zotero RDF: the elements that identify an item (local names), and attributes that link.
_RDF_IDENTIFYING = {"identifier", "extra", "value", "url", "link"}
_RDF_LINKING = ("about", "resource")
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class LibraryError(ValueError):
    pass


@dataclass
class Imported:
    found: int  # ids and DOIs mentioned
    linked: int  # of those, papers on this hub now in the library
    missing: int  # not on this hub


@dataclass
class Found:
    arxiv: dict[str, None] = field(default_factory=dict)  # ids, in order
    dois: dict[str, None] = field(default_factory=dict)  # lower case, in order

    def __len__(self) -> int:
        return len(self.arxiv) + len(self.dois)


def _doi(token: str) -> str:
    """The DOI in a token (bare, ``doi:``-prefixed or a doi.org link), or ''."""
    match = _DOI.search(token)
    return match.group(0).rstrip(".,;:").lower() if match else ""


def refs_in(text: str) -> Found:
    """The distinct arXiv ids and other DOIs ``text`` mentions, in order."""
    out = Found()
    for token in _SPLIT.split(text):
        if not token or len(token) > 300:
            continue
        doi = _doi(token)
        arxiv_doi = _ARXIV_DOI.fullmatch(doi) if doi else None
        if doi and arxiv_doi is None:
            out.dois[doi] = None
        else:
            ref = arxiv_doi.group(1) if arxiv_doi else token
            found = arxiv_ids.parse(ref) or (
                arxiv_ids.find(ref) if "arxiv" in token.lower() else None
            )
            if found:
                out.arxiv[found.id] = None
        if len(out) >= MAX_IDS:
            break
    return out


def rdf_identifiers(text: str) -> str:
    """What identifies the items of a Zotero RDF export, one per line."""
    if _DECLARATION.search(text):
        raise LibraryError(
            "The file declares a DTD or entities, which a Zotero export does not: refused."
        )
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD, so no entities to expand
    except ET.ParseError as exc:
        raise LibraryError(f"Not a well-formed RDF/XML file: {exc}.") from None
    out: list[str] = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in _RDF_IDENTIFYING and element.text and element.text.strip():
            out.append(element.text.strip())
        for attribute, value in element.attrib.items():
            if attribute.rsplit("}", 1)[-1] in _RDF_LINKING:
                out.append(value)
    return "\n".join(out)


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise LibraryError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def refs_of_file(text: str) -> Found:
    """The references of an uploaded file or pasted text, whatever its format."""
    if text.lstrip().startswith("<"):
        text = rdf_identifiers(text)
    return refs_in(text)


def add(user: AbstractBaseUser, text: str) -> Imported:
    """Link the hub's papers among the references in ``text`` to the reader's library."""
    found = refs_of_file(text)
    if not found:
        raise LibraryError(
            "No arXiv ids or DOIs found: upload a BibTeX file, a Zotero export (CSL JSON "
            "or RDF), an ORCID works export or a list of ids and DOIs."
        )
    by_arxiv = dict(
        Paper.objects.filter(arxiv_id__in=list(found.arxiv)).values_list("arxiv_id", "pk")
    )
    papers = set(by_arxiv.values())
    by_doi: dict[str, int] = {}
    if found.dois:
        # DOIs are case-insensitive; the hub keeps them as its sources wrote them.
        rows = Paper.objects.annotate(lower_doi=Lower("doi")).filter(lower_doi__in=list(found.dois))
        by_doi = dict(rows.values_list("lower_doi", "pk"))
        papers |= set(by_doi.values())
    LibraryItem.objects.bulk_create(
        [LibraryItem(user_id=user.pk, paper_id=pk) for pk in papers], ignore_conflicts=True
    )
    linked = len(by_arxiv) + len(by_doi)
    return Imported(len(found), linked, len(found) - linked)
