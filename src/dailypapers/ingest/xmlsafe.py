"""Parse upstream XML without trusting it.

No upstream response has a reason to carry a DTD, so any document that declares
one is refused before it reaches the parser: that rules out entity expansion
(billion laughs) and external entities whatever the expat version does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Only the start of a document may hold a DOCTYPE; looking further would also
# catch the text "<!DOCTYPE" quoted inside an abstract.
_DTD_RE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_PROLOG = 4096


class XmlError(ValueError):
    """The body is not well-formed, safe XML; the message says why."""


def parse(body: bytes) -> ET.Element:
    head = body[:_PROLOG]
    if _DTD_RE.search(head):
        if b"<html" in head.lower():
            raise XmlError("an HTML page, not XML (an error page?)")
        raise XmlError("document declares a DTD or entities; refused")
    if not body.strip():
        raise XmlError("empty body")
    try:
        return ET.fromstring(body)  # noqa: S314 - DTDs refused above
    except ET.ParseError as exc:
        if body.lstrip()[:5].lower() in (b"<html", b"<head", b"<body"):
            raise XmlError("an HTML page, not XML (an error page?)") from None
        raise XmlError(f"malformed XML ({exc})") from None
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
