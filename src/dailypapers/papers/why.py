""" "Why is this trending": the trending formula's numbers for one card.

Each card's vote box carries a small disclosure (a ``<details>``, so it opens by
tap, click or keyboard without JavaScript, and a ``title`` for mouse hover) with the
paper's upvotes, its hours on the list and the score that ``papers.trending`` ranks
by, at the moment the page was rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from dailypapers.papers import trending

FORMULA = f"(upvotes + 1) / (hours + {trending.HOURS_OFFSET:g})^{trending.GRAVITY:g}"


@dataclass(frozen=True)
class Numbers:
    upvotes: int
    hours: float
    score: float

    @property
    def hours_shown(self) -> str:
        return f"{self.hours:.1f}"

    @property
    def score_shown(self) -> str:
        return f"{self.score:.4g}"

    @property
    def worked(self) -> str:
        """The formula with this paper's numbers in it."""
        return (
            f"({self.upvotes} + 1) / ({self.hours_shown} + {trending.HOURS_OFFSET:g})"
            f"^{trending.GRAVITY:g} = {self.score_shown}"
        )


def numbers(upvotes: int, submitted_at: dt.datetime, now: dt.datetime) -> Numbers:
    return Numbers(
        upvotes,
        trending.hours_on_list(submitted_at, now),
        trending.score(upvotes, submitted_at, now),
    )


# Every value in it is a number or the constant formula, so it is built without
# escaping each part (a list of sixty cards makes sixty of these).
_DISCLOSURE = (
    '<details class="why"><summary title="Trending score {score}: {votes} upvote{s}, '
    '{hours} h on the list"><span aria-hidden="true">?</span>'
    '<span class="visually-hidden">Why this rank</span></summary>'
    '<div class="why-panel"><p class="why-title">Trending score</p>'
    '<dl><dt>Upvotes</dt><dd data-why="upvotes">{votes}</dd>'
    '<dt>Hours on the list</dt><dd data-why="hours">{hours}</dd>'
    '<dt>Score</dt><dd data-why="score">{score}</dd></dl>'
    '<p class="why-formula"><code>{formula}</code></p>'
    '<p class="why-formula"><code data-why="worked">{worked}</code></p>'
    '<p><a href="/papers/trending#how">How trending works</a></p></div></details>'
)
assert escape(FORMULA) == FORMULA


def disclosure(upvotes: int, submitted_at: dt.datetime, now: dt.datetime) -> SafeString:
    """The card's "why" disclosure: summary button and the numbers behind it."""
    n = numbers(int(upvotes), submitted_at, now)
    html = _DISCLOSURE.format(
        score=n.score_shown,
        votes=n.upvotes,
        s="" if n.upvotes == 1 else "s",
        hours=n.hours_shown,
        formula=FORMULA,
        worked=n.worked,
    )
    return mark_safe(html)  # noqa: S308 - numbers and constants only
