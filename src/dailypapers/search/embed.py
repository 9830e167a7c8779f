"""The background job that gives papers their vectors.

Idempotent and safe to run in several workers at once: each batch is claimed
first (rows are created with a claim, or taken over by a conditional update
when unclaimed or when the claim ran out), and only the claimant writes the
vectors. A paper whose title or abstract changed is embedded again; one whose
other fields changed is only marked as checked.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable

import numpy as np
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.papers.models import Paper
from dailypapers.search import conf, documents, encoder
from dailypapers.search.models import Embedding

log = logging.getLogger(__name__)
# Seconds between progress lines of a long embedding run.
PROGRESS_EVERY = 10.0

BATCH = 64
CLAIM = dt.timedelta(minutes=10)


def _candidates(now: dt.datetime, size: int) -> tuple[list[int], list[int]]:
    """(papers without a row, rows to take over: stale text, unfinished or run-out claims)."""
    new = list(
        Paper.objects.filter(search_embedding__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    if len(new) >= size:
        return new, []
    takeover = list(
        Embedding.objects.filter(claims.unheld(now))
        .filter(
            Q(vector__isnull=True)
            | ~Q(paper__modified_at=F("paper_modified_at"))
            | ~Q(model=encoder.MODEL_NAME)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: size - len(new)]
    )
    return new, takeover


def _claim(now: dt.datetime, new: list[int], takeover: list[int]) -> tuple[str, list[int]]:
    # A short holder: the column is 40 characters.
    return claims.take_batch(
        Embedding, "paper_id", new, takeover, now, CLAIM, holder=uuid.uuid4().hex, updated_at=now
    )


def embed_batch(model: encoder.Encoder, now: dt.datetime, size: int = BATCH) -> int:
    """Claim and embed one batch; returns how many papers it handled (0: nothing to do)."""
    new, takeover = _candidates(now, size)
    if not new and not takeover:
        return 0
    token, mine = _claim(now, new, takeover)
    if not mine:
        return 0
    stored = dict(
        Embedding.objects.filter(
            pk__in=mine, vector__isnull=False, model=encoder.MODEL_NAME
        ).values_list("pk", "text_hash")
    )
    papers: dict[int, tuple[str, str]] = {}
    modified: dict[int, dt.datetime] = {}
    for pk, title, abstract, written in Paper.objects.filter(pk__in=mine).values_list(
        "pk", "title", "abstract", "modified_at"
    ):
        papers[pk] = (title, abstract)
        modified[pk] = written
    hashes = {pk: documents.text_hash(*text) for pk, text in papers.items()}
    todo = [pk for pk in mine if pk in papers and stored.get(pk) != hashes[pk]]
    unchanged = [pk for pk in mine if pk in papers and stored.get(pk) == hashes[pk]]
    vectors = model.encode([documents.embedding_text(*papers[pk]) for pk in todo])
    done = timezone.now()
    with transaction.atomic():
        for pk, vector in zip(todo, vectors, strict=True):
            claims.release(
                Embedding.objects.filter(pk=pk),
                token,
                vector=np.ascontiguousarray(vector, dtype="<f4").tobytes(),
                model=encoder.MODEL_NAME,
                text_hash=hashes[pk],
                paper_modified_at=modified[pk],
                updated_at=done,
            )
        for pk in unchanged:
            # Only the claim and the paper's stamp change: the vector is still right,
            # so nodes need not copy it again (updated_at stays).
            claims.release(Embedding.objects.filter(pk=pk), token, paper_modified_at=modified[pk])
    return len(mine)


def run(
    now: dt.datetime,
    should_stop: Callable[[], bool] = lambda: False,
    *,
    max_papers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> str:
    """Embed every paper that needs it (or ``max_papers``); the worker's job function."""
    model = encoder.load()
    if model is None and conf.model_autobuild():
        model, why = _build_model()
        if model is None:
            return why
    if model is None:
        return "no model file: run `dailypapers search build-model` (search works by words)"
    total = 0
    said_at = time.monotonic()
    goal: int | None = None
    while not should_stop() and (max_papers is None or total < max_papers):
        size = BATCH if max_papers is None else min(BATCH, max_papers - total)
        handled = embed_batch(model, timezone.now(), size)
        if handled == 0:
            break
        total += handled
        if progress:
            progress(total)
        elif time.monotonic() - said_at >= PROGRESS_EVERY:
            # A long first run (a whole import) says how far it has got.
            goal = goal if goal is not None else total + pending()
            log.warning("search.embed: %s / %s papers embedded", f"{total:,}", f"{goal:,}")
            said_at = time.monotonic()
    return f"embedded {total} papers"


def _build_model() -> tuple[encoder.Encoder | None, str]:
    """The worker's first start: build the missing encoder from the packaged weights (~10 s)."""
    from dailypapers.search import modelbuild

    try:
        modelbuild.build(
            conf.model_dir(),
            force=False,
            wait=False,
            say=lambda line: log.warning("search model: %s", line),
        )
    except modelbuild.Busy as exc:
        return None, f"{exc} (search works by words until it is done)"
    except modelbuild.BuildError as exc:
        return None, f"no model file, and none can be built here: {exc} (search works by words)"
    return encoder.load(), ""


def pending() -> int:
    """Papers that still need a vector (new ones and ones whose text changed)."""
    missing = Paper.objects.filter(search_embedding__isnull=True).count()
    stale = Embedding.objects.filter(
        Q(vector__isnull=True) | ~Q(paper__modified_at=F("paper_modified_at"))
    ).count()
    return missing + stale
