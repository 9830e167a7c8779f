"""Comment text: Markdown in, sanitized HTML out.

Two layers, so that a mistake in one is caught by the other: the parser is told not
to pass raw HTML through and to make only the elements a comment needs, and its
output then goes through an allow-list sanitizer that keeps nothing else (no images,
frames, scripts, styles, event attributes or unsafe URL schemes).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# What a comment can be made of: paragraphs, emphasis, code, lists, quotes, links
# and line breaks.
ALLOWED_TAGS = frozenset(
    {"p", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "a", "br"}
)
# "*" names the attributes every element may carry: none (not even title or lang).
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset(),
    "a": frozenset({"href"}),
    "ol": frozenset({"start"}),
}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Headings, rules and images make no sense in a comment; with their rules off the
# text is kept as written instead of being turned into those elements.
_DISABLED_RULES = ["html_block", "html_inline", "image", "heading", "lheading", "hr"]

_parser = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable(_DISABLED_RULES)

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(ALLOWED_SCHEMES),
    url_relative="deny",
)


def sanitize(html: str) -> str:
    """Keep only the allowed elements, attributes and URL schemes of ``html``."""
    return _cleaner.clean(html)


def render(text: str) -> str:
    """The HTML to show for a comment written as ``text`` (Markdown)."""
    return sanitize(_parser.render(text)).strip()
