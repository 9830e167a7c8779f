"""What apps above papers add to the paper page, registered in their ``AppConfig.ready``.

papers sits below search and the rest, so it cannot ask them; they tell it instead
(as apps add sections to ``core.status``). Each extra is a template variable of the
paper page, computed from the paper.
"""

from __future__ import annotations

from collections.abc import Callable

from dailypapers.papers.models import Paper

PaperExtra = Callable[[Paper], object]
_paper_page: dict[str, PaperExtra] = {}


def add_to_paper_page(name: str, extra: PaperExtra) -> None:
    _paper_page[name] = extra


def for_paper_page(paper: Paper) -> dict[str, object]:
    return {name: extra(paper) for name, extra in _paper_page.items()}
