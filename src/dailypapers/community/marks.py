"""The mark buttons ("Seen", "Read later") on cards and the paper page.

The community app registers these with ``papers.extras`` (papers cannot import it).
Each is a plain POST form with the CSRF token that comes back to the same place; only
a signed-in reader gets them, with their own marks, so pages cached for visitors
never carry any.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.utils.safestring import SafeString

from dailypapers.community.models import ReadingMark
from dailypapers.community.queries import marks as queries
from dailypapers.papers.models import Paper

_BUTTON = (
    '<button type="submit" class="mark-{kind}" name="{kind}" value="{wish}" '
    'aria-pressed="{pressed}">{label}</button>'
)


def form(arxiv_id: str, paper_id: int, marks: set[str], token: str, next_path: str) -> SafeString:
    buttons = [
        format_html(
            _BUTTON,
            kind=kind,
            wish="0" if kind in marks else "1",
            pressed="true" if kind in marks else "false",
            label=label,
        )
        for kind, label in ReadingMark.Kind.choices
    ]
    return format_html(
        '<form class="marks" id="m-{pk}" method="post" action="/papers/{id}/mark" '
        'aria-label="Your marks"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{token}"><input type="hidden" name="next" value="{next}#m-{pk}">'
        "{seen}{later}</form>",
        pk=paper_id,
        id=arxiv_id,
        token=token,
        next=next_path,
        seen=buttons[0],
        later=buttons[1],
    )


def on_cards(request: HttpRequest, papers: Sequence[Paper]) -> dict[int, SafeString]:
    """Each card's mark buttons, for a signed-in reader (one query for the whole list)."""
    if not request.user.is_authenticated or not papers:
        return {}
    marks = queries.marks_for(int(request.user.pk), [p.pk for p in papers])
    token = get_token(request)
    next_path = request.get_full_path()
    return {p.pk: form(p.arxiv_id, p.pk, marks.get(p.pk, set()), token, next_path) for p in papers}


def on_paper_page(request: HttpRequest, paper: Paper) -> SafeString:
    """The paper page's mark buttons, for a signed-in reader; nothing for visitors."""
    if not request.user.is_authenticated:
        return SafeString("")
    marks = queries.marks_for(int(request.user.pk), [paper.pk]).get(paper.pk, set())
    return form(paper.arxiv_id, paper.pk, marks, get_token(request), request.get_full_path())
