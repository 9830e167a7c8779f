"""Parse upstream XML without trusting it.

No upstream response has a reason to carry a DTD, so any document that declares
one is refused before it reaches the parser: that rules out entity expansion
(billion laughs) and external entities whatever the expat version does. The check
reads the prolog with expat itself, so neither a long leading comment nor another
encoding (UTF-16) hides a declaration. A document with more tags than any real
response is refused too, before its tree fills memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

# Enough of the start of a body to tell an HTML error page by its tags.
_PROLOG = 4096
# Tags a document may have. The parsed tree takes about 100 bytes per element, so a
# body of nothing but tiny elements would take 25 times its size; the largest real
# responses have far fewer (the all-archives RSS feed: 33,000 for 1,504 items; an
# arXiv API page of 2,000 results about 70,000).
MAX_TAGS = 1_000_000


class XmlError(ValueError):
    """The body is not well-formed, safe XML; the message says why."""


class _Declared(Exception):
    """The prolog declares a DTD or an entity."""


class _RootReached(Exception):
    """The root element starts: no DTD can follow."""


def _declared(*args: object) -> None:
    raise _Declared


def _root_reached(*args: object) -> None:
    raise _RootReached


def _declares_dtd(body: bytes) -> bool:
    """Whether the prolog declares a DTD, whatever its length and encoding.

    A byte search of the first kilobytes would miss a DOCTYPE behind a long
    comment or in a UTF-16 document; expat reads the prolog as the real parser
    will, and stops at the root element, so this costs next to nothing.
    """
    scout = expat.ParserCreate()
    scout.StartDoctypeDeclHandler = _declared
    scout.EntityDeclHandler = _declared
    scout.StartElementHandler = _root_reached
    try:
        scout.Parse(body, True)
    except _Declared:
        return True
    except (_RootReached, expat.ExpatError, ValueError, LookupError):
        # Not well-formed or an unsupported encoding: the real parse says so.
        return False
    return False


def _looks_like_html(body: bytes) -> bool:
    head = body[:_PROLOG].lstrip().lower()
    return b"<html" in head or head[:5] in (b"<head", b"<body")


def parse(body: bytes) -> ET.Element:
    if not body.strip():
        raise XmlError("empty body")
    # Each element has a "<" (in UTF-8 and UTF-16 alike): counting them bounds the tree.
    if body.count(b"<") > MAX_TAGS:
        raise XmlError(f"more than {MAX_TAGS:,} tags, far more than any real response; refused")
    if _declares_dtd(body):
        if _looks_like_html(body):
            raise XmlError("an HTML page, not XML (an error page?)")
        raise XmlError("document declares a DTD or entities; refused")
    try:
        return ET.fromstring(body)  # noqa: S314 - DTDs refused above
    except ET.ParseError as exc:
        if body.lstrip()[:5].lower() in (b"<html", b"<head", b"<body"):
            raise XmlError("an HTML page, not XML (an error page?)") from None
        raise XmlError(f"malformed XML ({exc})") from None
    except (ValueError, LookupError) as exc:
        # An encoding expat cannot read (multi-byte ones other than UTF-8/16, unknown names).
        raise XmlError(f"unsupported encoding ({exc})") from None
    except RecursionError:
        raise XmlError("malformed XML (nested too deeply)") from None


def text(element: ET.Element | None) -> str:
    """All text inside ``element`` ("" when absent)."""
    if element is None:
        return ""
    return "".join(element.itertext())


def local(tag: str) -> str:
    """A tag without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]
