"""Script injection: hostile text in every field people or imports can fill, seen in Chromium.

A corpus of payloads goes into paper titles and abstracts, author names, an
organization, a profile's display name and bio, a collection, comments and flag notes.
Every page that shows them is opened in headless Chromium (a live server on the test
database) as a visitor and as a moderator. The test fails when any payload runs (a
dialog, a call to alert/confirm/prompt/print, a console message or an uncaught error)
or when any of it is a live element or attribute in the DOM (an event handler, a
javascript: URL, an inline script, a frame). Each page must also show the payload as
text, so a page that dropped the field cannot pass by saying nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page, sync_playwright

from dailypapers.accounts.models import Profile
from dailypapers.community.models import AuthorClaim, CommentFlag
from dailypapers.community.services import collections, comments, moderation
from dailypapers.papers.models import Organization, Paper, PaperAuthor
from tests.e2e.hub import CHROMIUM, CHROMIUM_ARGS
from tests.factories import paper, utc

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

DAY = "2026-04-07"
PASSWORD = "a-long-password-1"

# Each payload names itself in what it would run, so a report says which one got through.
PAYLOADS = [
    '<script>alert("xss-script")</script>',
    '<img src=x onerror=alert("xss-img")>',
    '<svg onload=alert("xss-svg")><circle r=5></circle></svg>',
    "<a href=\"javascript:alert('xss-js-link')\">click me</a>",
    '"><script>alert("xss-breakout")</script>',
    "'><img src=x onerror=alert('xss-breakout-single')>",
    '" autofocus onfocus=alert("xss-attr") x="',
    "</title><script>alert('xss-title-tag')</script>",
    "</textarea><script>alert('xss-textarea')</script>",
    '`${alert("xss-template-literal")}`',
    "{{constructor.constructor('alert(\"xss-angular\")')()}} {{7*7}} {% now 'Y' %}",
    '[x](javascript:alert("xss-md-link")) [y](JaVaScRiPt:alert("xss-md-case"))',
    '![img](javascript:alert("xss-md-image")) <javascript:alert("xss-autolink")>',
    "&lt;script&gt;alert('xss-entity')&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    "<iframe srcdoc=\"<script>alert('xss-iframe')</script>\"></iframe>",
    '<details open ontoggle=alert("xss-toggle")><summary>s</summary></details>',
    '<b class="xssprobe" onmouseover=alert("xss-hover")>bold</b>',
    '<style>@import "javascript:alert(1)";</style><base href="javascript:alert(2)//">',
    "<meta http-equiv=refresh content=\"0;url=javascript:alert('xss-meta')\">",
    "\u2028\u2029</script><script>alert('xss-line-separators')</script>",
]

INIT_SCRIPT = """
(() => {
  window.__xssCalls = [];
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    Object.defineProperty(window, name, {
      value: (...args) => { window.__xssCalls.push(name + "(" + args.join(",") + ")"); },
      writable: false,
      configurable: false,
    });
  }
})();
"""

# Anything live that the payloads could have produced.
DOM_SCAN = """
() => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "data", "poster"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) bad.push(`${tag}[${name}]`);
      if (urlAttrs.includes(name) && value.startsWith("javascript:")) {
        bad.push(`${tag}[${name}=${attr.value.slice(0, 60)}]`);
      }
      if (name === "srcdoc") bad.push(`${tag}[srcdoc]`);
    }
    if (el.classList.contains("xssprobe")) bad.push(`${tag}.xssprobe`);
    if (["iframe", "frame", "object", "embed", "base"].includes(tag)) bad.push(tag);
    if (tag === "meta" && el.httpEquiv) bad.push(`meta[http-equiv=${el.httpEquiv}]`);
    if (tag === "script" && !el.src) {
      const type = (el.type || "").toLowerCase();
      if (!["application/json", "application/ld+json"].includes(type)) {
        bad.push(`inline script: ${el.textContent.slice(0, 60)}`);
      }
    }
    if (tag === "style" && el.textContent.includes("javascript:")) bad.push("style import");
  }
  return bad;
}
"""


def _marked(tag: str, payload: str) -> str:
    return f"{tag} {payload}"


@dataclass
class Hub:
    url: str
    staff_cookie: dict[str, Any]
    public_pages: dict[str, list[str]] = field(default_factory=dict)  # path: markers shown
    staff_pages: dict[str, list[str]] = field(default_factory=dict)


def _user(name: str, **extra: Any) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD, **extra)
    Profile.objects.create(user=user)
    return user


@pytest.fixture
def hub(live_server: Any, settings: Any) -> Hub:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PAGE_CACHE_SECONDS = 0
    staff = _user("mod", is_staff=True)
    writer = _user("writer")
    flagger = _user("flagger")
    Profile.objects.filter(user=writer).update(
        display_name=_marked("xss-display", PAYLOADS[1])[:150],
        bio="\n".join(_marked(f"xss-bio-{i}", p) for i, p in enumerate(PAYLOADS)),
    )
    org = Organization.objects.create(
        slug="xss-org",
        name=_marked("xss-org-name", PAYLOADS[4]),
        description="\n".join(_marked(f"xss-org-desc-{i}", p) for i, p in enumerate(PAYLOADS)),
    )
    papers: list[Paper] = []
    for i, payload in enumerate(PAYLOADS):
        papers.append(
            paper(
                f"2604.{90001 + i}",
                title=_marked(f"xss-title-{i}", payload),
                abstract=_marked(f"xss-abstract-{i}", payload),
                authors=(_marked(f"xss-author-{i}", payload), "Plain Author"),
                submitted_at=utc(2026, 4, 7) + dt.timedelta(minutes=i),
                upvotes=len(PAYLOADS) - i,
            )
        )
    Paper.objects.filter(pk__in=[p.pk for p in papers]).update(organization=org)
    first = Paper.objects.get(pk=papers[0].pk)
    posted = [
        comments.post(writer, first, _marked(f"xss-comment-{i}", p)) for i, p in enumerate(PAYLOADS)
    ]
    for i, (target, payload) in enumerate(zip(posted, PAYLOADS, strict=True)):
        CommentFlag.objects.create(
            comment=target, user=flagger, reason="abuse", note=_marked(f"xss-note-{i}", payload)
        )
    shelf = collections.create(
        writer.pk,
        _marked("xss-collection", PAYLOADS[2])[:120],
        description="\n".join(_marked(f"xss-coll-desc-{i}", p) for i, p in enumerate(PAYLOADS)),
    )
    for kept in papers[:3]:
        collections.add_paper(shelf, kept)
    for payload in PAYLOADS:
        moderation.lock_discussion(staff, first, _marked("xss-reason", payload))
        moderation.unlock_discussion(staff, first, _marked("xss-reason", payload))
    author = PaperAuthor.objects.filter(paper=first, position=0).get()
    AuthorClaim.objects.create(author=author, user=writer)

    client = Client()
    assert client.login(username="mod", password=PASSWORD)
    cookie = client.cookies["sessionid"]
    server = str(live_server.url)
    public = {
        "/papers": ["xss-title-0"],
        f"/papers/date/{DAY}": ["xss-title-0", f"xss-title-{len(PAYLOADS) - 1}"],
        "/papers/week/2026-W15": ["xss-title-0"],
        "/papers/trending": ["xss-title-0"],
        f"/papers/{first.arxiv_id}": [
            "xss-title-0",
            "xss-abstract-0",
            "xss-author-0",
            "xss-org-name",
            "xss-comment-0",
            f"xss-comment-{len(PAYLOADS) - 1}",
        ],
        f"/authors/{author.slug}": ["xss-author-0"],
        "/orgs": ["xss-org-name"],
        "/orgs/xss-org": ["xss-org-name", "xss-org-desc-0", "xss-title-1"],
        "/users/writer": ["xss-display", "xss-bio-0"],
        "/users/writer/collections": ["xss-collection"],
        f"/users/writer/collections/{shelf.slug}": ["xss-collection", "xss-coll-desc-0"],
        "/search?q=xss": ["xss-title-"],
        f"/search?q={quote(PAYLOADS[4])}": [],
        f"/search?q={quote(PAYLOADS[1])}&cat={quote(PAYLOADS[0])}": [],
    }
    staff_pages = {
        **public,
        "/moderation": ["xss-comment-0", "xss-note-0", f"xss-note-{len(PAYLOADS) - 1}"],
        "/moderation/log": ["xss-reason", "xss-title-0"],
        "/authors/claims": ["xss-author-0"],
        f"/comments/{posted[0].pk}/flag": ["xss-comment-0"],
    }
    # Every paper page once, as a visitor: each payload in a title, abstract and author.
    for i, listed in enumerate(papers[1:], start=1):
        public[f"/papers/{listed.arxiv_id}"] = [f"xss-title-{i}", f"xss-abstract-{i}"]
    return Hub(
        url=server,
        staff_cookie={
            "name": "sessionid",
            "value": cookie.value,
            "url": server,
            "httpOnly": True,
        },
        public_pages=public,
        staff_pages=staff_pages,
    )


@dataclass
class Findings:
    fired: list[str] = field(default_factory=list)
    live: list[str] = field(default_factory=list)
    unshown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def _visit(context: BrowserContext, base: str, pages: dict[str, list[str]], who: str) -> Findings:
    found = Findings()
    page: Page = context.new_page()
    current = {"path": ""}

    def fired(kind: str, text: str) -> None:
        found.fired.append(f"{who} {current['path']}: {kind}: {text[:200]}")

    def dialog(opened: Dialog) -> None:
        fired("dialog", opened.message)
        opened.dismiss()

    def console(message: ConsoleMessage) -> None:
        if message.type not in {"debug", "verbose"}:
            fired(f"console.{message.type}", message.text)

    page.on("dialog", dialog)
    page.on("console", console)
    page.on("pageerror", lambda exc: fired("uncaught error", str(exc)))
    for path, markers in pages.items():
        current["path"] = path
        response = page.goto(base + path, wait_until="load")
        status = response.status if response else 0
        if status == 404:
            found.missing.append(f"{path} ({who})")
            continue
        if status != 200:
            found.broken.append(f"{path} ({who}): HTTP {status}")
            continue
        # Give autofocus, ontoggle and friends a moment, and hover what can be hovered.
        page.mouse.move(5, 5)
        for probe in page.locator("b, summary").all()[:20]:
            try:
                probe.hover(timeout=500)
            except Exception:  # noqa: S112 - an element out of view is fine to skip
                continue
        page.wait_for_timeout(100)
        for frame in page.frames:
            calls = frame.evaluate("() => window.__xssCalls || []")
            for call in calls:
                fired("call", f"{call} in frame {frame.url}")
        for item in page.evaluate(DOM_SCAN):
            found.live.append(f"{who} {path}: {item}")
        text = page.evaluate("() => document.body.innerText")
        for marker in markers:
            if marker not in text:
                found.unshown.append(f"{who} {path}: {marker} not shown")
    page.close()
    return found


@pytest.fixture
def browser_contexts(hub: Hub) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            visitor = browser.new_context()
            moderator = browser.new_context()
            moderator.add_cookies([hub.staff_cookie])  # type: ignore[list-item]
            for context in (visitor, moderator):
                context.set_default_timeout(15_000)
                context.add_init_script(INIT_SCRIPT)
            yield visitor, moderator
        finally:
            browser.close()


def test_no_payload_runs_or_lives_on_any_page(
    hub: Hub, browser_contexts: tuple[BrowserContext, BrowserContext]
) -> None:
    visitor, moderator = browser_contexts
    results = [
        _visit(visitor, hub.url, hub.public_pages, "visitor"),
        _visit(moderator, hub.url, hub.staff_pages, "moderator"),
    ]
    report: list[str] = []
    for label, attr in (
        ("payloads that ran", "fired"),
        ("payloads alive in the DOM", "live"),
        ("pages that do not show the hostile text (so test nothing)", "unshown"),
        ("pages not built yet (404)", "missing"),
        ("pages that failed", "broken"),
    ):
        items = [item for result in results for item in getattr(result, attr)]
        if items:
            report.append(f"{label}:\n  " + "\n  ".join(items))
    assert not report, "\n".join(report)
