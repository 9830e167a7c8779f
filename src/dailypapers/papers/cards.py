"""Paper cards for the daily lists and trending, rendered in Python.

A day can show sixty cards; through the template engine each costs most of a
millisecond of CPU, which made card rendering the bulk of a list page. This renders
the same markup as ``papers/_upvote.html`` plus the card around it, escaping every
value with ``format_html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import quote

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dailypapers.core.markup import format_html
from dailypapers.papers import extras, media_html, why
from dailypapers.papers.models import Paper, Submission


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _meta(sub: Submission) -> tuple[str, SafeString]:
    """The card's summary line and its line of facts (authors, organization, dates...)."""
    paper = sub.paper
    authors: int = sub.num_authors  # type: ignore[attr-defined]
    meta = [format_html("<span>{}</span>", _plural(authors, "author"))]
    org = paper.organization
    if org is not None:
        meta.append(
            format_html(
                '<span><a class="org" href="/orgs/{}" title="{}">{} {}</a></span>',
                quote(org.slug),
                org.name,
                media_html.org_logo(org),
                org.name,
            )
        )
    if paper.published_at:
        local = timezone.localtime(paper.published_at)
        meta.append(
            format_html(
                '<span>Published <time datetime="{}">{} {}, {}</time></span>',
                local.isoformat(),
                local.strftime("%b"),
                local.day,
                local.year,
            )
        )
    meta.append(
        format_html(
            '<span><a href="/papers/{}#discussion">{}</a></span>',
            paper.arxiv_id,
            _plural(paper.num_comments, "comment"),
        )
    )
    shown_name = sub.submitter_fullname or sub.submitter_name
    if shown_name:
        if sub.submitter_id is not None and sub.submitter_name:
            meta.append(
                format_html(
                    '<span>Submitted by <a href="/users/{}">{}</a></span>',
                    sub.submitter_name,
                    shown_name,
                )
            )
        else:
            meta.append(format_html("<span>Submitted by {}</span>", shown_name))
    if paper.github_repo:
        stars = paper.github_stars
        meta.append(
            format_html(
                '<span><a href="{}" rel="noopener nofollow">Code</a>{}</span>',
                paper.github_repo,
                format_html(' <span class="stars" title="GitHub stars">★ {}</span>', stars)
                if stars
                else "",
            )
        )
    return _summary(paper), mark_safe("\n      ".join(meta))  # noqa: S308 - format_html parts


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


def _card(
    sub: Submission, voted: bool, token: str, next_path: str, hint: str, now: dt.datetime, more: str
) -> str:
    paper = sub.paper
    votes: int = sub.votes  # type: ignore[attr-defined]
    summary, meta = _meta(sub)
    return format_html(
        '<article class="card" id="c-{pk}" aria-labelledby="t-{pk}">\n'
        '  <div class="votes"><form class="upvote" method="post" action="/papers/{id}/upvote"'
        ' data-upvote><input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<input type="hidden" name="next" value="{next}#c-{pk}">'
        '<input type="hidden" name="vote" value="{wish}">'
        '<button type="submit" aria-pressed="{pressed}"{hint}><span aria-hidden="true">▲</span>'
        '<span class="visually-hidden">Upvote</span></button> '
        '<span class="count">{votes}</span></form>'
        '<span class="visually-hidden"> upvotes</span>{why}</div>\n'
        '  <div class="body">\n'
        '    <h3 id="t-{pk}"><a href="/papers/{id}">{title}</a></h3>\n'
        "    {summary}\n"
        '    <p class="meta">{meta}</p>\n'
        "    {more}\n"
        "  </div>\n"
        "  {thumb}\n"
        "</article>\n",
        pk=sub.pk,
        id=paper.arxiv_id,
        token=token,
        next=next_path,
        wish="0" if voted else "1",
        pressed="true" if voted else "false",
        hint=hint,
        votes=votes,
        title=paper.title,
        summary=summary,
        meta=meta,
        thumb=media_html.card_thumbnail(paper),
        why=why.disclosure(votes, sub.submitted_at, now),
        more=more,
    )


def render_each(
    items: Iterable[Submission], voted: set[int], request: HttpRequest
) -> list[SafeString]:
    """One card per entry, for pages that put something between them (For you); what
    other apps add to cards is still read once for the whole list."""
    token = get_token(request)
    next_path = request.get_full_path()
    hint = "" if request.user.is_authenticated else mark_safe(' title="Log in to upvote"')
    now = timezone.now()
    items = list(items)
    more = extras.for_cards(request, [sub.paper for sub in items])
    return [
        mark_safe(  # noqa: S308 - every card is built by format_html
            _card(
                sub, sub.paper_id in voted, token, next_path, hint, now, more.get(sub.paper_id, "")
            )
        )
        for sub in items
    ]


def render(items: Iterable[Submission], voted: set[int], request: HttpRequest) -> SafeString:
    return mark_safe("".join(render_each(items, voted, request)))  # noqa: S308 - cards
