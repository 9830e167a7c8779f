"""Writes of the Hugging Face repositories citing a paper (``LinkedRepo``, ``PaperRepos``).

The sync claims a paper's ``PaperRepos`` row before it asks the upstream
(``core.claims.take_batch``), then ``store`` writes what came back and frees the
claim in one transaction. The write is conditional on still holding the claim, so
a worker whose claim ran out writes nothing over the one that took the paper over,
and writing the same answer twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from dailypapers.core import claims
from dailypapers.papers.models import LinkedRepo, PaperRepos, RepoKind

# Repositories kept per paper and kind, those with the most likes; the totals count
# them all. A paper cited by thousands of fine-tunes would otherwise fill the table.
KEEP_PER_KIND = 100


@dataclass(frozen=True)
class RepoRecord:
    kind: str
    repo_id: str
    likes: int = 0
    downloads: int = 0
    last_modified: dt.datetime | None = None


def _kept(repos: Sequence[RepoRecord]) -> list[RepoRecord]:
    out: list[RepoRecord] = []
    for kind in RepoKind.values:
        mine = [r for r in repos if r.kind == kind]
        mine.sort(key=lambda r: (-r.likes, -r.downloads, r.repo_id))
        out.extend(mine[:KEEP_PER_KIND])
    return out


def store(
    paper_id: int,
    repos: Sequence[RepoRecord],
    totals: Mapping[str, int],
    now: dt.datetime,
    holder: str,
) -> bool:
    """Replace the repositories citing ``paper_id`` with ``repos`` and free ``holder``'s
    claim; False (and nothing written) when the claim is no longer ``holder``'s."""
    kept = _kept(repos)
    with transaction.atomic():
        freed = claims.release(
            PaperRepos.objects.filter(paper_id=paper_id),
            holder,
            num_models=totals.get(RepoKind.MODEL, 0),
            num_datasets=totals.get(RepoKind.DATASET, 0),
            num_spaces=totals.get(RepoKind.SPACE, 0),
            fetched_at=now,
        )
        if not freed:
            return False
        rows = LinkedRepo.objects.filter(paper_id=paper_id)
        keys = {(r.kind, r.repo_id) for r in kept}
        gone = [
            pk
            for pk, kind, repo in rows.values_list("pk", "kind", "repo_id")
            if (kind, repo) not in keys
        ]
        if gone:
            LinkedRepo.objects.filter(pk__in=gone).delete()
        LinkedRepo.objects.bulk_create(
            [
                LinkedRepo(
                    paper_id=paper_id,
                    kind=r.kind,
                    repo_id=r.repo_id,
                    likes=r.likes,
                    downloads=r.downloads,
                    last_modified=r.last_modified,
                    fetched_at=now,
                )
                for r in kept
            ],
            update_conflicts=True,
            unique_fields=["paper", "kind", "repo_id"],
            update_fields=["likes", "downloads", "last_modified", "fetched_at"],
        )
    return True


def give_up(paper_id: int, holder: str) -> None:
    """Free ``holder``'s claim without writing: the paper is asked again next turn."""
    claims.release(PaperRepos.objects.filter(paper_id=paper_id), holder)
