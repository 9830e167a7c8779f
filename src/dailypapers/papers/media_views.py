"""The hub's images: a paper's thumbnail (or its cover), an organization's avatar (or
its initials), and the fetched files themselves. Thin: look up, then send a file or
a drawing from ``papers.media``."""

from __future__ import annotations

import hashlib
import re

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from dailypapers.core.web import not_found
from dailypapers.papers import media
from dailypapers.papers.models import MediaFile, Organization, Paper, Submission

# A fetched file never changes under its address (the key is its URL's digest).
FILE_SECONDS = 7 * 86400
# A drawing stands in until the worker fetches the real image: browsers ask again soon.
DRAWN_SECONDS = 3600
# Whatever a file holds, it is shown as an image or a video, never run as a page.
_FILE_POLICY = "default-src 'none'; sandbox"


# Positions of at most 18 digits: a longer one is no file's, and converting thousands
# of digits to a number is refused by Python (an error, not an answer).
_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


def _span(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single ``Range``; None when it asks for none of it."""
    match = _RANGE.fullmatch(header.strip())
    if match is None or not (match[1] or match[2]) or size == 0:
        return None
    if not match[1]:  # the last N bytes (none of it for N = 0)
        return (max(0, size - int(match[2])), size - 1) if int(match[2]) else None
    first, last = int(match[1]), int(match[2]) if match[2] else size - 1
    return (first, min(last, size - 1)) if first <= last and first < size else None


def _file(request: HttpRequest, row: MediaFile) -> HttpResponseBase:
    """The stored file; a single byte range of it when asked (video players seek so)."""
    etag = f'"{row.key[:32]}"'
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return unchanged
    path = media.path_for(row.key)
    size = path.stat().st_size
    wanted = request.headers.get("Range", "")
    span = _span(wanted, size) if wanted else None
    response: HttpResponseBase
    if wanted and span is None:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if span is not None:
        with path.open("rb") as handle:
            handle.seek(span[0])
            response = HttpResponse(handle.read(span[1] - span[0] + 1), status=206)
        response["Content-Type"] = row.content_type
        response["Content-Range"] = f"bytes {span[0]}-{span[1]}/{size}"
    else:
        response = FileResponse(path.open("rb"), content_type=row.content_type)
    response["Accept-Ranges"] = "bytes"
    response["Content-Security-Policy"] = _FILE_POLICY
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=FILE_SECONDS)
    return response


def _drawn(request: HttpRequest, svg: str) -> HttpResponseBase:
    etag = f'"{hashlib.sha256(svg.encode()).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        svg, content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Security-Policy"] = _FILE_POLICY
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=DRAWN_SECONDS)
    return response


@require_safe
def thumbnail(request: HttpRequest, ref: str) -> HttpResponseBase:
    """The paper's thumbnail when the worker has it, else its typographic cover."""
    found = (
        Paper.objects.filter(arxiv_id=ref)
        .values_list("title", "categories", "organization__name")
        .first()
    )
    if found is None:
        return not_found(request, message="No such paper.")
    row = media.stored_file(media.thumbnail_url(ref))
    if row is not None:
        return _file(request, row)
    title, categories, org = found
    return _drawn(request, media.cover_svg(media.Cover(title, categories, org or "")))


@require_safe
def org_avatar(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The organization's avatar when the worker has it, else its initials."""
    org = Organization.objects.filter(slug=slug).values_list("name", "avatar_url").first()
    if org is None:
        return not_found(request, message="No such organization.")
    name, avatar = org
    row = media.stored_file(avatar)
    if row is not None:
        return _file(request, row)
    return _drawn(request, media.initials_svg(name, slug))


@require_safe
def user_avatar(request: HttpRequest, name: str) -> HttpResponseBase:
    """A submitter's avatar (from their latest entry on the daily list) when the worker
    has it, else their initials."""
    entry = (
        Submission.objects.filter(submitter_name=name)
        .order_by("-submitted_at")
        .values_list("submitter_fullname", "hf_extra")
        .first()
    )
    if entry is None:
        return not_found(request, message="No such submitter.")
    fullname, extra = entry
    row = media.stored_file(media.submitter_avatar_url(extra))
    if row is not None:
        return _file(request, row)
    return _drawn(request, media.initials_svg(fullname or name, name))


@require_safe
def media_file(request: HttpRequest, key: str) -> HttpResponseBase:
    """A fetched file by its key (a paper's images and videos)."""
    row = MediaFile.objects.filter(key=key, state=MediaFile.STORED).first()
    if row is None or not media.path_for(row.key).is_file():
        return not_found(request, message="No such file on this hub.")
    return _file(request, row)
