"""A search from start to end: parse, rank lexically and by meaning, fuse, filter, page.

The indexes only propose candidates. Which of them are shown, in what order for
the "upvotes" and "date" sorts, and everything shown about them, comes from the
database, so a stale index can cost a result but never show a wrong one.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import QuerySet
from django.utils.safestring import SafeString

from dailypapers.core import arxiv_ids
from dailypapers.papers.models import LISTED, Paper, vote_count
from dailypapers.search import (
    conf,
    dense,
    encoder,
    feedback,
    follow,
    fusion,
    highlight,
    querylang,
)
from dailypapers.search.lexical import LexicalIndex, only_names, subject_words
from dailypapers.search.querylang import Filters, ParsedQuery

Sort = Literal["relevance", "upvotes", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "upvotes", "date")
# Candidates each ranker proposes; also the deepest page a query can reach.
CANDIDATES = 300
# The lexical search runs on a thread of its own while this one embeds the query
# and searches the vectors: tantivy, ONNX Runtime and faiss all let go of the GIL,
# so on two cores the two rankers take the time of the slower one, not of both.
SIDE_THREADS = 4
_side: ThreadPoolExecutor | None = None
_side_lock = threading.Lock()


def _beside(call: Callable[[], list[tuple[int, float]]]) -> Future[list[tuple[int, float]]]:
    global _side
    with _side_lock:
        if _side is None:
            _side = ThreadPoolExecutor(SIDE_THREADS, thread_name_prefix="search")
    return _side.submit(call)


@dataclass
class Hit:
    """A found paper with its title's marked words; the abstract's are marked when asked
    for (the API's segments; the search page shows only a snippet's)."""

    paper: Paper
    score: float
    title_segments: list[highlight.Segment]
    # The abstract's segments when known at once (none for a paper found by its id).
    given_segments: list[highlight.Segment] | None = None
    # The stems to mark in the abstract, when its segments are made on demand.
    wanted: frozenset[str] = frozenset()

    @functools.cached_property
    def summary_segments(self) -> list[highlight.Segment]:
        if self.given_segments is not None:
            return self.given_segments
        return highlight.segments(self.paper.abstract, self.wanted)

    @functools.cached_property
    def snippet(self) -> list[highlight.Segment]:
        if self.given_segments is not None:
            return highlight.snippet(self.given_segments)
        return highlight.snippet_of(self.paper.abstract, self.wanted)

    @property
    def title_pieces(self) -> list[highlight.Segment]:
        """The title's segments, or the whole title as one plain piece."""
        return self.title_segments or [{"type": "text", "text": self.paper.title}]

    @property
    def title_html(self) -> SafeString:
        """The title with the matched words marked (``<mark>``), escaped."""
        return highlight.html(self.title_pieces)

    @property
    def snippet_html(self) -> SafeString:
        return highlight.html(self.snippet)


@dataclass
class Result:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    offset: int = 0
    redirect: str = ""  # an arXiv id the query named: go straight there
    suggestion: str = ""  # a spelling that finds something when the query found nothing
    mode: Literal["hybrid", "lexical", "none"] = "none"
    notes: list[str] = field(default_factory=list)
    # True when the candidate lists were full: more papers match than were ranked, so
    # ``total`` is a lower bound ("300+"), not a count.
    capped: bool = False

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.hits) < self.total


# What a page showing a title, a snippet and a line of facts does not read: the author
# rows and the upstream fields kept as sent are most of the cost of loading a page of
# papers (the API shows them all).
BRIEF_DEFERRED = ("hf_extra", "ai_keywords", "submission__hf_extra")


def displayed(*, full: bool = True) -> QuerySet[Paper]:
    qs = Paper.objects.select_related("organization", "submission").with_votes()
    return qs.prefetch_related("authors") if full else qs.defer(*BRIEF_DEFERRED)


def _filtered(qs: QuerySet[Paper], filters: Filters) -> QuerySet[Paper]:
    if filters.on_daily:
        qs = qs.filter(LISTED)
    if filters.has_code:
        qs = qs.exclude(github_repo="")
    if filters.organization:
        qs = qs.filter(organization__slug__iexact=filters.organization)
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=dt.UTC)
        qs = qs.filter(published_at__gte=start)
    if filters.date_to:
        end = dt.datetime.combine(
            filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
        )
        qs = qs.filter(published_at__lt=end)
    for category in filters.categories:
        qs = qs.filter(categories__icontains=category)
    return qs


def _browse(
    filters: Filters, sort: Sort, offset: int, limit: int, full: bool
) -> tuple[list[Paper], int]:
    """No words, only filters: the matching papers, newest (or most upvoted) first."""
    qs = _filtered(displayed(full=full), filters)
    ordering = ("-votes", "-published_at") if sort == "upvotes" else ("-published_at", "-id")
    total = qs.count()
    return list(qs.order_by(*ordering)[offset : offset + limit]), total


# With filters, the feedback pass's top results are the first of this many first-pass
# candidates that pass them.
FEEDBACK_LOOK = 60


def _second_pass(
    index: LexicalIndex,
    filters: Filters,
    encoded: tuple[npt.NDArray[np.float32], dense.Store],
    ranked: list[tuple[int, float]],
    first_lexical: list[tuple[int, float]],
    alpha: float,
    meanwhile: Callable[[], object],
) -> list[tuple[int, float]]:
    """Re-rank with the query moved towards its top results (see feedback.py).

    ``alpha``: the first fusion's lexical weight. ``meanwhile`` runs on this thread
    while an expanded lexical search (``feedback.TERMS``, off) runs beside it, and
    only then. With filters, the top results are the best ones that pass them: the
    papers by meaning are not filtered until the page is made, and a search of one
    organization's papers should not be moved towards another's.
    """
    top_ids = [pk for pk, _ in ranked[: max(feedback.TOP_VECTORS, feedback.TOP_DOCS)]]
    if filters.any:
        top_ids = _kept([pk for pk, _ in ranked[:FEEDBACK_LOOK]], filters, "relevance")
    lexical: Future[list[tuple[int, float]]] | None = None
    if feedback.TERMS > 0:
        top = top_ids[: feedback.TOP_DOCS]
        # Only the words of those papers are needed: no authors, no related rows.
        rows = Paper.objects.filter(pk__in=top).values_list("pk", "title", "abstract")
        texts = {pk: f"{title} {abstract}" for pk, title, abstract in rows}
        extra = feedback.expansion(index, [texts[pk] for pk in top if pk in texts])
        lexical = _beside(lambda: index.expanded(first_lexical, extra, filters, CANDIDATES))
    nearest = top_ids[: feedback.TOP_VECTORS]
    vector, vectors = encoded
    _, found = vectors.lookup(np.asarray(nearest, dtype=np.int64))
    moved = feedback.expanded_vector(vector, list(found))
    if feedback.RESCORE_CANDIDATES:
        pool, matrix = vectors.lookup(np.asarray([pk for pk, _ in ranked], dtype=np.int64))
        scores = matrix @ moved
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        semantic = [(int(pool[i]), float(scores[i])) for i in order]
    else:
        semantic = vectors.nearest(moved, CANDIDATES)
    if lexical is None:
        words = first_lexical
    else:
        meanwhile()
        words = lexical.result()
    second = fusion.fuse(words, semantic, min(max(alpha + feedback.ALPHA_SHIFT, 0.0), 1.0))
    if feedback.FIRST_PASS_WEIGHT > 0:
        # The first pass's order keeps a say: expansion drifts when its top results miss.
        second = fusion.convex(second, ranked, 1 - feedback.FIRST_PASS_WEIGHT)
    return second


def _existing(ids: list[int]) -> set[int]:
    """Which of ``ids`` are papers: one plain query, without the ORM's per-value work
    on a list of ~600 ids (about 10 ms here)."""
    if not ids:
        return set()
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Paper._meta.db_table} WHERE id IN ({marks})",  # noqa: S608
            ids,
        )
        return {row[0] for row in cursor.fetchall()}


# Candidates checked beyond the ones a page needs, so that a few papers deleted since
# they were indexed do not cost a second look-up.
SPARE = 20


def _kept_head(order: list[int], needed: int) -> tuple[list[int], int]:
    """The common case (no filters, by relevance): the candidates that still exist,
    checked only as far as the page needs, and how many of those checked are gone.

    Papers are rarely deleted, and a deleted one leaves the index only at the next
    rebuild; checking the whole candidate list (~600 ids, random rows of a large
    table: ~4 ms at 1M papers) for the count would cost every search that much.
    The count then takes the unchecked rest for papers, which it nearly always is.
    """
    kept: list[int] = []
    checked = 0
    while len(kept) < needed and checked < len(order):
        upto = max(needed + SPARE, 2 * checked)
        head = order[checked:upto]
        existing = _existing(head)
        kept += [pk for pk in head if pk in existing]
        checked += len(head)
    return kept, checked - len(kept)


def _kept(
    order: list[int],
    filters: Filters,
    sort: Sort,
    checked: tuple[set[int], set[int]] | None = None,
) -> list[int]:
    """The candidates that exist and pass the filters, in the order asked for.

    Filtered and sorted on a few columns, read only when needed (whole papers are
    loaded for one page only). ``checked``: ids already looked up, and which of them
    exist (the common case only).
    """
    if not order:
        return []
    if not filters.any and sort == "relevance":
        # The common case only asks which candidates still exist.
        looked, existing = checked or (set(), set())
        existing = existing | _existing([pk for pk in order if pk not in looked])
        return [pk for pk in order if pk in existing]
    columns = ["pk"]
    qs = _filtered(Paper.objects.all(), filters).filter(pk__in=order)
    if filters.categories:
        columns.append("categories")
    if sort == "upvotes":
        qs = qs.annotate(votes=vote_count())
        columns.append("votes")
    elif sort == "date":
        columns.append("published_at")
    rows = {row[0]: row for row in qs.values_list(*columns)}
    kept = [pk for pk in order if pk in rows]
    if filters.categories:
        wanted = {c.lower() for c in filters.categories}
        kept = [pk for pk in kept if wanted & {c.lower() for c in rows[pk][1].split()}]
    if sort == "upvotes":
        kept.sort(key=lambda pk: -rows[pk][-1])  # stable: relevance breaks ties
    elif sort == "date":
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        kept.sort(key=lambda pk: rows[pk][-1] or epoch, reverse=True)
    return kept


def search(
    text: str,
    *,
    filters: Filters | None = None,
    sort: Sort = "relevance",
    offset: int = 0,
    limit: int = 20,
    use_dense: bool = True,
    full: bool = True,
) -> Result:
    """``full=False`` loads the papers shown for a page that shows no authors nor
    upstream fields (the search page; see ``BRIEF_DEFERRED``)."""
    filters = filters or Filters()
    parsed = querylang.parse(text)
    result = Result(query=parsed, offset=offset, notes=list(parsed.notes))
    named = arxiv_ids.parse(parsed.raw.strip()) if parsed.raw else None
    if named is not None:
        result.redirect = named.id
        return result
    if parsed.categories:
        filters = Filters(
            **{**filters.__dict__, "categories": (*filters.categories, *parsed.categories)}
        )
    if parsed.empty:
        if filters.any:
            papers, result.total = _browse(filters, sort, offset, limit, full)
            result.hits = [Hit(p, 0.0, [], []) for p in papers]
        return result

    follow.maybe_catch_up()
    index = follow.current()
    lexical: list[tuple[int, float]] = []
    pending: Future[list[tuple[int, float]]] | None = None
    if index is not None:
        index.reload()
        words = index  # bound here for the thread
        pending = _beside(lambda: words.search(parsed, filters, CANDIDATES))
    semantic: list[tuple[int, float]] = []
    encoded = None
    # Author and category queries ask for exact things: meaning would only add noise.
    # So does a query of nothing but names: a model reads "lecun" as no subject at all.
    if use_dense and parsed.text and not parsed.authors and not only_names(parsed.words, index):
        encoded = dense.encode_query(parsed.text)
        note = _meaning_note(encoded, index)
        if note:
            result.notes.append(note)
        if encoded is not None:
            semantic = encoded[1].nearest(encoded[0], CANDIDATES)
    if pending is not None:
        lexical = pending.result()
    # Phrases and title: prefixes are requirements; dense candidates must meet them too.
    exact = bool(parsed.phrases or parsed.title)
    if exact:
        allowed = {pk for pk, _ in lexical}
        semantic = [(pk, s) for pk, s in semantic if pk in allowed]
    alpha = fusion.alpha_for(len(subject_words(parsed.words)), fusion.ALPHA)
    if fusion.RARE_SHIFT and index is not None and lexical and semantic:
        alpha = fusion.rare_alpha(alpha, index.rarity(parsed.words))
    ranked = fusion.fuse(lexical, semantic, alpha)
    checked: tuple[set[int], set[int]] | None = None
    if (
        feedback.ENABLED
        and conf.feedback_enabled()
        and encoded is not None
        and index is not None
        and parsed.words
        and not exact
        and ranked
    ):
        first = [pk for pk, _ in ranked]

        def check_first() -> None:
            # While the expanded search runs: which first-pass candidates still exist.
            nonlocal checked
            if not filters.any and sort == "relevance":
                checked = (set(first), _existing(first))

        ranked = _second_pass(index, filters, encoded, ranked, lexical, alpha, check_first)
    result.mode = "hybrid" if semantic else "lexical"

    order = [pk for pk, _ in ranked]
    scores = dict(ranked)
    if not filters.any and sort == "relevance" and checked is None:
        kept, missing = _kept_head(order, offset + limit)
        result.total = len(order) - missing
    else:
        kept = _kept(order, filters, sort, checked)
        result.total = len(kept)
    result.capped = result.total >= CANDIDATES or len(lexical) >= CANDIDATES
    page = kept[offset : offset + limit]
    by_id = {p.pk: p for p in displayed(full=full).filter(pk__in=page)}
    wanted = highlight.stems(parsed.highlight_terms())
    result.hits = [
        Hit(
            paper=p,
            score=scores.get(p.pk, 0.0),
            title_segments=highlight.segments(p.title, wanted),
            wanted=frozenset(wanted),
        )
        for p in (by_id[pk] for pk in page if pk in by_id)
    ]
    if not lexical and parsed.words and index is not None:
        better = index.suggest(parsed.words)
        if better:
            result.suggestion = " ".join(better)
    return result


def _meaning_note(
    encoded: tuple[npt.NDArray[np.float32], dense.Store] | None, index: LexicalIndex | None
) -> str:
    """What a searcher should know about search by meaning while it is being set up."""
    if encoded is None:
        if encoder.load(queries=True) is None:
            return (
                "Searching by words for now: the model for search by meaning is built by"
                " the background worker on its first start."
            )
        return "Searching by words for now: no paper has been indexed by meaning yet."
    documents = index.searcher().num_docs if index is not None else 0
    vectors = len(encoded[1])
    if documents and vectors < documents:
        return (
            f"Searching by meaning and words; {vectors / documents:.0%} of papers are"
            " indexed by meaning so far."
        )
    return ""
