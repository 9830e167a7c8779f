"""Combining the lexical and the dense ranking into one.

Two ways, both measured on Cranfield by benchmarks/search_quality.py:

- reciprocal-rank fusion (RRF): each list gives ``w / (k + rank)``; needs no
  scores, only ranks, and is the baseline;
- a convex combination of normalised scores: each list's scores are scaled to
  [0, 1] over its own candidates, then ``alpha * lexical + (1 - alpha) * dense``.
  Unlike RRF it keeps how far apart two candidates are, which is what wins when
  one ranker is sure and the other is not.

The defaults below are the ones that measured best on the tuning half of the
Cranfield queries (and were then checked on the held-out half).
"""

from __future__ import annotations

from collections.abc import Sequence

Ranking = Sequence[tuple[int, float]]

RRF_K = 60
ALPHA = 0.45


def rrf(
    rankings: Sequence[Ranking], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for n, ranking in enumerate(rankings):
        weight = weights[n] if weights else 1.0
        for rank, (doc, _) in enumerate(ranking):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _normalised(ranking: Ranking) -> dict[int, float]:
    if not ranking:
        return {}
    values = [score for _, score in ranking]
    low, high = min(values), max(values)
    span = high - low
    if span <= 0:
        return {doc: 1.0 for doc, _ in ranking}
    return {doc: (score - low) / span for doc, score in ranking}


def convex(lexical: Ranking, dense: Ranking, alpha: float = ALPHA) -> list[tuple[int, float]]:
    """``alpha`` on the lexical side; a candidate missing from one list scores 0 there."""
    lex, den = _normalised(lexical), _normalised(dense)
    scores = {
        doc: alpha * lex.get(doc, 0.0) + (1 - alpha) * den.get(doc, 0.0)
        for doc in lex.keys() | den.keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse(lexical: Ranking, dense: Ranking) -> list[tuple[int, float]]:
    """The production fusion: whichever list is missing, the other alone."""
    if not dense:
        return list(lexical)
    if not lexical:
        return list(dense)
    return convex(lexical, dense, ALPHA)
