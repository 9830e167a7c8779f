"""The hub's own images: covers and initials it draws, the addresses pages use, and the
files it serves. Pages must name no other site in anything they load."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.core import text
from dailypapers.papers import media
from dailypapers.papers.models import MediaFile, Organization, Paper, Submission
from tests.support.factories import paper, utc

SVG = "{http://www.w3.org/2000/svg}"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
HOSTILE = '<script>alert("x")</script> R&D of "quotes" ' + "Supercalifragilistic" * 8


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("University of Oxford", "UO"),
        ("The University of Tokyo", "UT"),
        ("Institute for AI and Society", "IA"),
        ("Meta-FAIR", "MF"),
        ("R&D Lab", "RL"),
        ("of the", "OT"),
        ("Qwen", "Q"),
        ("<script>", "LA"),
        ("", "LA"),
    ],
)
def test_initials_skip_linking_words(name: str, initials: str) -> None:
    assert text.initials(name, "lab") == initials


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - the hub's own output
    assert root.tag == f"{SVG}svg"
    assert not [el for el in root.iter() if el.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert not [k for el in root.iter() for k in el.attrib if k.lower().startswith("on")]
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}tspan")]


def test_cover_is_deterministic_escaped_and_wrapped() -> None:
    cover = media.Cover(HOSTILE + "\x00\x1f", "cs.CL cs.AI", "University of Oxford")
    svg = media.cover_svg(cover)
    assert svg == media.cover_svg(
        media.Cover(HOSTILE + "\x00\x1f", "cs.CL cs.AI", "University of Oxford")
    )
    lines = _texts(svg)  # well-formed XML despite the markup, quotes and controls
    assert 1 <= len(lines) <= 5
    assert all(media.width_of(line) <= 28 for line in lines), lines
    assert lines[0].startswith('<script>alert("x")</script>'[:27].split()[0])
    assert lines[-1].endswith("…")  # too long to fit: cut, and says so
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "cs.CL · University of Oxford" in svg
    # The ground follows the first category: another category, another colour.
    grounds = {media.palette(c)[0] for c in ("cs.CL", "cs.CV", "cs.LG", "stat.ML", "q-bio.NC")}
    assert media.palette("cs.CL")[0] in svg and len(grounds) > 1


def test_a_long_word_is_cut_to_the_line() -> None:
    assert media.wrap("a" * 50, 20, 4) == ["a" * 20, "a" * 20, "a" * 10]
    assert media.wrap("short title", 20, 4) == ["short title"]
    # Capitals and full-width letters take more room.
    assert len(media.wrap("W" * 30, 15, 4)[0]) == 10
    assert len(media.wrap("論文" * 10, 19, 4)[0]) == 10


def test_initials_avatar_is_escaped_svg() -> None:
    svg = media.initials_svg("Ünïversity & <b>", "x")
    root = ET.fromstring(svg)  # noqa: S314 - the hub's own output
    assert "".join(root.itertext()) == "Ü"
    assert "<b>" not in svg


# -- pages and the hub's addresses --------------------------------------------------


def _sources(html: str) -> list[str]:
    """Every address the page loads by itself (not links a reader may follow)."""
    loads = re.findall(r'<(?:img|video|audio|source|script|iframe)\b[^>]*\bsrc="([^"]*)"', html)
    loads += re.findall(r'<link\b[^>]*\bhref="([^"]*)"', html)
    return loads


@pytest.fixture
def lab_paper(settings: pytest.FixtureRequest, tmp_path: Path) -> str:
    settings.MEDIA_CACHE_DIR = tmp_path / "media"  # type: ignore[attr-defined]
    paper(
        "2604.04921",
        title=HOSTILE,
        submitted_at=utc(2026, 4, 7, 2, 36),
        organization="Oxford",
        categories="cs.CV",
        hf_extra={
            "mediaUrls": ["https://cdn.example.org/clip.mp4", "https://cdn.example.org/fig.png"]
        },
    )
    Organization.objects.filter(slug="oxford").update(
        name="University of Oxford", avatar_url="https://cdn.example.org/oxford.png"
    )
    return "2604.04921"


@pytest.mark.django_db
def test_pages_load_nothing_from_other_sites(client: Client, lab_paper: str) -> None:
    for path in ("/papers/date/2026-04-07", f"/papers/{lab_paper}", "/orgs", "/orgs/oxford"):
        html = body(client.get(path))
        loads = _sources(html)
        assert loads, path
        assert [u for u in loads if not u.startswith("/")] == [], path
    listing = body(client.get("/papers/date/2026-04-07"))
    assert f'<img src="/media/thumbnail/{lab_paper}"' in listing
    assert 'src="/media/avatar/org/oxford"' in listing


@pytest.mark.django_db
def test_media_not_fetched_are_plain_links_out(client: Client, lab_paper: str) -> None:
    html = body(client.get(f"/papers/{lab_paper}"))
    section = re.search(r'<section class="paper-media".*?</section>', html, re.S)
    assert section, html
    assert 'href="https://cdn.example.org/clip.mp4"' in section.group(0)
    assert ">Video 1 <" in section.group(0) and ">Image 2 <" in section.group(0)
    assert "<video" not in section.group(0) and "<img" not in section.group(0)


@pytest.mark.django_db
def test_media_addresses_that_are_not_web_links_are_not_shown(client: Client) -> None:
    hostile = ["javascript:alert(document.cookie)", "data:text/html,<b>x</b>", "//evil.example/x"]
    paper(
        "2604.05002",
        submitted_at=utc(2026, 4, 7, 3),
        hf_extra={"mediaUrls": [*hostile, "https://cdn.example.org/ok.png"]},
    )
    html = body(client.get("/papers/2604.05002"))
    section = re.search(r'<section class="paper-media".*?</section>', html, re.S)
    assert section, html
    links = re.findall(r'href="([^"]*)"', section.group(0))
    assert links == ["https://cdn.example.org/ok.png"]


@pytest.mark.django_db
def test_fetched_media_are_served_by_the_hub(client: Client, lab_paper: str) -> None:
    for url, kind, content_type, data in (
        ("https://cdn.example.org/clip.mp4", "media", "video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        (media.thumbnail_url(lab_paper), "thumbnail", "image/png", PNG),
        ("https://cdn.example.org/oxford.png", "avatar", "image/png", PNG + b"org"),
    ):
        key = media.url_key(url)
        media.path_for(key).parent.mkdir(parents=True, exist_ok=True)
        media.path_for(key).write_bytes(data)
        MediaFile.objects.create(
            key=key, url=url, kind=kind, state=MediaFile.STORED, content_type=content_type
        )
    html = body(client.get(f"/papers/{lab_paper}"))
    clip = media.url_key("https://cdn.example.org/clip.mp4")
    assert f'<video src="/media/file/{clip}"' in html
    assert 'href="https://cdn.example.org/fig.png"' in html  # the other one: still a link
    served = client.get(f"/media/file/{clip}")
    assert (
        served["Content-Type"] == "video/mp4" and served.getvalue() == b"\x00\x00\x00\x18ftypmp42"
    )
    thumb = client.get(f"/media/thumbnail/{lab_paper}")
    assert thumb["Content-Type"] == "image/png" and thumb.getvalue() == PNG
    assert "sandbox" in thumb["Content-Security-Policy"]
    avatar = client.get("/media/avatar/org/oxford")
    assert avatar.getvalue() == PNG + b"org"


@pytest.mark.django_db
def test_drawn_stand_ins_until_fetched(client: Client, lab_paper: str) -> None:
    cover = client.get(f"/media/thumbnail/{lab_paper}")
    assert cover.status_code == 200 and cover["Content-Type"].startswith("image/svg+xml")
    assert "max-age=3600" in cover["Cache-Control"]
    again = client.get(f"/media/thumbnail/{lab_paper}", headers={"If-None-Match": cover["ETag"]})
    assert again.status_code == 304
    title = Paper.objects.get(arxiv_id=lab_paper).title
    assert body(cover) == media.cover_svg(media.Cover(title, "cs.CV", "University of Oxford"))
    avatar = client.get("/media/avatar/org/oxford")
    assert ">UO</text>" in body(avatar)
    assert client.get("/media/thumbnail/2604.99999").status_code == 404
    assert client.get("/media/avatar/org/nobody").status_code == 404
    assert client.get("/media/file/" + "0" * 64).status_code == 404
    assert client.post(f"/media/thumbnail/{lab_paper}").status_code == 405


@pytest.mark.django_db
def test_the_policy_allows_no_image_from_elsewhere(client: Client) -> None:
    policy = client.get("/healthz")["Content-Security-Policy"]
    img = re.search(r"img-src ([^;]*)", policy)
    assert img and img.group(1).split() == ["'self'", "data:"]
    assert "media-src 'self'" in policy


@pytest.mark.django_db
def test_a_video_is_served_in_ranges_and_revalidated(client: Client, lab_paper: str) -> None:
    url = "https://cdn.example.org/clip.mp4"
    key = media.url_key(url)
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4
    media.path_for(key).parent.mkdir(parents=True, exist_ok=True)
    media.path_for(key).write_bytes(data)
    MediaFile.objects.create(
        key=key, url=url, kind="media", state=MediaFile.STORED, content_type="video/mp4"
    )
    path = f"/media/file/{key}"
    whole = client.get(path)
    assert whole["Accept-Ranges"] == "bytes" and whole.getvalue() == data
    part = client.get(path, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part["Content-Range"] == f"bytes 10-19/{len(data)}"
    tail = client.get(path, headers={"Range": "bytes=-8"})
    assert tail.status_code == 206 and tail.content == data[-8:]
    beyond = client.get(path, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"
    again = client.get(path, headers={"If-None-Match": whole["ETag"]})
    assert again.status_code == 304


@pytest.mark.django_db
def test_hostile_ranges_are_refused_not_errors(client: Client, lab_paper: str) -> None:
    url = "https://cdn.example.org/clip.mp4"
    key = media.url_key(url)
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(64)
    media.path_for(key).parent.mkdir(parents=True, exist_ok=True)
    media.path_for(key).write_bytes(data)
    MediaFile.objects.create(
        key=key, url=url, kind="media", state=MediaFile.STORED, content_type="video/mp4"
    )
    path = f"/media/file/{key}"
    assert client.get(path)["X-Content-Type-Options"] == "nosniff"
    for wanted in (f"bytes={'9' * 5000}-", f"bytes=0-{'9' * 5000}", "bytes=-0", "bytes=5-2"):
        answer = client.get(path, headers={"Range": wanted})
        assert answer.status_code == 416, wanted
        assert answer["Content-Range"] == f"bytes */{len(data)}"


@pytest.mark.django_db
def test_submitter_avatar_is_the_hubs_own(client: Client, lab_paper: str) -> None:
    extra = {"submittedOnDailyBy": {"user": "submitter", "avatarUrl": "/avatars/abc.png"}}
    Submission.objects.filter(paper__arxiv_id=lab_paper).update(hf_extra=extra)
    html = body(client.get(f"/papers/{lab_paper}"))
    assert 'src="/media/avatar/user/submitter"' in html
    assert ">SM</text>" in body(client.get("/media/avatar/user/submitter"))  # "Sub Mitter"
    assert client.get("/media/avatar/user/nobody").status_code == 404
    # The upstream's site-relative address is where the worker fetches it from.
    assert media.submitter_avatar_url(extra) == "https://huggingface.co/avatars/abc.png"
    assert media.submitter_avatar_url({"submittedBy": {"avatarUrl": "javascript:x"}}) == ""
