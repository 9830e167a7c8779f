"""The community journey in Chromium against the real server, one browser session.

Sign up, confirm from the mail the real SMTP server received, log out and in again,
upvote on a daily list without a reload, comment in Markdown and reply on the paper
page, and submit a paper whose arXiv record comes from a local replay of a recorded
arXiv answer. A second test does the same writes with JavaScript off: every control
is a plain form post underneath.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Expect, Locator, Page

from tests.support.hub import (
    CHROMIUM,
    clean_env,
    cli,
    daily_file,
    scratch_database,
    start_server,
)
from tests.support.mail import Sink, running_sink
from tests.support.replay import Replay

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

DAY = "2026-04-07"
PASSWORD = "correct horse battery staple"
# Recorded in the arXiv API replay (tests/test_sync_replay.py: ARXIV_2026).
SUBMITTED = "1605.08386"
SUBMITTED_TITLE = "Heat-bath random walks with Markov bases"
# The machine running the suite may be busy: wait long, never assert how long.
WAIT_MS = 30_000

expect = Expect()
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def mail() -> Iterator[Sink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def arxiv() -> Iterator[Replay]:
    server = Replay()
    server.add_recorded_arxiv()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, mail: Sink, arxiv: Replay) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hub")
    with scratch_database() as db_env:
        env = clean_env(
            **db_env,
            DAILYPAPERS_EMAIL_URL=mail.url,
            DAILYPAPERS_ARXIV_API_URL=f"{arxiv.url}/api/query",
            DAILYPAPERS_SYNC_ARXIV_INTERVAL="0",
            DAILYPAPERS_SYNC_BACKOFF="0.01",
            # The recorded paper is from 2016, and the account is minutes old.
            DAILYPAPERS_SUBMIT_MAX_PAPER_AGE_DAYS="100000",
            DAILYPAPERS_SUBMIT_MIN_ACCOUNT_HOURS="0",
        )
        imported = cli(folder / "data", "import", str(daily_file(DAY)), env=env)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        server = start_server(folder / "data", folder / "serve.log", env=env)
        try:
            yield server.url
        finally:
            server.stop()


def _page(browser: Browser, *, javascript: bool) -> Iterator[Page]:
    """A page in a fresh context; the test fails on any script error or console error."""
    context = browser.new_context(java_script_enabled=javascript)
    try:
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on(
            "console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None
        )
        yield page
        assert errors == []
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, javascript=True)


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, javascript=False)


# -- steps ------------------------------------------------------------------------


def sign_up(page: Page, hub: str, username: str) -> None:
    page.goto(f"{hub}/papers/date/{DAY}")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email address").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name=f"Welcome, {username}")).to_be_visible()


def confirm_from_mail(page: Page, hub: str, mail: Sink, address: str) -> None:
    (message,) = mail.to(address)
    link = re.search(r"https?://\S+(/confirm-email/\S+)", message.get_content())
    assert link, message.get_content()
    page.goto(hub + link.group(1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()


def log_out_and_in(page: Page, username: str) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    account = page.get_by_role("navigation", name="Main")
    expect(account.get_by_role("button", name="Log out")).to_be_visible()
    expect(account.get_by_role("link", name=username, exact=True)).to_be_visible()


def papers(page: Page) -> Locator:
    return page.get_by_role("region", name="Papers")


def card(page: Page, title: str) -> Locator:
    return papers(page).get_by_role("article", name=title, exact=True)


def votes(card: Locator) -> Locator:
    # The count has no name of its own: it is the number beside the Upvote button.
    return card.locator(".count")


def discussion(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile(r"^Discussion"))


def post_comment(page: Page, text: str) -> None:
    discussion(page).get_by_label("Add a comment").fill(text)
    discussion(page).get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))


# -- tests ------------------------------------------------------------------------


def test_the_community_journey(hub: str, mail: Sink, arxiv: Replay, page: Page) -> None:
    sign_up(page, hub, "ada")
    confirm_from_mail(page, hub, mail, "ada@example.org")
    log_out_and_in(page, "ada")

    # Upvote in place: the count changes without a reload, and a reload shows it kept.
    page.goto(f"{hub}/papers/date/{DAY}")
    title = papers(page).get_by_role("article").first.get_by_role("heading").inner_text()
    button = card(page, title).get_by_role("button", name="Upvote")
    before = int(votes(card(page, title)).inner_text())
    expect(button).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.stayedOnPage = true")  # a reload would drop it
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(votes(card(page, title))).to_have_text(str(before + 1))
    assert page.evaluate("window.stayedOnPage") is True
    page.reload()
    expect(card(page, title).get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(votes(card(page, title))).to_have_text(str(before + 1))

    # A comment in Markdown, rendered with the links marked as user content.
    card(page, title).get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    post_comment(page, "**bold** and a [link](https://example.org)")
    comment = discussion(page).get_by_role("article").filter(has_text="bold and a link")
    expect(comment).to_have_count(1)
    expect(comment.get_by_role("link", name="ada", exact=True)).to_be_visible()
    expect(comment.locator("strong")).to_have_text("bold")
    link = comment.get_by_role("link", name="link", exact=True)
    expect(link).to_have_attribute("href", re.compile(r"^https://example\.org/?$"))
    rel = (link.get_attribute("rel") or "").split()
    assert {"nofollow", "ugc"} <= set(rel), rel
    expect(comment.locator("strong")).not_to_contain_text("*")

    # A reply, shown in a list nested under the comment it answers.
    comment.get_by_text("Reply", exact=True).click()
    comment.get_by_label("Reply to ada").fill("Replying to *myself*.")
    comment.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    first = page.get_by_role("article").filter(has_text="bold and a link")
    thread = discussion(page).get_by_role("listitem").filter(has=first)
    expect(thread).to_have_count(1)
    reply = thread.get_by_role("list").get_by_role("article").filter(has_text="Replying to")
    expect(reply).to_have_count(1)
    expect(reply.locator("em")).to_have_text("myself")
    # The paper came with 5 comments from huggingface.co: the heading counts all 7, and
    # says how many are on this hub.
    expect(discussion(page).get_by_role("heading", name=re.compile(r"7 comments"))).to_be_visible()
    expect(discussion(page).get_by_text(re.compile(r"^2 here"))).to_be_visible()
    # The card counts the same 7 at once (ada's list is shared by readers, and her own
    # comments make it fresh for her), and her profile shows the comment rendered.
    page.goto(f"{hub}/papers/date/{DAY}")
    expect(card(page, title).get_by_role("link", name="7 comments", exact=True)).to_be_visible()
    page.goto(f"{hub}/users/ada")
    recent = page.locator("section").filter(has=page.get_by_role("heading", name="Recent comments"))
    expect(recent.locator(".excerpt strong").filter(has_text="bold")).to_have_count(1)
    expect(recent.locator(".excerpt em").filter(has_text="myself")).to_have_count(1)
    expect(recent).not_to_contain_text("**")
    expect(recent).not_to_contain_text("*myself*")

    # Submit a paper by its arXiv id; its record comes from the arXiv replay.
    page.goto(f"{hub}/papers/submit")
    page.get_by_label("arXiv id or URL").fill(SUBMITTED)
    page.get_by_role("main").get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(f"{hub}/papers/{SUBMITTED}")
    expect(page.get_by_role("heading", level=1, name=SUBMITTED_TITLE)).to_be_visible()
    assert [seen.params.get("id_list") for seen in arxiv.requests_to("/api/query")] == [SUBMITTED]

    # The latest day is today's, and it lists the paper with who submitted it.
    page.goto(f"{hub}/papers")
    submitted = card(page, SUBMITTED_TITLE)
    expect(submitted).to_be_visible()
    expect(submitted).to_contain_text("Submitted by ada")
    expect(submitted.get_by_role("link", name="ada", exact=True)).to_have_attribute(
        "href", "/users/ada"
    )


def test_upvotes_and_comments_work_without_javascript(hub: str, page_without_js: Page) -> None:
    page = page_without_js
    sign_up(page, hub, "grace")

    page.goto(f"{hub}/papers/date/{DAY}")
    title = papers(page).get_by_role("article").last.get_by_role("heading").inner_text()
    before = int(votes(card(page, title)).inner_text())
    card(page, title).get_by_role("button", name="Upvote").click()
    # The form post comes back to the list, at the card, with the vote counted.
    expect(page).to_have_url(re.compile(rf"^{re.escape(hub)}/papers/date/{DAY}#c-\d+$"))
    expect(card(page, title).get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(votes(card(page, title))).to_have_text(str(before + 1))

    card(page, title).get_by_role("link", name=title, exact=True).click()
    post_comment(page, "Works with *plain* forms.")
    comment = discussion(page).get_by_role("article").filter(has_text="Works with plain forms.")
    expect(comment).to_have_count(1)
    expect(comment.locator("em")).to_have_text("plain")
    expect(comment.get_by_role("link", name="grace", exact=True)).to_be_visible()
