"""In Chromium against the real server: sign up, confirm from the mail, upvote without reload."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.hub import (
    CHROMIUM,
    CHROMIUM_ARGS,
    clean_env,
    cli,
    daily_file,
    scratch_database,
    start_server,
)
from tests.support.mail import Sink, running_sink

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

DAY = "2026-04-07"


@pytest.fixture(scope="module")
def mail() -> Iterator[Sink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, mail: Sink) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hub")
    with scratch_database() as db_env:
        env = clean_env(**db_env, DAILYPAPERS_EMAIL_URL=mail.url)
        imported = cli(folder / "data", "import", str(daily_file(DAY)), env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        server = start_server(folder / "data", folder / "serve.log", env=env)
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.set_default_timeout(10_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            yield page
            assert errors == []
        finally:
            browser.close()


def test_sign_up_confirm_and_upvote_without_a_reload(hub: str, mail: Sink, page: Page) -> None:
    page.goto(f"{hub}/papers/date/{DAY}")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_label("Password confirmation").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Welcome, ada")).to_be_visible()

    (message,) = mail.to("ada@example.org")
    link = re.search(r"https?://\S+(/confirm-email/\S+)", message.get_content())
    assert link
    page.goto(hub + link.group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()

    page.goto(f"{hub}/papers/date/{DAY}")
    card = page.get_by_role("region", name="Papers").get_by_role("article").first
    button = card.get_by_role("button", name="Upvote")
    count = card.locator(".count")
    before = int(count.inner_text())
    expect(button).to_have_attribute("aria-pressed", "false")
    # A reload would drop this marker.
    page.evaluate("window.stayedOnPage = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text(str(before + 1))
    assert page.evaluate("window.stayedOnPage") is True

    page.reload()
    card = page.get_by_role("region", name="Papers").get_by_role("article").first
    expect(card.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    card.get_by_role("button", name="Upvote").click()
    expect(card.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "false")
    expect(card.locator(".count")).to_have_text(str(before))
