"""Text cleanup shared by importers and pages."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: object) -> str:
    """Collapse whitespace (arXiv hard-wraps titles and abstracts) and drop control characters.

    LaTeX is kept exactly as written; only the layout whitespace goes.
    """
    if not isinstance(value, str):
        return ""
    value = _CONTROL_RE.sub("", value)
    return _SPACE_RE.sub(" ", value).strip()


def excerpt(value: str, limit: int = 300) -> str:
    """Cut at a word boundary before ``limit`` characters and mark the cut."""
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def slugify_name(name: str) -> str:
    """A URL slug for a person's name that keeps letters from any script."""
    normalized = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in normalized if not unicodedata.combining(ch))
    slug = re.sub(r"[^\w]+", "-", ascii_only.lower()).strip("-_")
    return slug[:100] or "unknown"
