"""A reader browses a real hub in headless Chromium (Debian's, driven by Playwright).

The hub is the real thing: two real daily files imported with the CLI, then
`dailypapers serve` (gunicorn) in a subprocess on a free port.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.support.browser import NEEDS_CHROMIUM, opened_page, served_hub
from tests.support.hub import daily_file

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

OLDER, LATEST = "2026-04-06", "2026-04-07"
PHONE = {"width": 390, "height": 844}


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Day:
    """What the daily file says should be on that day's list."""

    titles: frozenset[str]
    entries: list[dict[str, Any]]


def _day(day: str) -> Day:
    entries = json.loads(daily_file(day).read_text())
    return Day(frozenset(_squash(e["paper"]["title"]) for e in entries), entries)


@dataclass
class Tab:
    """A page plus every console error and uncaught exception it reported."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def assert_no_errors(self) -> None:
        assert self.errors == [], f"browser console errors: {self.errors}"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a hub holding the real lists of 2026-04-06 and 2026-04-07."""
    folder = tmp_path_factory.mktemp("hub")
    with served_hub(folder, OLDER, LATEST) as server:
        yield server.url


def _open_tab(browser: Browser, **context_options: Any) -> Iterator[Tab]:
    errors: list[str] = []
    with opened_page(browser, errors, **context_options) as (_, page):
        tab = Tab(page, errors)

        def on_console(message: ConsoleMessage) -> None:
            # A missing /favicon.ico is reported by test_the_site_has_a_favicon instead.
            url = message.location.get("url", "")
            if message.type == "error" and not url.endswith("/favicon.ico"):
                tab.errors.append(f"{message.text} ({url})")

        page.on("console", on_console)
        yield tab


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    yield from _open_tab(browser)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Tab]:
    yield from _open_tab(
        browser, viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True
    )


def _card_titles(page: Page) -> frozenset[str]:
    cards = page.get_by_role("region", name="Papers").get_by_role("article")
    return frozenset(_squash(t) for t in cards.get_by_role("heading").all_inner_texts())


def _expect_day(page: Page, day: Day, label: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily Papers")
    expect(page.get_by_role("heading", name=label)).to_be_visible()
    expect(page.get_by_text(f"{len(day.titles)} papers", exact=True)).to_be_visible()
    assert _card_titles(page) == day.titles


def test_read_the_latest_day_go_back_a_day_and_open_a_paper(hub: str, tab: Tab) -> None:
    page = tab.page
    latest, older = _day(LATEST), _day(OLDER)

    page.goto(f"{hub}/papers")
    _expect_day(page, latest, "Tuesday, April 7, 2026")
    assert page.title().startswith("Daily Papers")

    page.get_by_role("link", name=re.compile(r"^\W*Previous\W*$")).click()
    expect(page).to_have_url(f"{hub}/papers/date/{OLDER}")
    _expect_day(page, older, "Monday, April 6, 2026")

    entry = older.entries[0]["paper"]
    arxiv_id, title = entry["id"], _squash(entry["title"])
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(f"{hub}/papers/{arxiv_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    authors = _squash(page.locator(".authors").inner_text())
    for author in entry["authors"][:5]:
        assert _squash(author["name"]) in authors
    expect(page.get_by_role("heading", name="Abstract")).to_be_visible()
    abstract = _squash(page.get_by_role("region", name="Abstract").inner_text())
    assert _squash(entry["summary"])[:200] in abstract
    expect(page.get_by_role("link", name="arXiv page", exact=True)).to_have_attribute(
        "href", re.compile(rf"^https://arxiv\.org/abs/{re.escape(arxiv_id)}")
    )
    expect(page.get_by_role("link", name="PDF", exact=True)).to_have_attribute(
        "href", re.compile(rf"^https://arxiv\.org/pdf/{re.escape(arxiv_id)}")
    )

    page.go_back()
    expect(page).to_have_url(f"{hub}/papers/date/{OLDER}")
    _expect_day(page, older, "Monday, April 6, 2026")
    tab.assert_no_errors()


def test_landmarks_and_a_labelled_search_field(hub: str, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{hub}/papers")
    expect(page.locator("main")).to_have_count(1)
    expect(page.get_by_role("main")).to_be_visible()
    assert page.get_by_role("navigation").count() >= 1
    search = page.get_by_role("searchbox", name=re.compile(r"search", re.IGNORECASE))
    expect(search.first).to_be_visible()
    # The name comes from a real <label>, not only a placeholder.
    field_id = search.first.get_attribute("id")
    assert field_id
    expect(page.locator(f'label[for="{field_id}"]')).to_have_count(1)
    tab.assert_no_errors()


def test_the_site_has_a_favicon(hub: str, tab: Tab) -> None:
    """Browsers ask every site for an icon; a 404 there is a console error on every page."""
    page = tab.page
    page.goto(f"{hub}/papers")
    icon = page.locator('link[rel~="icon"]')
    href = icon.first.get_attribute("href") if icon.count() else "/favicon.ico"
    assert href
    if href.startswith("data:"):
        return
    response = page.request.get(urljoin(page.url, href))
    assert response.status == 200, f"{href} answers {response.status}"


def _luminance(css_color: str) -> float:
    """Relative luminance (WCAG) of an ``rgb(...)``/``rgba(...)`` colour."""
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css_color)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _colours(page: Page) -> tuple[str, str]:
    result: list[str] = page.evaluate(
        "() => { const s = getComputedStyle(document.body); return [s.backgroundColor, s.color]; }"
    )
    return result[0], result[1]


def test_dark_mode_has_a_dark_background(hub: str, tab: Tab) -> None:
    page = tab.page
    page.emulate_media(color_scheme="light")
    page.goto(f"{hub}/papers")
    light_bg, _ = _colours(page)
    assert _luminance(light_bg) > 0.5, light_bg

    page.emulate_media(color_scheme="dark")
    page.goto(f"{hub}/papers/date/{OLDER}")
    dark_bg, dark_fg = _colours(page)
    assert _luminance(dark_bg) < 0.1, dark_bg
    assert _luminance(dark_fg) > 0.5, dark_fg
    tab.assert_no_errors()


def test_no_horizontal_scroll_on_a_phone(hub: str, phone: Tab) -> None:
    page = phone.page
    paper_id = _day(OLDER).entries[0]["paper"]["id"]
    for path in ("/papers", f"/papers/date/{OLDER}", f"/papers/{paper_id}", "/papers/trending"):
        page.goto(f"{hub}{path}")
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[1] == PHONE["width"], widths
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
    phone.assert_no_errors()
