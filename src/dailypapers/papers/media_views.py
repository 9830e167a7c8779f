"""The hub's images: a paper's thumbnail (or its cover), an organization's avatar (or
its initials), and the fetched files themselves. Thin: look up, then send a file or
a drawing from ``papers.media``."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from dailypapers.core.web import not_found
from dailypapers.papers import media
from dailypapers.papers.models import MediaFile, Organization, Paper

# A fetched file never changes under its address (the key is its URL's digest).
FILE_SECONDS = 7 * 86400
# A drawing stands in until the worker fetches the real image: browsers ask again soon.
DRAWN_SECONDS = 3600
# Whatever a file holds, it is shown as an image or a video, never run as a page.
_FILE_POLICY = "default-src 'none'; sandbox"


def _file(row: MediaFile) -> FileResponse:
    response = FileResponse(media.path_for(row.key).open("rb"), content_type=row.content_type)
    response["Content-Security-Policy"] = _FILE_POLICY
    response["ETag"] = f'"{row.key[:32]}"'
    patch_cache_control(response, public=True, max_age=FILE_SECONDS)
    return response


def _drawn(svg: str) -> HttpResponse:
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = _FILE_POLICY
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
        return _file(row)
    title, categories, org = found
    return _drawn(media.cover_svg(media.Cover(title, categories, org or "")))


@require_safe
def org_avatar(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The organization's avatar when the worker has it, else its initials."""
    org = Organization.objects.filter(slug=slug).values_list("name", "avatar_url").first()
    if org is None:
        return not_found(request, message="No such organization.")
    name, avatar = org
    row = media.stored_file(avatar)
    if row is not None:
        return _file(row)
    return _drawn(media.initials_svg(name, slug))


@require_safe
def media_file(request: HttpRequest, key: str) -> HttpResponseBase:
    """A fetched file by its key (a paper's images and videos)."""
    row = MediaFile.objects.filter(key=key, state=MediaFile.STORED).first()
    if row is None or not media.path_for(row.key).is_file():
        return not_found(request, message="No such file on this hub.")
    return _file(row)
