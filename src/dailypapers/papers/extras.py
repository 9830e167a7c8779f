"""What apps above papers add to the paper page, registered in their ``AppConfig.ready``.

papers sits below search and the rest, so it cannot ask them; they tell it instead
(as apps add sections to ``core.status``). Each extra is a template variable of the
paper page, computed from the paper. What depends on who is reading (a signed-in
reader's own marks) is computed from the request too (``add_for_reader``), and what
apps add to each card of a list is computed once per list (``add_to_cards``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from dailypapers.papers.models import Paper

PaperExtra = Callable[[Paper], object]
ReaderExtra = Callable[[HttpRequest, Paper], object]


class CardPaper(Protocol):
    """What a card extra knows of each card's paper: a list page is cached for every
    signed-in reader with the extras left open, and they are filled from these."""

    @property
    def pk(self) -> int: ...

    @property
    def arxiv_id(self) -> str: ...


# Given the request and the list's papers, the markup to add to each card by paper id.
CardExtra = Callable[[HttpRequest, Sequence[CardPaper]], dict[int, SafeString]]
_paper_page: dict[str, PaperExtra] = {}
_for_reader: dict[str, ReaderExtra] = {}
_cards: dict[str, CardExtra] = {}


def add_to_paper_page(name: str, extra: PaperExtra) -> None:
    _paper_page[name] = extra


def for_paper_page(paper: Paper) -> dict[str, object]:
    return {name: extra(paper) for name, extra in _paper_page.items()}


def add_for_reader(name: str, extra: ReaderExtra) -> None:
    _for_reader[name] = extra


def for_reader(request: HttpRequest, paper: Paper) -> dict[str, object]:
    return {name: extra(request, paper) for name, extra in _for_reader.items()}


def add_to_cards(name: str, extra: CardExtra) -> None:
    _cards[name] = extra


def for_cards(request: HttpRequest, papers: Sequence[CardPaper]) -> dict[int, SafeString]:
    """Every registered card extra's markup for each paper, joined in registration order."""
    joined: dict[int, str] = {}
    for extra in _cards.values():
        for pk, html in extra(request, papers).items():
            joined[pk] = joined.get(pk, "") + html
    return {pk: mark_safe(html) for pk, html in joined.items()}  # noqa: S308 - extras' markup
