"""Combining the lexical and the dense ranking into one.

Two ways, both measured on Cranfield by benchmarks/search_quality.py:

- reciprocal-rank fusion (RRF): each list gives ``w / (k + rank)``; needs no
  scores, only ranks, and is the baseline;
- a convex combination of normalised scores: each list's scores are scaled over
  its own candidates (NORMALIZE), then ``alpha * lexical + (1 - alpha) * dense``.
  Unlike RRF it keeps how far apart two candidates are, which is what wins when
  one ranker is sure and the other is not.

The defaults below are the ones that measured best on the tuning halves of the
collections of benchmarks/search_quality.py (and were then checked on the held-out
halves).
"""

from __future__ import annotations

from collections.abc import Sequence

Ranking = Sequence[tuple[int, float]]

RRF_K = 60
ALPHA = 0.45
# Query-dependent fusion: the lexical weight above is the one of a query of SHORT_WORDS
# subject words or fewer; from there it moves by LONG_SHIFT (negative: towards meaning)
# in even steps up to LONG_WORDS words and stays there for longer queries.
SHORT_WORDS = 3
LONG_WORDS = 12
LONG_SHIFT = 0.0
# How each list's scores are brought to one scale before they are combined: "zscore"
# (the lowest candidate 0, one standard deviation of the list's scores 1) or "minmax"
# (the lowest candidate 0, the highest 1; plain convex fusion). Divided by the spread
# of the whole list, a top that stands far out of the rest keeps its lead, where
# min-max gives every list's top the same 1 (benchmarks/SEARCH.md, 2026-12-06).
NORMALIZE = "zscore"
# Rare words: the lexical weight moves by RARE_SHIFT times how far the query's rarity
# (lexical.LexicalIndex.rarity: the mean inverse document frequency of its subject
# words, 0 in every paper, 1 in one) stands above RARE_PIVOT (below it, the other way).
# A query of specific words is one BM25 ranks well; of common ones, one meaning does.
# 0: off. Measured on the three collections (benchmarks/SEARCH.md, "Rare words").
RARE_SHIFT = 0.3
RARE_PIVOT = 0.4


def rare_alpha(alpha: float, rarity: float) -> float:
    """The lexical weight for a query of this ``rarity`` (see RARE_SHIFT)."""
    return min(max(alpha + RARE_SHIFT * (rarity - RARE_PIVOT), 0.0), 1.0)


def alpha_for(words: int, alpha: float) -> float:
    """The lexical weight for a query of ``words`` subject words (question words aside)."""
    if words <= SHORT_WORDS or LONG_SHIFT == 0:
        return alpha
    share = min(words - SHORT_WORDS, LONG_WORDS - SHORT_WORDS) / (LONG_WORDS - SHORT_WORDS)
    return min(max(alpha + LONG_SHIFT * share, 0.0), 1.0)


def rrf(
    rankings: Sequence[Ranking], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for n, ranking in enumerate(rankings):
        weight = weights[n] if weights else 1.0
        for rank, (doc, _) in enumerate(ranking):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank + 1)
    return _best_first(scores)


def _scaled(ranking: Ranking, weight: float, into: dict[int, float], normalize: str) -> None:
    """Add ``weight`` times each score, scaled over this list, into ``into``."""
    if not ranking:
        return
    values = [score for _, score in ranking]
    low = min(values)
    if normalize == "zscore":
        average = sum(values) / len(values)
        span = (sum((v - average) ** 2 for v in values) / len(values)) ** 0.5
    else:
        span = max(values) - low
    for doc, score in ranking:
        scaled = (score - low) / span if span > 0 else 1.0
        into[doc] = into.get(doc, 0.0) + weight * scaled


def convex(
    lexical: Ranking, dense: Ranking, alpha: float = ALPHA, normalize: str | None = None
) -> list[tuple[int, float]]:
    """``alpha`` on the lexical side; a candidate missing from one list scores 0 there.

    ``normalize``: "zscore" or "minmax" (see NORMALIZE, the default).
    """
    normalize = normalize or NORMALIZE
    scores: dict[int, float] = {}
    _scaled(lexical, alpha, scores, normalize)
    _scaled(dense, 1 - alpha, scores, normalize)
    return _best_first(scores)


def _best_first(scores: dict[int, float]) -> list[tuple[int, float]]:
    """Highest score first, then lowest id (tuples compare in C: no key function)."""
    ordered = sorted([(-score, doc) for doc, score in scores.items()])
    return [(doc, -negated) for negated, doc in ordered]


def fuse(lexical: Ranking, dense: Ranking, alpha: float | None = None) -> list[tuple[int, float]]:
    """The production fusion: whichever list is missing, the other alone."""
    alpha = ALPHA if alpha is None else alpha
    if not dense:
        return list(lexical)
    if not lexical:
        return list(dense)
    return convex(lexical, dense, alpha)
