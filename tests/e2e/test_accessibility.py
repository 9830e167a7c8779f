"""axe-core finds no serious or critical accessibility problem on the pages a reader uses.

A real hub (two real daily files, ``dailypapers serve``) in Debian's Chromium, at phone
and desktop widths, light and dark. axe-core is the copy shipped inside the PyPI
package ``axe-playwright-python`` (a dev dependency): read from the installed package
and evaluated in the page, never fetched from a CDN nor kept in this repository.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.support.browser import NEEDS_CHROMIUM, opened_page, served_hub

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]

OLDER, LATEST = "2026-04-06", "2026-04-07"
PAPER = "2604.04911"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PASSWORD = "a long enough passphrase 42"
# What a reader of each page sees; the submit form needs an account.
PAGES = {
    "daily list": (f"/papers/date/{LATEST}", False),
    "paper page": (f"/papers/{PAPER}", False),
    "search": ("/search?q=agent", False),
    "login": ("/login", False),
    "submit": ("/papers/submit", True),
}
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    """axe.min.js as the installed package ships it."""
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("a11y-hub")
    with served_hub(folder, OLDER, LATEST, workers=1) as server:
        yield server.url


@pytest.fixture(scope="module")
def account(browser: Browser, hub: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cookies of a reader who signed up (the submit page needs one)."""
    state = tmp_path_factory.mktemp("a11y-account") / "state.json"
    errors: list[str] = []
    with opened_page(browser, errors) as (context, page):
        page.goto(f"{hub}/signup")
        page.get_by_label("Username").fill("reader")
        page.get_by_label("Email address").fill("reader@example.org")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password confirmation").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Welcome, reader")).to_be_visible()
        context.storage_state(path=str(state))
    assert errors == []
    return state


def violations(page: Page, source: str) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, serious and critical ones only."""
    page.evaluate(source)
    found: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in found["violations"] if v["impact"] in BLOCKING]


def describe(problems: list[dict[str, Any]]) -> str:
    lines = []
    for v in problems:
        targets = [json.dumps(node["target"]) for node in v["nodes"][:5]]
        lines.append(f"{v['impact']} {v['id']}: {v['help']} at {', '.join(targets)}")
        first = v["nodes"][0].get("failureSummary", "")
        lines.append(f"    {first.splitlines()[-1] if first else ''}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("viewport", "scheme"),
    [(PHONE, "light"), (PHONE, "dark"), (DESKTOP, "light"), (DESKTOP, "dark")],
    ids=["390-light", "390-dark", "1280-light", "1280-dark"],
)
def test_no_serious_accessibility_violations(
    browser: Browser, hub: str, account: Path, viewport: ViewportSize, scheme: str
) -> None:
    source = axe_source()
    report: dict[str, str] = {}
    for logged_in in (False, True):
        errors: list[str] = []
        options: dict[str, Any] = {"viewport": viewport, "color_scheme": scheme}
        if logged_in:
            options["storage_state"] = str(account)
        with opened_page(browser, errors, **options) as (_, page):
            for name, (path, needs_account) in PAGES.items():
                if needs_account != logged_in:
                    continue
                response = page.goto(hub + path)
                assert response is not None and response.status == 200, (name, path)
                problems = violations(page, source)
                if problems:
                    report[name] = describe(problems)
        assert errors == []
    assert report == {}, "\n".join(f"{name}:\n{text}" for name, text in report.items())


def test_the_check_sees_a_serious_violation(browser: Browser, hub: str) -> None:
    """An image without a text alternative (critical to axe) on a real page is reported."""
    errors: list[str] = []
    with opened_page(browser, errors) as (_, page):
        page.goto(f"{hub}/papers/date/{LATEST}")
        assert violations(page, axe_source()) == []
        page.evaluate(
            "() => document.querySelector('main').append(Object.assign("
            "document.createElement('img'), {src: '/static/none.png'}))"
        )
        found = violations(page, axe_source())
    assert [v["id"] for v in found] == ["image-alt"], describe(found)
