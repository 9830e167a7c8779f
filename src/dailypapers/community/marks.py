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
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from dailypapers.community.models import ReadingMark
from dailypapers.community.queries import marks as queries
from dailypapers.papers.extras import CardPaper
from dailypapers.papers.models import Paper

# The two buttons in each state, made once: a list of sixty cards makes sixty forms.
_BUTTONS = {
    (kind, on): format_html(
        '<button type="submit" class="mark-{kind}" name="{kind}" value="{wish}" '
        'aria-pressed="{pressed}">{label}</button>',
        kind=kind,
        wish="0" if on else "1",
        pressed="true" if on else "false",
        label=label,
    )
    for kind, label in ReadingMark.Kind.choices
    for on in (False, True)
}


def _form(arxiv_id: str, paper_id: int, marks: set[str], token: str, next_path: str) -> SafeString:
    """One paper's mark form; ``token`` and ``next_path`` come already escaped."""
    buttons = "".join(_BUTTONS[kind, kind in marks] for kind in ReadingMark.Kind.values)
    html = (
        f'<form class="marks" id="m-{paper_id}" method="post" action="/papers/{escape(arxiv_id)}'
        f'/mark" data-mark><input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{token}"><input type="hidden" name="next" value="{next_path}#m-{paper_id}">'
        f"{buttons}</form>"
    )
    return mark_safe(html)  # noqa: S308 - every value escaped above


def on_cards(request: HttpRequest, papers: Sequence[CardPaper]) -> dict[int, SafeString]:
    """Each card's mark buttons, for a signed-in reader (one query for the whole list)."""
    if not request.user.is_authenticated or not papers:
        return {}
    marks = queries.marks_for(int(request.user.pk), [p.pk for p in papers])
    token = escape(get_token(request))
    next_path = escape(request.get_full_path())
    return {p.pk: _form(p.arxiv_id, p.pk, marks.get(p.pk, set()), token, next_path) for p in papers}


def on_paper_page(request: HttpRequest, paper: Paper) -> SafeString:
    """The paper page's mark buttons, for a signed-in reader; nothing for visitors."""
    if not request.user.is_authenticated:
        return SafeString("")
    marks = queries.marks_for(int(request.user.pk), [paper.pk]).get(paper.pk, set())
    token, next_path = escape(get_token(request)), escape(request.get_full_path())
    return _form(paper.arxiv_id, paper.pk, marks, token, next_path)
