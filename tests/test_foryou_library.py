"""Bring your library: Zotero RDF, ORCID works exports and plain publication lists.

The files are small fixtures written for these tests (tests/fixtures/foryou/); the
hub holds four of the papers they name, one of them known to the hub by its DOI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dailypapers.config import Rate
from dailypapers.foryou import library
from dailypapers.foryou.models import LibraryItem
from dailypapers.papers.models import Paper
from tests.support.factories import paper

FIXTURES = Path(__file__).parent / "fixtures" / "foryou"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.fixture
def hub(db: None) -> dict[str, Paper]:
    return {
        "one": paper("2401.00001", title="A preprint on the hub"),
        "two": paper("2401.00002", title="Known by its attachment only"),
        "three": paper("2401.00003", title="Known by arXiv's DOI"),
        "journal": paper("2402.00005", title="A journal version", doi="10.1000/journal.5"),
    }


@pytest.fixture
def reader(db: None) -> User:
    return User.objects.create_user("reader", "reader@example.org", "a long enough passphrase")


def linked(reader: User) -> set[str]:
    return set(LibraryItem.objects.filter(user=reader).values_list("paper__arxiv_id", flat=True))


def test_zotero_rdf_is_read_for_identifiers_not_for_citations_in_abstracts() -> None:
    found = library.refs_of_file(fixture("zotero.rdf"))
    assert list(found.arxiv) == ["2401.00001", "2401.00002", "2401.00003", "2312.99999"]
    assert "2401.00009" not in found.arxiv  # cited in an abstract, not the item itself
    assert list(found.dois) == ["10.1000/journal.5"]


def test_an_orcid_export_and_a_plain_list_map_arxiv_dois_to_ids() -> None:
    orcid = library.refs_of_file(fixture("orcid-works.json"))
    assert list(orcid.arxiv) == ["2401.00001", "2401.00002"]
    assert list(orcid.dois) == ["10.1000/journal.5", "10.1000/not-on-this-hub"]
    plain = library.refs_of_file(fixture("publications.txt"))
    assert list(plain.arxiv) == ["2401.00001", "2401.00003", "hep-th/9901001"]
    assert list(plain.dois) == ["10.1000/journal.5"]


@pytest.mark.parametrize(
    ("name", "expected", "missing"),
    [
        ("zotero.rdf", {"2401.00001", "2401.00002", "2401.00003", "2402.00005"}, 1),
        ("orcid-works.json", {"2401.00001", "2401.00002", "2402.00005"}, 1),
        ("publications.txt", {"2401.00001", "2401.00003", "2402.00005"}, 1),
    ],
)
def test_uploads_link_the_papers_on_the_hub(
    hub: dict[str, Paper], reader: User, name: str, expected: set[str], missing: int
) -> None:
    client = Client()
    client.force_login(reader)
    upload = SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    response = client.post("/for-you/library", {"library": upload})
    assert response.status_code == 200
    assert linked(reader) == expected
    page = response.content.decode()
    assert f"{len(expected)} of {len(expected) + missing} papers are on this hub" in page
    # Twice is once.
    again = SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    client.post("/for-you/library", {"library": again})
    assert LibraryItem.objects.filter(user=reader).count() == len(expected)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&b; 2401.00001</rdf:RDF>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "file:///etc/passwd"><r>2401.00001</r>"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BILLION_LAUGHS, "declares a DTD or entities"),
        (EXTERNAL, "declares a DTD or entities"),
        ("<rdf:RDF><unclosed></rdf:RDF>", "Not a well-formed RDF/XML file"),
    ],
)
def test_hostile_or_broken_xml_is_refused_and_changes_nothing(
    hub: dict[str, Paper], reader: User, text: str, message: str
) -> None:
    with pytest.raises(library.LibraryError, match=message):
        library.refs_of_file(text)
    client = Client()
    client.force_login(reader)
    response = client.post("/for-you/library", {"ids": text})
    assert response.status_code == 400 and message in response.content.decode()
    assert not LibraryItem.objects.exists()


def test_imports_are_rate_limited(hub: dict[str, Paper], reader: User, settings: Any) -> None:
    settings.LIBRARY_RATE_LIMIT = Rate(per_account=1, per_ip=100, seconds=600)
    client = Client()
    client.force_login(reader)
    assert client.post("/for-you/library", {"ids": "2401.00001"}).status_code == 200
    refused = client.post("/for-you/library", {"ids": "2401.00002"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "try again" in refused.content.decode()
    assert linked(reader) == {"2401.00001"}


def test_the_limits_hold() -> None:
    ids = "\n".join(f"10.48550/arXiv.2401.{n:05d}" for n in range(1, 6001))
    assert len(library.refs_of_file(ids)) == library.MAX_IDS
    with pytest.raises(library.LibraryError, match="larger than 2 MB"):
        library.decode(b"x" * (library.MAX_BYTES + 1))
