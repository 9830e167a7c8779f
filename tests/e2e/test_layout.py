"""The pages a daily reader sees, laid out at phone and desktop widths, light and dark.

A real hub (two real daily files imported with the CLI, `dailypapers serve` in a
subprocess) in Debian's Chromium. Every request that would leave the hub's origin is
blocked and recorded: a page must not hot-link anything.

Screenshots of the daily list, a paper page and search at both widths and in both
colour schemes are written to $DAILYPAPERS_SCREENSHOTS when set, else to a
``screens`` folder in pytest's temporary directory (printed with ``-s``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, FloatRect, Page, Route, ViewportSize, expect

from tests.support.browser import NEEDS_CHROMIUM, opened_page, served_hub

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

OLDER, LATEST = "2026-04-06", "2026-04-07"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# A paper of LATEST with an organization (with an avatar upstream), an AI summary
# and GitHub stars.
PAPER = "2604.04911"
SEARCH = "agent"


@dataclass(frozen=True)
class Hub:
    url: str
    screens: Path


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    folder = tmp_path_factory.mktemp("layout-hub")
    wanted = os.environ.get("DAILYPAPERS_SCREENSHOTS", "")
    screens = Path(wanted) if wanted else tmp_path_factory.mktemp("screens")
    screens.mkdir(parents=True, exist_ok=True)
    with served_hub(folder, OLDER, LATEST, workers=1) as server:
        yield Hub(server.url, screens)
    print(f"\nscreenshots in {screens}")


@dataclass
class Tab:
    page: Page
    width: int
    scheme: str
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check_clean(self) -> None:
        assert self.leaks == [], f"requests left the hub: {self.leaks}"
        assert self.errors == [], f"browser errors: {self.errors}"


def _open(browser: Browser, hub: Hub, viewport: ViewportSize, scheme: str) -> Iterator[Tab]:
    phone = viewport["width"] < 600
    errors: list[str] = []
    with opened_page(
        browser,
        errors,
        viewport=viewport,
        color_scheme=scheme,
        is_mobile=phone,
        has_touch=phone,
    ) as (context, page):
        tab = Tab(page, viewport["width"], scheme, errors=errors)
        origin = urlsplit(hub.url)[:2]

        def guard(route: Route) -> None:
            if urlsplit(route.request.url)[:2] == origin:
                route.continue_()
            else:
                tab.leaks.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", guard)
        yield tab


@pytest.fixture(
    params=[
        (PHONE, "light"),
        (PHONE, "dark"),
        (DESKTOP, "light"),
        (DESKTOP, "dark"),
    ],
    ids=["390-light", "390-dark", "1280-light", "1280-dark"],
)
def tab(request: pytest.FixtureRequest, browser: Browser, hub: Hub) -> Iterator[Tab]:
    viewport, scheme = request.param
    yield from _open(browser, hub, viewport, scheme)


def _no_sideways_scroll(page: Page, what: str) -> None:
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= client, f"{what} scrolls sideways: {scroll} > {client}"


def _box(page: Page, selector: str) -> FloatRect:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def _text_fits(page: Page, selector: str) -> tuple[float, float]:
    """Width of the field's placeholder in its own font, and the room the field has."""
    result: list[float] = page.evaluate(
        """(sel) => {
          const el = document.querySelector(sel);
          const s = getComputedStyle(el);
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
          const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
          return [ctx.measureText(el.placeholder).width, room];
        }""",
        selector,
    )
    return result[0], result[1]


# What a page may ship of JavaScript, whatever it is.
SCRIPT_BUDGET = 50 * 1024


def _scripts_within_budget(page: Page) -> None:
    """The scripts the page loaded, by their decoded size (all from the hub's origin,
    so the browser reports their sizes), come to no more than the budget."""
    page.wait_for_load_state("load")
    sizes: list[list[object]] = page.evaluate(
        """() => performance.getEntriesByType("resource")
             .filter(e => e.initiatorType === "script" || e.name.endsWith(".js"))
             .map(e => [e.name, e.decodedBodySize])"""
    )
    assert sizes, "no script was loaded"
    total = sum(int(size) for _, size in sizes)  # type: ignore[call-overload]
    assert total <= SCRIPT_BUDGET, f"{total} bytes of JavaScript: {sizes}"


def _luminance(css_color: str) -> float:
    r, g, b = (int(float(v)) / 255 for v in re.findall(r"[\d.]+", css_color)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _shoot(tab: Tab, hub: Hub, name: str) -> None:
    """The whole page, and on a phone also the first screen as a reader sees it."""
    stem = f"{name}-{tab.width}-{tab.scheme}"
    tab.page.screenshot(path=str(hub.screens / f"{stem}.png"), full_page=True)
    if tab.width == PHONE["width"]:
        tab.page.screenshot(path=str(hub.screens / f"{stem}-first-screen.png"))


def test_daily_list(tab: Tab, hub: Hub) -> None:
    page = tab.page
    page.goto(f"{hub.url}/papers/date/{LATEST}")
    _no_sideways_scroll(page, "the daily list")
    header_search = _box(page, "#site-search")
    header = _box(page, ".site-header")
    if tab.width == PHONE["width"]:
        # One row: the header is no taller than a row of controls.
        assert header["height"] <= 64, f"header is {header['height']} px tall"
        assert header_search["width"] >= 150, header_search
        card = page.locator(".card").first
        title = card.locator("h3").bounding_box()
        vote = card.locator(".upvote button").bounding_box()
        assert title and vote
        assert title["y"] + title["height"] <= PHONE["height"], f"first title below fold {title}"
        assert vote["y"] + vote["height"] <= PHONE["height"], f"first vote below fold {vote}"
        thumb = card.locator(".thumb img").bounding_box()
        assert thumb and thumb["y"] + thumb["height"] <= PHONE["height"], f"thumbnail {thumb}"
        # The vote sits beside the title, not above it.
        assert vote["y"] < title["y"] + title["height"] and vote["y"] + vote["height"] > title["y"]
    else:
        assert header_search["width"] >= 240, header_search
    placeholder, room = _text_fits(page, "#site-search")
    assert placeholder <= room, f"header placeholder cut: needs {placeholder}, has {room}"

    # Meta lines: separators are drawn between items, never as text at a line's start.
    starts = page.locator(".card .meta > *").all_inner_texts()
    assert not [t for t in starts if t.strip().startswith("·")], starts

    # The AI summary on one line, labelled; GitHub stars; the digest box up top;
    # Submit and Digest in the header.
    first = page.locator(".card").filter(has=page.locator(f'a[href="/papers/{PAPER}"]'))
    summary = first.locator(".summary")
    expect(summary).to_contain_text("AI summary")
    line = float(summary.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert (summary.bounding_box() or {"height": 999})["height"] <= line * 1.5
    expect(first.locator(".stars")).to_contain_text("45")
    signup = _box(page, "main .digest-box")
    assert signup["y"] < _box(page, ".card")["y"], "the subscribe box is not above the list"
    _shoot(tab, hub, "daily")
    header_links = page.locator(".site-header").get_by_role("link")
    if tab.width == PHONE["width"]:
        expect(header_links.filter(has_text="Submit")).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()  # the menu opens without JavaScript
    expect(header_links.filter(has_text="Submit")).to_be_visible()
    expect(header_links.filter(has_text="Digest")).to_be_visible()
    _no_sideways_scroll(page, "the daily list with the menu open")
    _scripts_within_budget(page)
    tab.check_clean()


def test_paper_page(tab: Tab, hub: Hub) -> None:
    page = tab.page
    page.goto(f"{hub.url}/papers/{PAPER}")
    _no_sideways_scroll(page, "the paper page")
    abstract = _box(page, ".abstract")
    for name in ("arXiv page", "PDF"):
        link = _box(page, f'.paper-actions a:text-is("{name}")')
        assert link["y"] < abstract["y"], f"{name} comes after the abstract"
    vote = _box(page, ".paper-actions .upvote button")
    assert vote["y"] < abstract["y"]
    if tab.width == PHONE["width"]:
        assert vote["y"] + vote["height"] <= PHONE["height"]
    summary = page.locator(".ai-summary")
    expect(summary).to_contain_text("machine-written")
    # Organization: its logo (initials until the worker fetches it) served by the hub.
    expect(page.locator(".org .org-logo").first).to_be_visible()
    # The card's comment count is the page's.
    count = page.locator("#discussion-h").inner_text()
    page.goto(f"{hub.url}/papers/date/{LATEST}")
    on_card = page.locator(f'.card a[href="/papers/{PAPER}#discussion"]').inner_text()
    assert re.findall(r"\d+", on_card) == re.findall(r"\d+", count)[-1:], (on_card, count)
    page.goto(f"{hub.url}/papers/{PAPER}")
    _shoot(tab, hub, "paper")
    _scripts_within_budget(page)
    tab.check_clean()


def test_search(tab: Tab, hub: Hub) -> None:
    page = tab.page
    page.goto(f"{hub.url}/search?q={SEARCH}")
    _no_sideways_scroll(page, "search")
    box = _box(page, "#q")
    assert box["width"] >= 240, f"the query box is {box['width']} px wide"
    marks = page.locator("mark")
    assert marks.count() > 0
    background = marks.first.evaluate("e => getComputedStyle(e).backgroundColor")
    colour = marks.first.evaluate("e => getComputedStyle(e).color")
    if tab.scheme == "dark":
        assert _luminance(background) < 0.2, f"highlight glares: {background}"
    assert abs(_luminance(background) - _luminance(colour)) > 0.3, (background, colour)
    starts = page.locator(".results .meta > *").all_inner_texts()
    assert starts and not [t for t in starts if t.strip().startswith("·")], starts
    _shoot(tab, hub, "search")
    _scripts_within_budget(page)
    tab.check_clean()


def test_organization_pages_do_not_hot_link_avatars(browser: Browser, hub: Hub) -> None:
    for tab in _open(browser, hub, DESKTOP, "light"):
        page = tab.page
        page.goto(f"{hub.url}/orgs")
        expect(page.locator(".org-avatar").first).to_be_visible()
        page.locator(".org-rows a").first.click()
        expect(page.locator(".org-head .org-avatar")).to_be_visible()
        assert page.locator("img[src^='http']").count() == 0
        tab.check_clean()


def test_upvote_while_logged_out_says_why_and_comes_back(browser: Browser, hub: Hub) -> None:
    for tab in _open(browser, hub, PHONE, "light"):
        page = tab.page
        page.goto(f"{hub.url}/papers/date/{OLDER}")
        card = page.locator(".card").nth(2)
        card_id = card.get_attribute("id")
        assert card_id
        card.locator(".upvote button").click()
        page.wait_for_url(re.compile(r"/login\?"))
        expect(page.get_by_text("Log in to upvote")).to_be_visible()
        back = page.locator("form.account-form input[name=next]").input_value()
        assert back == f"/papers/date/{OLDER}#{card_id}", back
        tab.check_clean()
