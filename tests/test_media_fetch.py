"""The worker's media.fetch job against a local replay server: what it keeps, what it
refuses (and says why), that a second run changes nothing, claims, and offline runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.ingest import media as fetching
from dailypapers.papers import media
from dailypapers.papers.models import MediaFile, Organization, Submission
from tests.support.factories import paper, utc
from tests.support.hub import free_port
from tests.support.replay import Replay, Reply

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-body" * 8
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
PAPER = "2604.04921"


def _png(body: bytes = PNG) -> Reply:
    return Reply(200, body, {"Content-Type": "image/png"})


@pytest.fixture
def upstream(replay: Replay, settings: Any, tmp_path: Path) -> Replay:
    """A paper on the daily list with a thumbnail, four media files and an organization
    avatar, all at the replay server: two good, three bad, one missing."""
    settings.MEDIA_FETCH = True
    settings.MEDIA_CACHE_DIR = tmp_path / "media"
    settings.MEDIA_MAX_BYTES = 4096
    settings.MEDIA_THUMBNAIL_URL = f"{replay.url}/thumbs/{{id}}.png"
    replay.add(f"/thumbs/{PAPER}.png", _png())
    replay.add("/m/clip.mp4", Reply(200, MP4, {"Content-Type": "video/mp4"}))
    replay.add("/m/page.png", Reply(200, b"<html>login</html>", {"Content-Type": "text/html"}))
    replay.add("/m/huge.png", _png(PNG + b"\x00" * 5000))
    replay.add("/m/fake.png", _png(b"GIF89a" + b"\x00" * 20))
    replay.add("/avatars/lab.jpg", Reply(200, JPEG, {"Content-Type": "image/jpeg"}))
    paper(
        PAPER,
        submitted_at=utc(2026, 4, 7, 2, 36),
        organization="Lab",
        hf_extra={
            "mediaUrls": [
                f"{replay.url}/m/{name}" for name in ("clip.mp4", "page.png", "huge.png")
            ],
            "mediaUrl": f"{replay.url}/m/fake.png",
        },
    )
    Organization.objects.filter(slug="lab").update(avatar_url=f"{replay.url}/avatars/lab.jpg")
    return replay


def _row(url: str) -> MediaFile:
    return MediaFile.objects.get(key=media.url_key(url))


def test_fetches_keeps_and_serves_good_files(upstream: Replay, client: Client) -> None:
    summary = fetching.run(timezone.now())
    assert summary == "6 new files to fetch, 3 stored, 3 failed", summary
    thumb = _row(f"{upstream.url}/thumbs/{PAPER}.png")
    assert (thumb.state, thumb.kind, thumb.content_type, thumb.size) == (
        "stored",
        "thumbnail",
        "image/png",
        len(PNG),
    )
    assert media.path_for(thumb.key).read_bytes() == PNG
    assert _row(f"{upstream.url}/avatars/lab.jpg").state == "stored"
    clip = _row(f"{upstream.url}/m/clip.mp4")
    assert clip.state == "stored" and media.path_for(clip.key).read_bytes() == MP4
    # Only finished files: no partial file is left behind.
    assert not list(Path(media.folder()).rglob(".part-*"))
    # The pages now show the hub's copies.
    assert client.get(f"/media/thumbnail/{PAPER}").getvalue() == PNG
    assert client.get("/media/avatar/org/lab").getvalue() == JPEG
    html = client.get(f"/papers/{PAPER}").content.decode()
    assert f'<video src="/media/file/{clip.key}"' in html
    assert f'href="{upstream.url}/m/page.png"' in html  # refused: still a plain link


def test_refuses_bad_types_oversize_and_disguised_files_and_says_why(upstream: Replay) -> None:
    fetching.run(timezone.now())
    reasons = {
        name: (row.state, row.error, row.retry_at)
        for name in ("page.png", "huge.png", "fake.png")
        for row in [_row(f"{upstream.url}/m/{name}")]
    }
    assert reasons == {
        "page.png": ("failed", "content type 'text/html' is not accepted", None),
        "huge.png": ("failed", "body larger than 4096 bytes", None),
        "fake.png": ("failed", "the content is not image/png", None),
    }
    for name in reasons:
        assert not media.path_for(media.url_key(f"{upstream.url}/m/{name}")).exists()


def test_a_second_run_fetches_nothing_again(upstream: Replay) -> None:
    fetching.run(timezone.now())
    asked = len(upstream.seen)
    before = list(MediaFile.objects.order_by("pk").values_list("key", "state", "attempts"))
    assert fetching.run(timezone.now()) == "0 new files to fetch, 0 stored, 0 failed"
    assert len(upstream.seen) == asked
    assert list(MediaFile.objects.order_by("pk").values_list("key", "state", "attempts")) == before


def test_a_failure_that_may_pass_is_tried_again_later(upstream: Replay) -> None:
    # The client asks twice per run: both answers say busy.
    upstream.add(f"/thumbs/{PAPER}.png", Reply(503, b"busy"), Reply(503, b"busy"), _png())
    now = timezone.now()
    fetching.run(now)
    thumb = _row(f"{upstream.url}/thumbs/{PAPER}.png")
    assert (thumb.state, thumb.error) == ("failed", "HTTP 503")
    assert thumb.retry_at is not None and thumb.retry_at > now
    # Not before its time...
    assert fetching.run(now) == "0 new files to fetch, 0 stored, 0 failed"
    # ...and then it is.
    later = thumb.retry_at + dt.timedelta(seconds=1)
    assert fetching.run(later).endswith("1 stored, 0 failed")
    assert _row(thumb.url).state == "stored"


def test_two_workers_never_take_the_same_file(upstream: Replay) -> None:
    fetching.record_wanted()
    now = timezone.now()
    first = fetching.claim_batch(now, claims.new_holder(), size=4)
    second = fetching.claim_batch(now, claims.new_holder(), size=10)
    assert len(first) == 4 and len(second) == 2
    assert not {r.pk for r in first} & {r.pk for r in second}


def test_offline_a_run_stops_at_the_first_unreachable_host(upstream: Replay, settings: Any) -> None:
    settings.MEDIA_THUMBNAIL_URL = f"http://127.0.0.1:{free_port()}/thumbs/{{id}}.png"
    summary = fetching.run(timezone.now())
    assert "stopped, upstream unreachable" in summary, summary
    thumb = MediaFile.objects.get(kind="thumbnail")
    assert thumb.state == "failed" and "cannot connect" in thumb.error
    assert thumb.retry_at is not None
    # It stopped there: nothing else was asked for, and nothing is left claimed.
    assert upstream.seen == []
    assert not MediaFile.objects.exclude(claimed_by="").exists()


def test_switched_off_it_does_nothing(upstream: Replay, settings: Any) -> None:
    settings.MEDIA_FETCH = False
    assert fetching.run(timezone.now()) == "off (DAILYPAPERS_MEDIA_FETCH=0)"
    assert not MediaFile.objects.exists() and upstream.seen == []


def test_a_paper_listed_later_is_picked_up_by_the_next_run(upstream: Replay) -> None:
    fetching.run(timezone.now())
    upstream.add("/thumbs/2604.05000.png", _png(PNG + b"new"))
    paper("2604.05000", submitted_at=utc(2026, 4, 8, 9))
    assert fetching.run(timezone.now()) == "1 new files to fetch, 1 stored, 0 failed"
    assert _row(f"{upstream.url}/thumbs/2604.05000.png").state == "stored"


def test_submitter_avatars_are_kept_too(upstream: Replay, client: Client) -> None:
    upstream.add("/avatars/sub.png", _png(PNG + b"sub"))
    extra = {
        "submittedOnDailyBy": {"user": "submitter", "avatarUrl": f"{upstream.url}/avatars/sub.png"}
    }
    Submission.objects.update(hf_extra=extra)
    assert fetching.run(timezone.now()).startswith("7 new files to fetch, 4 stored")
    assert client.get("/media/avatar/user/submitter").getvalue() == PNG + b"sub"


def test_health_counts_the_files(upstream: Replay, client: Client) -> None:
    fetching.run(timezone.now())
    section = client.get("/healthz").json()["media"]
    assert section == {"fetching": True, "files": {"new": 0, "stored": 3, "failed": 3}}


def test_files_are_fetched_only_from_the_upstreams_hosts(upstream: Replay) -> None:
    """Addresses in imported data pointing elsewhere (the machine itself, a private
    network) are never asked for, nor reached through a redirect from an allowed host."""
    inside = f"http://localhost:{upstream.url.rsplit(':', 1)[1]}/private/secret.png"
    upstream.add("/private/secret.png", _png(PNG + b"secret"))
    upstream.add("/m/jump.png", Reply(302, b"", {"Location": inside}))
    metadata = "http://169.254.169.254/latest/meta-data/iam.png"
    paper(
        "2604.05001",
        submitted_at=utc(2026, 4, 8, 9),
        hf_extra={"mediaUrls": [inside, metadata], "mediaUrl": f"{upstream.url}/m/jump.png"},
    )
    fetching.run(timezone.now())
    assert upstream.requests_to("/private/secret.png") == []
    assert len(upstream.requests_to("/m/jump.png")) == 1
    for url in (inside, metadata, f"{upstream.url}/m/jump.png"):
        row = _row(url)
        assert (row.state, row.retry_at) == ("failed", None)
        assert "the hub does not fetch from" in row.error
    assert _row(f"{upstream.url}/thumbs/{PAPER}.png").state == "stored"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://cdn-uploads.huggingface.co/production/x.png", True),
        ("https://huggingface.co/avatars/a.png", True),
        ("https://HuggingFace.co./avatars/a.png", True),
        ("https://evilhuggingface.co/x.png", False),
        ("https://huggingface.co@127.0.0.1/x.png", False),
        ("https://127.0.0.1#.huggingface.co/x.png", False),
        ("https://huggingface.co.evil.example/x.png", False),
        ("ftp://huggingface.co/x.png", False),
        ("file:///etc/passwd", False),
        ("http://[::1/x.png", False),
    ],
)
def test_which_addresses_may_be_fetched(url: str, allowed: bool, settings: Any) -> None:
    settings.MEDIA_HOSTS = ["huggingface.co"]
    settings.MEDIA_THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/t/{id}.png"
    assert fetching.may_fetch(url) is allowed
