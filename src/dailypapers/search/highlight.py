"""Marking the words of a text that a query matched, as the upstream API's segments.

A word counts as matched when it reduces to the same stem as a query word, so
"models" is marked for the query "model", as the ranking itself would have it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Set

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dailypapers.search.lexical import STEM

Segment = dict[str, str]
_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """A word's stem ("" for a stop word); the same few thousand words recur in abstracts."""
    found = STEM.analyze(word)
    return found[0] if found else ""


def stems(words: Iterable[str]) -> set[str]:
    return {stem for word in words for stem in STEM.analyze(word)}


def segments(text: str, wanted: Set[str]) -> list[Segment]:
    """``text`` cut into alternating plain and highlighted pieces (joined, they are ``text``)."""
    wanted = wanted - {""}
    if not wanted or not text:
        return [{"type": "text", "text": text}] if text else []
    out: list[Segment] = []
    last = 0
    for match in _WORD.finditer(text):
        if _stem(match.group(0)) not in wanted:
            continue
        if match.start() > last:
            out.append({"type": "text", "text": text[last : match.start()]})
        if out and out[-1]["type"] == "highlight" and match.start() == last:
            out[-1]["text"] += match.group(0)
        else:
            out.append({"type": "highlight", "text": match.group(0)})
        last = match.end()
    if last < len(text):
        out.append({"type": "text", "text": text[last:]})
    return out


def html(pieces: list[Segment]) -> SafeString:
    """The pieces as HTML: highlighted ones in ``<mark>``, every text escaped."""
    return mark_safe(  # noqa: S308 - every piece is escaped
        "".join(
            f"<mark>{escape(p['text'])}</mark>" if p["type"] == "highlight" else escape(p["text"])
            for p in pieces
        )
    )


def _window(text: str, first: int, limit: int) -> tuple[int, int]:
    """Where a snippet of about ``limit`` characters around ``first`` starts and ends,
    cut at spaces where there are some."""
    start = max(0, first - limit // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = start + limit
    space = text.rfind(" ", start, end)
    end = space if space > start + limit // 2 else end
    return start, end


def _cut(pieces: list[Segment], start: int, end: int, at: int = 0) -> list[Segment]:
    """The part [start, end) of the text ``pieces`` make (which begins at ``at``),
    with "…" for what is left out."""
    out: list[Segment] = [{"type": "text", "text": "…"}] if start else []
    position = at
    for piece in pieces:
        lo, hi = position, position + len(piece["text"])
        position = hi
        if hi <= start or lo >= end:
            continue
        out.append({"type": piece["type"], "text": piece["text"][max(start - lo, 0) : end - lo]})
    out.append({"type": "text", "text": "…"})
    return out


def snippet(pieces: list[Segment], limit: int = 300) -> list[Segment]:
    """About ``limit`` characters around the first highlight, cut at word boundaries."""
    text = "".join(p["text"] for p in pieces)
    if len(text) <= limit:
        return pieces
    first, position = 0, 0
    for piece in pieces:
        if piece["type"] == "highlight":
            first = position
            break
        position += len(piece["text"])
    start, end = _window(text, first, limit)
    return _cut(pieces, start, end)


def snippet_of(text: str, wanted: Set[str], limit: int = 300) -> list[Segment]:
    """``snippet(segments(text, wanted), limit)``, marking only the words around the
    first match: a search page shows twenty snippets, and marking every word of twenty
    whole abstracts was a fifth of its CPU."""
    if len(text) <= limit:
        return segments(text, wanted)
    wanted = wanted - {""}
    first = 0
    if wanted:
        for match in _WORD.finditer(text):
            if _stem(match.group(0)) in wanted:
                first = match.start()
                break
    start, end = _window(text, first, limit)
    # Whole words on both sides, so that each is matched as in the whole text.
    lo, hi = start, end
    while lo > 0 and _WORD.match(text, lo - 1):
        lo -= 1
    while hi < len(text) and _WORD.match(text, hi):
        hi += 1
    return _cut(segments(text[lo:hi], wanted), start, end, lo)
