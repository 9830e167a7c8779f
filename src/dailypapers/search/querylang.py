"""What a person typed into the search box, taken apart.

The language is small and forgiving: free words, "quoted phrases", and the
prefixes ``author:``, ``title:`` and ``cat:`` (each takes a word or a quoted
phrase). Nothing typed is an error: a stray quote becomes a plain word, unknown
operators are ignored, control characters are dropped, and over-long input is
cut, with a note that says so.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY = 250
# Past this many words a query is a pasted abstract: the rest adds time, not recall.
MAX_WORDS = 64
PREFIXES = ("author", "title", "cat")

_TOKEN = re.compile(
    r"""(?P<prefix>[A-Za-z]+):(?:"(?P<pquoted>[^"]*)"|(?P<pword>[^\s"]+))
      | "(?P<quoted>[^"]*)"
      | (?P<word>[^\s"]+)
      | (?P<stray>")""",
    re.VERBOSE,
)
_WORD_CHARS = re.compile(r"[^\w.+#/-]+")


@dataclass(frozen=True)
class Filters:
    """Restrictions every result must meet; None or empty means no restriction."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    on_daily: bool = False
    categories: tuple[str, ...] = ()
    has_code: bool = False
    organization: str = ""

    @property
    def any(self) -> bool:
        return bool(
            self.date_from
            or self.date_to
            or self.on_daily
            or self.categories
            or self.has_code
            or self.organization
        )


def _printable(text: str) -> str:
    """Drop control and format characters (NUL included: PostgreSQL refuses it)."""
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )


@dataclass
class ParsedQuery:
    raw: str
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The query's meaning in plain words, for the embedding model and highlights."""
        return " ".join([*self.title, *self.phrases, *self.words])

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.authors or self.title or self.categories)

    def highlight_terms(self) -> list[str]:
        return [*self.words, *self.title, *(w for p in self.phrases for w in p.split())]


def _tidy(word: str) -> str:
    """A word without surrounding operator characters (``+``, ``(``, ``*`` ...)."""
    return _WORD_CHARS.sub(" ", word).strip(" .-/+#")


def parse(text: str) -> ParsedQuery:
    cleaned = " ".join(_printable(text).split())
    query = ParsedQuery(raw=cleaned[:MAX_QUERY])
    if len(cleaned) > MAX_QUERY:
        query.notes.append(f"Only the first {MAX_QUERY} characters of the query were used.")
    if cleaned.count('"') % 2:
        query.notes.append("An unmatched quote was ignored.")
    for count, match in enumerate(_TOKEN.finditer(query.raw)):
        if count >= MAX_WORDS:
            query.notes.append(f"Only the first {MAX_WORDS} words of the query were used.")
            break
        prefix = (match.group("prefix") or "").lower()
        value = match.group("pquoted") if match.group("pquoted") is not None else None
        value = value if value is not None else match.group("pword")
        if prefix and prefix in PREFIXES and value is not None:
            _add_prefixed(query, prefix, value)
        elif prefix:
            # "http://..." or "foo:bar": not ours, so plain words.
            query.words.extend(w for w in _tidy(match.group(0)).split() if w)
        elif match.group("quoted") is not None:
            phrase = " ".join(_tidy(w) for w in match.group("quoted").split())
            if len(phrase.split()) > 1:
                query.phrases.append(" ".join(phrase.split()))
            elif phrase.strip():
                query.words.append(phrase.strip())
        elif match.group("word"):
            query.words.extend(w for w in _tidy(match.group("word")).split() if w)
    # Boolean operator words are treated as the words they are; dropping them
    # everywhere would lose the paper titled "AND-OR trees".
    return query


def _add_prefixed(query: ParsedQuery, prefix: str, value: str) -> None:
    words = [w for w in (_tidy(v) for v in value.split()) if w]
    if not words:
        return
    if prefix == "author":
        query.authors.append(" ".join(words))
    elif prefix == "title":
        query.title.extend(words)
    else:
        query.categories.extend(w for w in value.split() if w)
