"""In Chromium against the real server: the list pages' keyboard keys (j/k, o, u, /, ?),
the density switch, remembered across pages, with and without JavaScript, and the
reading marks without a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import NEEDS_CHROMIUM, opened_page
from tests.support.hub import Server, clean_env, cli, daily_file, scratch_database, start_server

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

DAY = "2026-04-07"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("hub")
    with scratch_database() as db_env:
        env = clean_env(**db_env, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
        imported = cli(folder / "data", "import", str(daily_file(DAY)), env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        made = cli(
            folder / "data",
            *("createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.org"),
            env=env,
        )
        assert made.returncode == 0, made.stdout + made.stderr
        server = start_server(folder / "data", folder / "serve.log", env=env)
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    errors: list[str] = []
    with opened_page(browser, errors, viewport={"width": 1280, "height": 800}) as (_, tab):
        yield tab
    assert errors == []


def focused_index(page: Page) -> int:
    """Which card has the keyboard focus ring (and the browser's focus), -1 for none."""
    return int(
        page.evaluate(
            """() => {
              const cards = Array.from(document.querySelectorAll("main .card"));
              const i = cards.findIndex((c) => c.classList.contains("kb-focused"));
              if (i >= 0 && document.activeElement !== cards[i]) return -2;
              return i;
            }"""
        )
    )


def in_view(page: Page, index: int) -> bool:
    return bool(
        page.evaluate(
            """(i) => {
              const r = document.querySelectorAll("main .card")[i].getBoundingClientRect();
              // Within a pixel: the browser may align a card's edge at a fraction.
              return r.top >= -1 && r.bottom <= window.innerHeight + 1;
            }""",
            index,
        )
    )


def log_in(page: Page, hub: Server) -> None:
    page.goto(f"{hub.url}/login")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_j_k_move_between_cards_and_o_opens(hub: Server, page: Page) -> None:
    page.goto(f"{hub.url}/papers/date/{DAY}")
    cards = page.locator("main .card")
    assert cards.count() > 12
    assert focused_index(page) == -1
    page.keyboard.press("j")
    assert focused_index(page) == 0
    expect(cards.nth(0)).to_have_class(re.compile(r"\bkb-focused\b"))
    outline = cards.nth(0).evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert focused_index(page) == 2
    page.keyboard.press("k")
    assert focused_index(page) == 1
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert focused_index(page) == 0, "k stops at the first card"
    # Far down the list the focused card is scrolled into view.
    for _ in range(11):
        page.keyboard.press("j")
    assert focused_index(page) == 11 and in_view(page, 11)
    assert page.evaluate("window.scrollY") > 0
    href = cards.nth(11).locator("h3 a").get_attribute("href")
    assert href
    page.keyboard.press("o")
    page.wait_for_url(f"**{href}")
    page.go_back()
    page.keyboard.press("j")
    target = cards.nth(0).locator("h3 a").get_attribute("href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")


def test_slash_searches_and_keys_are_ignored_while_typing(hub: Server, page: Page) -> None:
    page.goto(f"{hub.url}/papers/date/{DAY}")
    page.keyboard.press("/")
    search = page.locator("#site-search")
    expect(search).to_be_focused()
    page.keyboard.type("jkou?")
    expect(search).to_have_value("jkou?")
    assert focused_index(page) == -1
    assert page.locator("dialog.kb-help[open]").count() == 0
    # The search page focuses its own, larger box.
    page.goto(f"{hub.url}/search?q=model")
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()


def test_question_mark_shows_the_keys(hub: Server, page: Page) -> None:
    page.goto(f"{hub.url}/papers/date/{DAY}")
    page.keyboard.press("?")
    help_box = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("upvote the paper")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    page.keyboard.press("?")
    expect(help_box).to_be_hidden()


def test_u_upvotes_the_focused_card(hub: Server, page: Page) -> None:
    log_in(page, hub)
    page.goto(f"{hub.url}/papers/date/{DAY}")
    card = page.locator("main .card").nth(1)
    button = card.locator(".upvote button")
    count = card.locator(".count")
    before = int(count.inner_text())
    expect(button).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.stayedOnPage = true")
    page.keyboard.press("j")
    page.keyboard.press("j")
    with page.expect_response(re.compile(r"/upvote$")) as answer:
        page.keyboard.press("u")
    assert answer.value.request.method == "POST" and answer.value.status == 200
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text(str(before + 1))
    assert page.evaluate("window.stayedOnPage") is True
    page.keyboard.press("u")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(count).to_have_text(str(before))


def test_u_while_logged_out_asks_to_log_in(hub: Server, page: Page) -> None:
    page.goto(f"{hub.url}/papers/date/{DAY}")
    page.keyboard.press("j")
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"/login\?"))
    expect(page.get_by_text("Log in to upvote")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_density_switch_is_remembered(hub: Server, browser: Browser, javascript: bool) -> None:
    errors: list[str] = []
    with opened_page(browser, errors, java_script_enabled=javascript) as (_, page):
        page.goto(f"{hub.url}/papers/date/{DAY}")
        first = page.locator("main .card").first
        expect(first.locator(".meta")).to_be_visible()
        tall = first.bounding_box()
        page.get_by_role("button", name="Compact").click()
        page.wait_for_url(f"**/papers/date/{DAY}")
        expect(page.locator("body")).to_have_class("density-compact")
        expect(page.get_by_role("button", name="Compact")).to_have_attribute("aria-pressed", "true")
        first = page.locator("main .card").first
        expect(first.locator(".meta")).to_be_hidden()
        expect(first.locator("h3 a")).to_be_visible()
        short = first.bounding_box()
        assert tall and short and short["height"] < tall["height"] * 0.75
        # Remembered on the other lists.
        page.goto(f"{hub.url}/papers/trending")
        expect(page.locator("body")).to_have_class("density-compact")
        expect(page.locator("main .card").first.locator(".meta")).to_be_hidden()
        page.get_by_role("button", name="Cards").click()
        expect(page.locator("body")).to_have_class("density-cards")
        expect(page.locator("main .card").first.locator(".meta")).to_be_visible()
    assert errors == []


def test_read_later_marks_without_a_reload(hub: Server, page: Page) -> None:
    log_in(page, hub)
    page.goto(f"{hub.url}/papers/date/{DAY}")
    card = page.locator("main .card").nth(3)
    title = card.locator("h3 a").inner_text()
    later = card.get_by_role("button", name="Read later")
    expect(later).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.stayedOnPage = true")
    later.click()
    expect(later).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.stayedOnPage") is True
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Read later").click()
    expect(page.get_by_role("heading", name="Read later")).to_be_visible()
    row = page.locator("main .read-later > li", has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Read later").click()
    expect(row.get_by_role("button", name="Read later")).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(page.locator("main .read-later > li", has_text=title)).to_have_count(0)
