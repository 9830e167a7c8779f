"""Thumbnails, organization logos and a paper's media in Chromium: every one comes from
the hub (a request to any other origin is blocked and fails the test), every image
shows, and media the hub has not fetched are links, not embeds.

A real hub (a real daily file imported with the CLI, `dailypapers serve` in a
subprocess, no worker: nothing is fetched, so the hub's drawn covers and initials
stand in).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize

from tests.support.browser import NEEDS_CHROMIUM, opened_page, served_hub

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

DAY = "2026-04-07"
# A paper of DAY with a video in its media and an organization with an avatar upstream.
PAPER = "2604.04921"
PHONE: ViewportSize = {"width": 390, "height": 844}

BROKEN_IMAGES = """() => [...document.images]
  .filter(img => !img.complete || img.naturalWidth === 0)
  .map(img => img.src)"""


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_hub(tmp_path_factory.mktemp("media-hub"), DAY, workers=1) as server:
        yield server.url


def _guarded(page: Page, hub_url: str, leaks: list[str]) -> None:
    origin = urlsplit(hub_url)[:2]

    def guard(route: Route) -> None:
        if urlsplit(route.request.url)[:2] == origin:
            route.continue_()
        else:
            leaks.append(route.request.url)
            route.abort("blockedbyclient")

    page.context.route("**/*", guard)


def _all_images_shown(page: Page) -> int:
    page.wait_for_load_state("networkidle")
    # Lazy images load when near the screen: scroll through the page.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    assert page.evaluate(BROKEN_IMAGES) == []
    count: int = page.evaluate("() => document.images.length")
    return count


@pytest.mark.parametrize("path", [f"/papers/date/{DAY}", f"/papers/{PAPER}", "/orgs"])
def test_every_image_is_the_hubs_own_and_shows(browser: Browser, hub_url: str, path: str) -> None:
    errors: list[str] = []
    leaks: list[str] = []
    with opened_page(browser, errors) as (_, page):
        _guarded(page, hub_url, leaks)
        page.goto(hub_url + path)
        assert _all_images_shown(page) > 0
        srcs = page.eval_on_selector_all("img, video, source", "els => els.map(e => e.src)")
        assert all(urlsplit(s)[:2] == urlsplit(hub_url)[:2] for s in srcs), srcs
    assert leaks == [], f"requests left the hub: {leaks}"
    assert errors == []


def test_cards_show_a_thumbnail_above_the_fold_on_a_phone(browser: Browser, hub_url: str) -> None:
    errors: list[str] = []
    leaks: list[str] = []
    with opened_page(browser, errors, viewport=PHONE, is_mobile=True, has_touch=True) as (_, page):
        _guarded(page, hub_url, leaks)
        page.goto(f"{hub_url}/papers/date/{DAY}")
        thumbs = page.locator(".card .thumb img")
        assert thumbs.count() == page.locator(".card").count() > 0
        box = thumbs.first.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], box
        assert box["width"] >= 60, box
        page.wait_for_function(
            "() => { const i = document.querySelector('.card .thumb img');"
            " return i.complete && i.naturalWidth > 0; }"
        )
        cover = page.request.get(thumbs.first.evaluate("i => i.src"))
        assert cover.headers["content-type"].startswith("image/svg+xml")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= PHONE["width"], f"the list scrolls sideways: {scroll}"
    assert leaks == [] and errors == []


def test_media_not_kept_are_links_out(browser: Browser, hub_url: str) -> None:
    errors: list[str] = []
    leaks: list[str] = []
    with opened_page(browser, errors) as (_, page):
        _guarded(page, hub_url, leaks)
        page.goto(f"{hub_url}/papers/{PAPER}")
        links = page.locator(".paper-media a.media-out")
        assert links.count() >= 1
        href = links.first.get_attribute("href") or ""
        assert urlsplit(href).netloc == "cdn-uploads.huggingface.co", href
        assert page.locator(".paper-media video, .paper-media img").count() == 0
    assert leaks == [] and errors == []
