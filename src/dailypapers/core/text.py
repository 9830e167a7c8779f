"""Text cleanup shared by importers and pages."""

from __future__ import annotations

import re
import unicodedata

# Control characters that are not whitespace, C1 controls, lone surrogates (which
# cannot be encoded for the database) and the byte-order mark. Whitespace-like
# controls (tab, form feed, the \x1c-\x1f separators) are kept so that they turn
# into spaces instead of gluing two words together.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\x80-\x84\x86-\x9f\ud800-\udfff\ufeff]")
_SLUG_RE = re.compile(r"[^\w]+")


def clean(value: object) -> str:
    """Collapse whitespace (arXiv hard-wraps titles and abstracts) and drop control characters.

    LaTeX is kept exactly as written; only the layout whitespace goes.
    """
    if not isinstance(value, str):
        return ""
    # Only the ASCII space is both printable and whitespace, so a printable value
    # without doubled or outer spaces is already clean (most names and ids are).
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        return value
    if _CONTROL_RE.search(value):
        value = _CONTROL_RE.sub("", value)
    # str.split() splits on exactly the characters str.isspace() accepts, which is
    # what a \s+ regex would match, at a fraction of the cost on long abstracts.
    return " ".join(value.split())


def excerpt(value: str, limit: int = 300) -> str:
    """Cut at a word boundary before ``limit`` characters and mark the cut."""
    if len(value) <= limit:
        return value
    head = value[:limit]
    # When the cut falls exactly between two words the last word is complete.
    cut = head.rstrip() if value[limit].isspace() else head.rsplit(" ", 1)[0]
    cut = cut.rstrip(",;:.-— ")
    return cut + "…"


def slugify_name(name: str) -> str:
    """A URL slug for a person's name that keeps letters from any script."""
    if not name.isascii():
        normalized = unicodedata.normalize("NFKD", name)
        name = "".join(ch for ch in normalized if not unicodedata.combining(ch))
    slug = _SLUG_RE.sub("-", name.lower()).strip("-_")
    return slug[:100].rstrip("-_") or "unknown"


# Words an abbreviation leaves out: "University of Oxford" is UO, not UOO.
_LINKING_WORDS = frozenset({"of", "the", "and", "for", "&"})


def initials(name: str, fallback: str = "") -> str:
    """Up to two capitals for a name, skipping linking words ("The Alan Turing
    Institute" is AT); ``fallback``'s first two when the name has no letter."""
    words = [w for w in re.split(r"[\s\-_/]+", name) if w]
    named = [w for w in words if w.lower() not in _LINKING_WORDS] or words
    letters = "".join(w[0] for w in named[:2] if w[0].isalnum())
    return letters.upper() or fallback[:2].upper() or "?"
