"""Every text value a list card shows is escaped, whichever field it comes from.

Cards are built with f-strings (papers.cards): this checks each field one by one,
with markup in the title, the AI summary, the code link, the organization's name,
the submitter's names and the page's own address (the vote form's ``next``).
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.test import Client

from dailypapers.papers.models import Organization, Paper, Submission
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db

HOSTILE = '"><img src=x onerror=alert(1)>&<script>x</script>'
ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&lt;script&gt;x&lt;/script&gt;"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _cards_section(html: str) -> str:
    start = html.index('<section class="cards"')
    return html[start : html.index("</section>", start)]


def test_every_card_field_is_escaped(client: Client) -> None:
    paper(
        "2604.00001",
        title=f"Title {HOSTILE}",
        submitted_at=utc(2026, 4, 7, 9),
        organization="Org",
        ai_summary=f"Summary {HOSTILE}",
        github_stars=3,
    )
    Paper.objects.filter(arxiv_id="2604.00001").update(
        github_repo=f"https://github.com/a/b?{HOSTILE}"
    )
    Organization.objects.update(name=f"Org {HOSTILE}")
    Submission.objects.update(submitter_fullname=f"Sub {HOSTILE}", submitter_name=f"u{HOSTILE}")

    html = client.get(f"/papers/date/2026-04-07?from={HOSTILE}").content.decode()
    cards = _cards_section(html)

    assert "<script>" not in cards and "<img src=x" not in cards
    # Title (twice: heading and no other), summary (text and title attribute), code
    # link, organization (link title and text), submitter, the form's return address.
    assert f"Title {ESCAPED}" in cards
    assert cards.count(f"Summary {ESCAPED}") == 2
    assert f'href="https://github.com/a/b?{ESCAPED}"' in cards
    assert cards.count(f"Org {ESCAPED}") == 2
    assert f"Sub {ESCAPED}</span>" in cards
    # The page's address, ampersands included, comes back as it was sent.
    sent = cards.split('name="next" value="', 1)[1].split('"', 1)[0]
    assert sent.startswith("/papers/date/2026-04-07?from=") and "&amp;" in sent
    assert "&" not in sent.replace("&amp;", "").replace("&quot;", "")

    parser = _Tags()
    parser.feed(cards)
    tags = [tag for tag, _ in parser.found]
    # One card, its own elements only: nothing injected opened an element.
    assert tags.count("article") == 1 and "script" not in tags
    assert all(name != "onerror" for _, attrs in parser.found for name, _ in attrs)
    forms = [dict(attrs) for tag, attrs in parser.found if tag == "input"]
    next_value = next(f["value"] for f in forms if f["name"] == "next")
    card = f"#c-{Submission.objects.get().pk}"
    assert next_value is not None and next_value.count("&") == 1 and next_value.endswith(card)
    images = [dict(attrs)["src"] for tag, attrs in parser.found if tag == "img"]
    # The submitter's avatar is served by the hub, the name quoted into its address.
    avatar = "/media/avatar/user/u" + quote(HOSTILE, safe="")
    assert images == ["/media/avatar/org/org", avatar, "/media/thumbnail/2604.00001"]
