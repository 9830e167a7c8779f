"""Images the pages show, served by the hub itself: never a request to another site.

Upstream thumbnails, a paper's media and organization avatars are fetched by the
worker (``ingest/media.py``) into the data folder's ``media`` folder and recorded as
``MediaFile`` rows. Until a file is there (offline, switched off, or refused), pages
show what the hub draws itself: a typographic cover for a paper, initials for an
organization, a plain link for a paper's media.

The covers and initials are SVG written here from the title, the categories and the
organization: the same input always gives the same picture, with no fonts or images
of anyone else's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TypeGuard

from django.conf import settings

from dailypapers.core import text
from dailypapers.papers.models import MediaFile, Paper

# Types the hub keeps and serves (SVG is refused: served from the hub's own origin it
# could run script).
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"}
VIDEO_TYPES = {"video/mp4", "video/webm", "video/quicktime"}
# Where the upstream's site-relative avatar addresses ("/avatars/...") point.
UPSTREAM_SITE = "https://huggingface.co"


def url_key(url: str) -> str:
    """A URL's key: the name of its file and part of the hub's address for it."""
    return hashlib.sha256(url.encode()).hexdigest()


def folder() -> Path:
    return Path(settings.MEDIA_CACHE_DIR)


def path_for(key: str) -> Path:
    return folder() / key[:2] / key


def thumbnail_url(arxiv_id: str) -> str:
    """Where the upstream keeps the paper's thumbnail (every 2026 entry of the daily
    list carries exactly this address for its paper)."""
    return str(settings.MEDIA_THUMBNAIL_URL).replace("{id}", arxiv_id)


def stored(urls: list[str]) -> dict[str, MediaFile]:
    """The fetched files of ``urls``, by URL."""
    if not urls:
        return {}
    keys = [url_key(u) for u in urls]
    rows = MediaFile.objects.filter(key__in=keys, state=MediaFile.STORED)
    return {row.url: row for row in rows}


def stored_file(url: str) -> MediaFile | None:
    """The fetched file of ``url`` when it is stored and still on disk."""
    if not url:
        return None
    row = MediaFile.objects.filter(key=url_key(url), state=MediaFile.STORED).first()
    return row if row is not None and path_for(row.key).is_file() else None


def paper_media_urls(paper: Paper) -> list[str]:
    """The paper's own media (images, videos) as the upstream sent them: web addresses
    only (pages link to them; a ``javascript:`` or ``data:`` one would run there)."""
    extra = paper.hf_extra if isinstance(paper.hf_extra, dict) else {}
    many = extra.get("mediaUrls")
    urls = [u for u in many if _is_web(u)] if isinstance(many, list) else []
    single = extra.get("mediaUrl")
    if _is_web(single) and single not in urls:
        urls.append(single)
    return urls


def _is_web(url: object) -> TypeGuard[str]:
    return isinstance(url, str) and url.lower().startswith(("https://", "http://"))


def submitter_avatar_url(extra: object) -> str:
    """The avatar of a daily-list entry's submitter on the upstream (``Submission.hf_extra``),
    as an absolute address; "" when the entry names none."""
    found = ""
    if isinstance(extra, dict):
        for key in ("submittedOnDailyBy", "submittedBy"):
            user = extra.get(key)
            url = user.get("avatarUrl") if isinstance(user, dict) else None
            if isinstance(url, str) and url:
                found = url
                break
    if found.startswith("/") and not found.startswith("//"):
        found = UPSTREAM_SITE + found
    return found if found.startswith(("https://", "http://")) else ""


# -- drawing --------------------------------------------------------------------------

# (background, deeper background, accent): dark grounds so white type always reads.
PALETTES = [
    ("#1d3557", "#10213a", "#8ecae6"),
    ("#2b2d42", "#17182a", "#ef8354"),
    ("#264653", "#14282f", "#e9c46a"),
    ("#3a0ca3", "#1f0660", "#f72585"),
    ("#1b4332", "#0c2619", "#95d5b2"),
    ("#5f0f40", "#3a0627", "#fb8b24"),
    ("#283618", "#161e0c", "#dda15e"),
    ("#03045e", "#01023a", "#48cae4"),
    ("#432818", "#26160c", "#ffb703"),
    ("#2d3142", "#191b26", "#bfc0c0"),
]
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Characters XML 1.0 does not allow; a title with one would make the SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value), quote=True)


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def palette(seed: str) -> tuple[str, str, str]:
    return PALETTES[_digest(seed)[0] % len(PALETTES)]


def width_of(text_: str) -> float:
    """A line's width in "average letters" of a bold sans-serif: capitals and wide
    letters count more, CJK and other full-width characters about double."""
    total = 0.0
    for char in text_:
        if unicodedata.east_asian_width(char) in "WF":
            total += 1.9
        elif char in "MWmw@%":
            total += 1.5
        elif char.isupper() or char.isdigit():
            total += 1.2
        elif char in "iljtf.,:;'!| ":
            total += 0.6
        else:
            total += 1.0
    return total


def _cut(word: str, width: float) -> list[str]:
    pieces = [""]
    for char in word:
        if pieces[-1] and width_of(pieces[-1] + char) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


def wrap(title: str, width: float, lines: int) -> list[str]:
    """``title`` in at most ``lines`` lines no wider than ``width`` (``width_of``); a
    word wider than a line is cut, and a title that does not fit ends with an ellipsis."""
    words = [piece for word in title.split() for piece in _cut(word, width)]
    out: list[str] = []
    for word in words:
        if out and width_of(f"{out[-1]} {word}") <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        last = out[lines - 1]
        while last and width_of(last + "…") > width:
            last = last[:-1]
        out = [*out[: lines - 1], last.rstrip() + "…"]
    return out


# Title sizes, shortest titles first: (most characters, font size, line width, lines).
_SIZES = ((40, 34, 19.0, 3), (90, 28, 23.0, 4), (10**9, 23, 28.0, 5))


@dataclass(frozen=True)
class Cover:
    title: str
    categories: str = ""
    organization: str = ""


def cover_svg(cover: Cover) -> str:
    """A paper's typographic cover (480 by 270): its title on a ground chosen by its
    first category (or organization), with the category and organization below."""
    category = cover.categories.split()[0] if cover.categories.split() else ""
    seed = category or cover.organization or cover.title
    ground, deep, accent = palette(seed)
    shape = _digest(cover.title)
    title = " ".join(_NOT_XML.sub("", cover.title).split()) or "Untitled"
    size, width, most = next((s, w, n) for limit, s, w, n in _SIZES if len(title) <= limit)
    lines = wrap(title, width, most)
    top = 92 if len(lines) < 3 else 70
    spans = "".join(
        f'<tspan x="32" y="{top + i * int(size * 1.2)}">{_text(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    label = " · ".join(part for part in (category, cover.organization[:40]) if part)
    cx, cy, r = 380 + shape[1] % 90, 20 + shape[2] % 70, 90 + shape[3] % 70
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 270" width="480" '
        'height="270" role="img" aria-label="' + _text(title) + '">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{ground}"/><stop offset="1" stop-color="{deep}"/>'
        "</linearGradient></defs>"
        '<rect width="480" height="270" fill="url(#g)"/>'
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{accent}" fill-opacity=".18"/>'
        f'<circle cx="{cx}" cy="{cy}" r="{r // 2}" fill="none" stroke="{accent}" '
        'stroke-opacity=".35" stroke-width="2"/>'
        f'<rect x="32" y="40" width="40" height="4" rx="2" fill="{accent}"/>'
        f'<text font-family="{_FONT}" font-size="{size}" font-weight="700" fill="#ffffff">'
        f"{spans}</text>"
        f'<text x="32" y="244" font-family="{_FONT}" font-size="15" font-weight="600" '
        f'fill="{accent}" letter-spacing=".04em">{_text(label)}</text>'
        "</svg>"
    )


def initials_svg(name: str, fallback: str = "") -> str:
    """A square of the name's initials, coloured by the name (an avatar not fetched)."""
    ground, _, _ = palette(name or fallback)
    letters = _text(text.initials(name, fallback))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" rx="12" fill="{ground}"/>'
        f'<text x="32" y="33" text-anchor="middle" dominant-baseline="central" '
        f'font-family="{_FONT}" font-size="26" font-weight="700" fill="#ffffff">{letters}</text>'
        "</svg>"
    )
