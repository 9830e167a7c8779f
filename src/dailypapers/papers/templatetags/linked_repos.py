"""The paper page's section on the Hugging Face repositories citing the paper."""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from dailypapers.papers import queries
from dailypapers.papers.models import LinkedRepo, Paper, RepoKind

register = template.Library()

# Repositories shown per kind on the page, the most liked first.
SHOWN_PER_KIND = 5
_TITLES = {
    RepoKind.MODEL: ("Models", "models"),
    RepoKind.DATASET: ("Datasets", "datasets"),
    RepoKind.SPACE: ("Spaces", "Spaces"),
}


@dataclass
class Group:
    kind: str
    title: str
    noun: str
    total: int
    top: list[LinkedRepo]


@register.inclusion_tag("papers/_linked_repos.html")
def paper_linked_repos(paper: Paper) -> dict[str, object]:
    found = queries.linked_repos(paper, per_kind=SHOWN_PER_KIND)
    groups = [
        Group(kind, title, noun, found.totals[kind], found.top[kind])
        for kind, (title, noun) in _TITLES.items()
        if found.totals[kind]
    ]
    return {"groups": groups, "paper": paper, "fetched_at": found.fetched_at}
