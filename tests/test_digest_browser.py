"""The digest email rendered in Chromium: phone and desktop widths, light and dark mode,
screenshots that show the papers, nothing that needs scripts or images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from dailypapers.digests import sending
from tests.support.digests import DUE, SIGNED_UP, subscriber
from tests.support.factories import paper, utc
from tests.support.hub import CHROMIUM, launched_chromium
from tests.support.mail import html_part, running_sink, use_sink

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]

# For every element with text of its own: its colour, the first opaque background up
# its ancestors (the canvas when none), and its box.
TEXT_STYLES = """
(canvas) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c.slice(0, 3);
    }
    return canvas;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    out.push({text: el.textContent.trim().slice(0, 40), color: rgb(getComputedStyle(el).color),
              bg: background(el), right: box.right});
  }
  return out;
}
"""


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: list[float], b: list[float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.fixture
def digest_html(settings: Any) -> str:
    for i in range(6):
        paper(
            f"2604.0000{i + 1}",
            title=f"A rather long paper title number {i} about world models and agents",
            submitted_at=utc(2026, 4, 7, 1 + i),
            upvotes=100 - i,
            authors=("Ada Lovelace", "Grace Hopper", "Alan Turing", "Rosalind Franklin"),
            categories="cs.CV",
            github_repo="https://github.com/example/project-with-a-long-name",
            abstract="We study how agents learn world models from video. " * 12,
        )
    with running_sink() as sink:
        use_sink(settings, sink)
        settings.BASE_URL = "https://papers.example.org"
        subscriber("ada@example.org", now=SIGNED_UP, categories=("cs.CV",))
        assert sending.run(DUE).sent == 1
        [message] = sink.to("ada@example.org")
    return html_part(message)


@pytest.fixture
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 800])
def test_the_digest_reads_well_at_phone_and_desktop_widths_in_both_modes(
    digest_html: str, browser: Browser, tmp_path: Path, scheme: str, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,  # type: ignore[arg-type]
        offline=True,  # as a mail client with remote content blocked
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(digest_html, wait_until="load")

    assert page.locator("script, img, iframe, link[rel=stylesheet]").count() == 0
    assert requests == [], "the digest loads nothing from the network"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"horizontal scrolling at {width}px: {scroll_width}px"
    titles = page.locator("a[href^='https://papers.example.org/papers/2604.']")
    assert titles.count() >= 6
    assert page.get_by_text("Unsubscribe").is_visible()

    canvas = [255, 255, 255] if scheme == "light" else [18, 18, 18]
    page_bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    if scheme == "dark":
        # The page declares `color-scheme: light dark`, so Chromium paints a dark canvas.
        assert page_bg in ("rgba(0, 0, 0, 0)", "rgb(18, 18, 18)"), page_bg
    for item in page.evaluate(TEXT_STYLES, canvas):
        ratio = contrast(item["color"], item["bg"])
        assert ratio >= 4.5, f"{item['text']!r} has contrast {ratio:.1f} in {scheme} mode"
        assert item["right"] <= width + 1, f"{item['text']!r} runs off a {width}px screen"

    shot = tmp_path / f"digest-{width}-{scheme}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # a rendered page, not an empty canvas
    context.close()
