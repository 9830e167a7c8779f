"""BibTeX for a list of papers: one @misc entry each, keys unique within the file.

Titles keep their LaTeX as written; only a literal %, & or # gets its backslash.
BibTeX delimits a field by counting braces and ignores backslashes while doing so,
so a brace without its partner (even an escaped one) would end the field early or
swallow the rest of the file; such braces become
``\\textbraceleft{}`` / ``\\textbraceright{}``, which print the same.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from string import ascii_lowercase

from dailypapers.core.text import clean

_KEY_PART_RE = re.compile(r"[^a-z0-9]+")
# Words that make poor keys; the first other word of the title is used instead.
_SKIP_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "towards"})
# LaTeX specials that titles and names hold literally ("90% of", "Q&A") and that would
# end a line or break an alignment when the entry is typeset; escaped ones stay as they are.
_SPECIAL_RE = re.compile(r"(?<!\\)([%&#])")
_NEW_ID_RE = re.compile(r"^([0-9]{2})[0-9]{2}\.")
_OLD_ID_RE = re.compile(r"/([0-9]{2})[0-9]{5}$")


@dataclass(frozen=True)
class Reference:
    """What an entry needs to know about a paper."""

    arxiv_id: str
    title: str
    authors: Sequence[str]
    year: int | None
    categories: Sequence[str] = ()
    doi: str = ""


def year_of_id(arxiv_id: str) -> int | None:
    """The year an arXiv id was issued in (ids begin with YYMM)."""
    found = _NEW_ID_RE.match(arxiv_id) or _OLD_ID_RE.search(arxiv_id)
    if found is None:
        return None
    yy = int(found.group(1))
    return 1900 + yy if yy >= 91 else 2000 + yy


def _ascii_word(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _KEY_PART_RE.sub("", folded.lower())


def _last_name(name: str) -> str:
    name = clean(name)
    if "," in name:
        return name.split(",", 1)[0]
    words = name.split()
    return words[-1] if words else ""


def _first_word(title: str) -> str:
    # LaTeX commands and math say little about a paper; skip them for the key.
    plain = re.sub(r"\\[A-Za-z]+|\$[^$]*\$", " ", title)
    for word in plain.split():
        ascii_word = _ascii_word(word)
        if ascii_word and ascii_word not in _SKIP_WORDS:
            return ascii_word
    return ""


def base_key(ref: Reference) -> str:
    """lastname + year + first word of the title, in lowercase ASCII."""
    last = _ascii_word(_last_name(ref.authors[0])) if ref.authors else ""
    year = str(ref.year) if ref.year else ""
    key = f"{last or 'anon'}{year}{_first_word(ref.title)}"
    return key[:60]


def _suffixes() -> Iterator[str]:
    yield from ascii_lowercase
    yield from (a + b for a in ascii_lowercase for b in ascii_lowercase)
    yield from (str(n) for n in itertools.count(1))


def unique_keys(refs: Sequence[Reference]) -> list[str]:
    """One key per reference; papers sharing a base key get a, b, c... in arXiv id order,
    so each keeps its key when unrelated papers join the list."""
    bases = [base_key(ref) for ref in refs]
    groups: dict[str, list[int]] = {}
    for index, base in enumerate(bases):
        groups.setdefault(base, []).append(index)
    keys = list(bases)
    taken = {base for base, members in groups.items() if len(members) == 1}
    for base, members in groups.items():
        if len(members) == 1:
            continue
        members.sort(key=lambda i: refs[i].arxiv_id)
        suffixes = _suffixes()
        for index in members:
            key = base + next(suffixes)
            while key in taken or key in groups:
                key = base + next(suffixes)
            keys[index] = key
            taken.add(key)
    return keys


def balance_braces(value: str) -> str:
    """``value`` with every unmatched brace replaced by a command that prints it."""
    unmatched: set[int] = set()
    open_at: list[int] = []
    for index, char in enumerate(value):
        if char == "{":
            open_at.append(index)
        elif char == "}":
            if open_at:
                open_at.pop()
            else:
                unmatched.add(index)
    unmatched.update(open_at)
    if not unmatched:
        return value
    out: list[str] = []
    for index, char in enumerate(value):
        if index not in unmatched:
            out.append(char)
            continue
        # An escaped brace (\{) loses its backslash: the command replaces both.
        if out and out[-1] == "\\":
            out.pop()
        out.append("\\textbraceleft{}" if char == "{" else "\\textbraceright{}")
    return "".join(out)


def _field(value: str) -> str:
    return "{" + balance_braces(clean(value)) + "}"


def _text(value: str) -> str:
    """Title or name text: LaTeX as written, with literal specials escaped."""
    return balance_braces(_SPECIAL_RE.sub(r"\\\1", clean(value)))


def _author(name: str) -> str:
    name = _text(name)
    # A name holding the separator word (a team, a consortium) is kept whole.
    if re.search(r"\s(and)\s", name, re.IGNORECASE):
        return "{" + name + "}"
    return name


def entry(ref: Reference, key: str) -> str:
    fields: list[tuple[str, str]] = [("title", "{" + _text(ref.title) + "}")]
    authors = [_author(a) for a in ref.authors if clean(a)]
    if authors:
        fields.append(("author", "{" + " and ".join(authors) + "}"))
    if ref.year:
        fields.append(("year", "{" + str(ref.year) + "}"))
    fields += [
        ("eprint", _field(ref.arxiv_id)),
        ("archivePrefix", "{arXiv}"),
    ]
    if ref.categories:
        fields.append(("primaryClass", _field(ref.categories[0])))
    fields.append(("url", _field(f"https://arxiv.org/abs/{ref.arxiv_id}")))
    if ref.doi:
        fields.append(("doi", _field(ref.doi)))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def render(refs: Sequence[Reference]) -> str:
    """The whole file: entries in the order given, separated by a blank line."""
    keys = unique_keys(refs)
    return "\n".join(entry(ref, key) for ref, key in zip(refs, keys, strict=True))
