"""Paper cards for the daily lists and trending, rendered in Python.

A day can show sixty cards; through the template engine each costs most of a
millisecond of CPU, which made card rendering the bulk of a list page. This renders
the same markup as ``papers/_upvote.html`` plus the card around it.

A card and its line of facts are f-strings: every text value (titles, names,
addresses, ids) goes through ``html.escape`` (what Django's ``escape`` does), numbers
and dates go in as they are, and the parts made elsewhere (summary, thumbnail,
disclosure, what other apps add) are markup already. With ``format_html`` for each
part a card cost about 50 µs, now under 30 (tests/test_pages.py and test_fuzz.py
check the markup, hostile text included).

What depends on the reader (whether they upvoted the paper, what other apps add for
them) is left as a slot and filled by ``fill``, so that one rendered list serves
every signed-in reader (see the comment above ``_prefix``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import NamedTuple
from urllib.parse import quote, unquote

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dailypapers.core.markup import format_html
from dailypapers.papers import extras, media_html, queries, why
from dailypapers.papers.models import Paper, Submission


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _meta(sub: Submission, zone: dt.tzinfo) -> tuple[str, SafeString]:
    """The card's summary line and its line of facts (authors, organization, dates...)."""
    paper = sub.paper
    authors: int = sub.num_authors  # type: ignore[attr-defined]
    meta = [f"<span>{_plural(authors, 'author')}</span>"]
    org = paper.organization
    if org is not None:
        name = escape(org.name)
        meta.append(
            f'<span><a class="org" href="/orgs/{escape(quote(org.slug))}" title="{name}">'
            f"{media_html.org_logo(org)} {name}</a></span>"
        )
    if paper.published_at:
        local = paper.published_at.astimezone(zone)
        meta.append(
            f'<span>Published <time datetime="{local.isoformat()}">'
            f"{local:%b} {local.day}, {local.year}</time></span>"
        )
    meta.append(
        f'<span><a href="/papers/{escape(paper.arxiv_id)}#discussion">'
        f"{_plural(paper.num_comments, 'comment')}</a></span>"
    )
    shown_name = sub.submitter_fullname or sub.submitter_name
    if shown_name:
        # The avatar as the hub serves it (fetched by the worker, else initials).
        avatar = f"{media_html.user_avatar(sub.submitter_name)} " if sub.submitter_name else ""
        if sub.submitter_id is not None and sub.submitter_name:
            meta.append(
                f'<span>Submitted by {avatar}<a href="/users/{escape(sub.submitter_name)}">'
                f"{escape(shown_name)}</a></span>"
            )
        else:
            meta.append(f"<span>Submitted by {avatar}{escape(shown_name)}</span>")
    if paper.github_repo:
        stars = paper.github_stars
        shown_stars = f' <span class="stars" title="GitHub stars">★ {stars}</span>' if stars else ""
        meta.append(
            f'<span><a href="{escape(paper.github_repo)}" rel="noopener nofollow">Code</a>'
            f"{shown_stars}</span>"
        )
    return _summary(paper), mark_safe("\n      ".join(meta))  # noqa: S308 - escaped parts


def _summary(paper: Paper) -> str:
    """One line under the title: the imported AI summary, labelled, else the abstract's start."""
    if paper.ai_summary:
        return format_html(
            '<p class="summary" title="{}"><span class="ai-label" title="Summary written by a '
            'machine, not the authors">AI summary</span>{}</p>',
            paper.ai_summary,
            paper.ai_summary,
        )
    if paper.abstract:
        return format_html('<p class="excerpt">{}</p>', paper.excerpt)
    return ""


@dataclass(frozen=True)
class _List:
    """What every card of one list shares; ``token`` and ``next_path`` escaped once."""

    token: str
    next_path: str
    now: dt.datetime
    zone: dt.tzinfo


# A card's parts that depend on who reads it (whether they upvoted it, and what other
# apps add for them, such as their reading marks) are written as slots and filled by
# ``fill``. A list page is then the same for every signed-in reader up to its slots,
# so it can be cached once for all of them (``core.pagecache.cached_per_reader``).
# The slot's prefix is derived from the secret key: text on a page cannot forge one.
def _prefix() -> str:
    return _prefix_for(settings.SECRET_KEY)


@cache
def _prefix_for(secret: str) -> str:
    digest = hmac.new(secret.encode(), b"card-slots", hashlib.sha256)
    return "slot" + digest.hexdigest()[:24]


def _slot_re() -> re.Pattern[str]:
    return _slot_re_for(_prefix())


@cache
def _slot_re_for(prefix: str) -> re.Pattern[str]:
    return re.compile(re.escape(prefix) + r"(v|m)(\d+)(?::([^;<>\"&\s]*))?;")


class _Ref(NamedTuple):
    """A card's paper as the extras see it."""

    pk: int
    arxiv_id: str


def _card(sub: Submission, shared: _List) -> str:
    """One card with its reader's slots; text values escaped here, the parts (the
    summary, the meta line, the thumbnail, the disclosure) are markup already."""
    paper = sub.paper
    votes: int = sub.votes  # type: ignore[attr-defined]
    summary, meta = _meta(sub, shared.zone)
    pk, arxiv_id, slot = sub.pk, escape(paper.arxiv_id), _prefix()
    return (
        f'<article class="card" id="c-{pk}" aria-labelledby="t-{pk}">\n'
        '  <div class="votes"><form class="upvote" method="post" '
        f'action="/papers/{arxiv_id}/upvote" data-upvote>'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{shared.token}">'
        f'<input type="hidden" name="next" value="{shared.next_path}#c-{pk}">'
        f"{slot}v{sub.paper_id};"
        '<span aria-hidden="true">▲</span>'
        '<span class="visually-hidden">Upvote</span></button> '
        f'<span class="count">{votes}</span></form>'
        '<span class="visually-hidden"> upvotes</span>'
        f"{why.disclosure(votes, sub.submitted_at, shared.now)}</div>\n"
        '  <div class="body">\n'
        f'    <h3 id="t-{pk}"><a href="/papers/{arxiv_id}">{escape(paper.title)}</a></h3>\n'
        f"    {summary}\n"
        f'    <p class="meta">{meta}</p>\n'
        f"    {slot}m{sub.paper_id}:{quote(paper.arxiv_id, safe='/')};\n"
        "  </div>\n"
        f"  {media_html.card_thumbnail(paper)}\n"
        "</article>\n"
    )


def _cards(items: Iterable[Submission], request: HttpRequest) -> list[str]:
    shared = _List(
        token=escape(get_token(request)),
        next_path=escape(request.get_full_path()),
        now=timezone.now(),
        zone=timezone.get_current_timezone(),
    )
    return [_card(sub, shared) for sub in items]


def slotted(items: Iterable[Submission], request: HttpRequest) -> SafeString:
    """The cards of a list with their reader's slots still open: the page must go
    through ``fill`` before it is sent (``cached_per_reader`` does it)."""
    return mark_safe("".join(_cards(items, request)))  # noqa: S308 - escaped in _card


def _vote_button(voted: bool, hint: str) -> str:
    return (
        f'<input type="hidden" name="vote" value="{"0" if voted else "1"}">'
        f'<button type="submit" aria-pressed="{"true" if voted else "false"}"{hint}>'
    )


def _filled(html: str, voted: set[int], more: dict[int, SafeString], hint: str) -> str:
    buttons = {True: _vote_button(True, hint), False: _vote_button(False, hint)}

    def one(slot: re.Match[str]) -> str:
        paper_id = int(slot[2])
        if slot[1] == "v":
            return buttons[paper_id in voted]
        return more.get(paper_id, "")

    return _slot_re().sub(one, html)


def _refs(html: str) -> list[_Ref]:
    return [
        _Ref(int(slot[2]), unquote(slot[3]))
        for slot in _slot_re().finditer(html)
        if slot[1] == "m" and slot[3]
    ]


def _hint(request: HttpRequest) -> str:
    return "" if request.user.is_authenticated else ' title="Log in to upvote"'


def fill(html: str, request: HttpRequest) -> str:
    """``html`` with every card's slots filled for this reader: their votes (one query)
    and what other apps add to each card for them (one call each for the whole page)."""
    if _prefix() not in html:
        return html
    refs = _refs(html)
    voted = queries.voted_paper_ids(request.user, [ref.pk for ref in refs])
    return _filled(html, voted, extras.for_cards(request, refs), _hint(request))


def render_each(
    items: Iterable[Submission], voted: set[int], request: HttpRequest
) -> list[SafeString]:
    """One filled card per entry, for pages that put something between them (For you);
    what other apps add to cards is still read once for the whole list."""
    items = list(items)
    more = extras.for_cards(request, [_Ref(sub.paper_id, sub.paper.arxiv_id) for sub in items])
    hint = _hint(request)
    return [
        mark_safe(_filled(card, voted, more, hint))  # noqa: S308 - escaped in _card
        for card in _cards(items, request)
    ]
