"""The worker's ``media.fetch`` job: keep copies of the images the pages show.

Pages never load anything from another site (``papers/media.py``). So the worker
fetches, when it can reach them, the upstream's thumbnails of the papers on the daily
list, the papers' own media (``mediaUrls``), the organizations' and the submitters'
avatars into the
data folder's ``media`` folder, through the project's polite HTTP client. Each
upstream URL is a ``MediaFile`` row; a run

1. records the URLs not seen before (one row each, made once however often it runs);
2. claims due rows (new ones, and failures that may pass once their wait is over) with
   a conditional update (``core/claims.py``), so two workers never fetch the same file;
3. fetches each, only from the upstream's hosts (``MEDIA_HOSTS`` and the thumbnails'
   host: never an address elsewhere that imported data names, nor a redirect to one),
   refusing bodies larger than ``MEDIA_MAX_BYTES`` and anything that is
   not an image (or, for a paper's media, a video) by its Content-Type and its first
   bytes, writes the file under a temporary name and moves it into place, and records
   the outcome on the row: ``stored``, or ``failed`` with the reason.

Offline, the first connection that fails ends the run: the rows wait for the next.
``DAILYPAPERS_MEDIA_FETCH=0`` turns the job off; pages then draw their own covers
and initials and link to the paper's media.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.ingest import http, sync
from dailypapers.papers import media
from dailypapers.papers.models import MediaFile, Organization, Paper

BATCH = 20
CLAIM = dt.timedelta(minutes=10)
# A run stops taking new files after this long; the rest wait for the next run.
RUN_SECONDS = 120
# A failure that may pass (no connection, a timeout, HTTP 5xx or 429) is tried again
# after these waits, then given up.
RETRY_WAITS = (dt.timedelta(hours=1), dt.timedelta(hours=6), dt.timedelta(days=1))
# Papers written this long before the previous look are looked at again (clocks of
# several machines, transactions still open at the time).
SCAN_OVERLAP = dt.timedelta(minutes=10)
_SCANNED = "media:scanned-at"
# Answers that will not change by asking again.
FINAL_STATUSES = frozenset({400, 401, 403, 404, 410, 451})

# What a file's first bytes look like, by type.
_MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/gif": lambda b: b[:6] in (b"GIF87a", b"GIF89a"),
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "image/avif": lambda b: b[4:8] == b"ftyp" and b[8:12] in (b"avif", b"avis"),
    "video/mp4": lambda b: b[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide"),
    "video/quicktime": lambda b: b[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide"),
    "video/webm": lambda b: b.startswith(b"\x1a\x45\xdf\xa3"),
}


class Refused(Exception):
    """The answer is not a file the hub keeps; the message says why."""


def accepted_types(kind: str) -> frozenset[str]:
    if kind == "media":
        return frozenset(media.IMAGE_TYPES | media.VIDEO_TYPES)
    return frozenset(media.IMAGE_TYPES)


def check(kind: str, content_type: str, body: bytes) -> None:
    """Raise Refused unless ``body`` is a file of a type ``kind`` takes, as it says."""
    if content_type not in accepted_types(kind):
        raise Refused(f"content type {content_type or 'missing'!r} is not accepted")
    if not body:
        raise Refused("empty body")
    if not _MAGIC[content_type](body[:16]):
        raise Refused(f"the content is not {content_type}")


# -- which files --------------------------------------------------------------------


def wanted(since: dt.datetime | None = None) -> Iterable[tuple[str, str]]:
    """(URL, kind) of every file a page may show, newest papers first; with ``since``,
    only of the papers written since then (and every organization: they are few)."""
    listed = Paper.objects.filter(submission__source="hf-daily")
    if since is not None:
        listed = listed.filter(modified_at__gte=since)
    rows = listed.order_by("-submission__submitted_at", "-pk").values_list(
        "arxiv_id", "hf_extra__mediaUrls", "hf_extra__mediaUrl", "submission__hf_extra"
    )
    for arxiv_id, many, one, entry in rows.iterator(chunk_size=2000):
        yield media.thumbnail_url(arxiv_id), "thumbnail"
        if submitter := media.submitter_avatar_url(entry):
            yield submitter, "avatar"
        for url in [*(many if isinstance(many, list) else []), one]:
            if isinstance(url, str) and url:
                yield url, "media"
    for url in Organization.objects.exclude(avatar_url="").values_list("avatar_url", flat=True):
        yield url, "avatar"


def _record(found: dict[str, MediaFile]) -> int:
    known = set(MediaFile.objects.filter(key__in=list(found)).values_list("key", flat=True))
    new = [row for key, row in found.items() if key not in known]
    MediaFile.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


def record_wanted(since: dt.datetime | None = None) -> int:
    """Make a row for each wanted URL that has none; returns how many were made."""
    made = 0
    found: dict[str, MediaFile] = {}
    for url, kind in wanted(since):
        if not url.startswith(("https://", "http://")) or len(url) > 1000:
            continue
        found.setdefault(media.url_key(url), MediaFile(key=media.url_key(url), url=url, kind=kind))
        if len(found) >= 1000:
            made += _record(found)
            found = {}
    return made + _record(found)


def record_new_papers(now: dt.datetime) -> int:
    """``record_wanted`` for the papers written since this node's previous look (all of
    them the first time); a paper written during a look is looked at again next time."""
    since = cache.get(_SCANNED)
    made = record_wanted(since - SCAN_OVERLAP if isinstance(since, dt.datetime) else None)
    cache.set(_SCANNED, now, None)
    return made


def _due(now: dt.datetime) -> Q:
    return Q(state=MediaFile.NEW) | Q(state=MediaFile.FAILED, retry_at__lte=now)


def claim_batch(now: dt.datetime, holder: str, size: int = BATCH) -> list[MediaFile]:
    """Claim up to ``size`` due rows for ``holder``, oldest first."""
    ids = list(
        MediaFile.objects.filter(_due(now))
        .filter(claims.unheld(now))
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if not ids:
        return []
    claims.take(MediaFile.objects.filter(pk__in=ids).filter(_due(now)), holder, now, CLAIM)
    return list(MediaFile.objects.filter(pk__in=ids, claimed_by=holder).order_by("pk"))


# -- fetching -----------------------------------------------------------------------


def allowed_hosts() -> list[str]:
    """``MEDIA_HOSTS`` and the thumbnails' host, lower-case."""
    hosts = [str(h).strip().lower().rstrip(".") for h in settings.MEDIA_HOSTS]
    thumbnails = urllib.parse.urlsplit(str(settings.MEDIA_THUMBNAIL_URL)).hostname
    return [h for h in [*hosts, thumbnails or ""] if h]


def may_fetch(url: str) -> bool:
    """Whether ``url`` is an http(s) address on an allowed host or one of its subdomains."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == h or host.endswith("." + h) for h in allowed_hosts())


def make_client() -> http.PoliteClient:
    return http.PoliteClient(
        user_agent=sync.user_agent(),
        min_interval=settings.SYNC_HF_INTERVAL,
        timeout=settings.SYNC_TIMEOUT,
        request_deadline=settings.SYNC_REQUEST_DEADLINE,
        max_retries=1,
        backoff_base=settings.SYNC_BACKOFF,
        budget=RUN_SECONDS + settings.SYNC_REQUEST_DEADLINE,
        max_body=settings.MEDIA_MAX_BYTES,
        may_fetch=may_fetch,
    )


def _store(row: MediaFile, body: bytes) -> None:
    target = media.path_for(row.key)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _failed(row: MediaFile, holder: str, reason: str, *, final: bool, now: dt.datetime) -> None:
    attempts = row.attempts + 1
    retry = None if final or attempts > len(RETRY_WAITS) else now + RETRY_WAITS[attempts - 1]
    claims.release(
        MediaFile.objects.filter(pk=row.pk),
        holder,
        state=MediaFile.FAILED,
        error=reason[:300],
        attempts=attempts,
        retry_at=retry,
        fetched_at=now,
    )


class Unreachable(Exception):
    """The upstream could not be reached at all: the hub is probably offline."""


def fetch_one(client: http.PoliteClient, row: MediaFile, holder: str) -> bool:
    """Fetch one claimed row and record the outcome; True when it was stored.

    Raises Unreachable (after recording the failure) when no connection was made.
    """
    now = timezone.now()
    try:
        response = client.get(row.url, accept="image/*,video/*;q=0.9")
    except (http.TooLarge, http.OffLimits) as exc:
        _failed(row, holder, exc.reason, final=True, now=now)
        return False
    except http.BudgetExceeded:
        claims.release(MediaFile.objects.filter(pk=row.pk), holder)
        raise
    except http.FetchError as exc:
        _failed(row, holder, exc.reason, final=False, now=now)
        if "cannot connect" in exc.reason:
            raise Unreachable(exc.reason) from exc
        return False
    if not response.ok:
        final = response.status in FINAL_STATUSES or response.status < 500
        final = final and response.status != 429
        _failed(row, holder, f"HTTP {response.status}", final=final, now=now)
        return False
    try:
        check(row.kind, response.content_type, response.body)
    except Refused as exc:
        _failed(row, holder, str(exc), final=True, now=now)
        return False
    _store(row, response.body)
    claims.release(
        MediaFile.objects.filter(pk=row.pk),
        holder,
        state=MediaFile.STORED,
        content_type=response.content_type,
        size=len(response.body),
        error="",
        attempts=row.attempts + 1,
        retry_at=None,
        fetched_at=now,
    )
    return True


def run(now: dt.datetime, should_stop: Callable[[], bool] = lambda: False) -> str:
    """The job: record new URLs, then fetch due files until done, stopped or out of time."""
    if not settings.MEDIA_FETCH:
        return "off (DAILYPAPERS_MEDIA_FETCH=0)"
    made = record_new_papers(now)
    client = make_client()
    holder = claims.new_holder()
    stored = failed = 0
    note = ""
    started = client.clock()
    while not should_stop() and client.clock() - started < RUN_SECONDS:
        batch = claim_batch(now, holder)
        if not batch:
            break
        try:
            for row in batch:
                if should_stop():
                    break
                if fetch_one(client, row, holder):
                    stored += 1
                else:
                    failed += 1
        except Unreachable as exc:
            failed += 1
            note = f"; stopped, upstream unreachable ({exc})"
            break
        except http.BudgetExceeded:
            note = "; out of time"
            break
        finally:
            # Rows of the batch not reached are free for the next run at once.
            claims.release(MediaFile.objects.filter(claimed_by=holder), holder)
    return f"{made} new files to fetch, {stored} stored, {failed} failed{note}"


def counts() -> dict[str, int]:
    """How many files are stored, failed and waiting (the health page)."""
    out = {MediaFile.NEW: 0, MediaFile.STORED: 0, MediaFile.FAILED: 0}
    for state in out:
        out[state] = MediaFile.objects.filter(state=state).count()
    return out
