"""Second pass: move the query's vector towards what its best first-pass results are about.

Pseudo-relevance feedback on the meaning side (Rocchio): the query vector gains the
vectors of the top fused results, weighted by rank (1, 1/2, 1/3 ...), the
candidates both rankers proposed are scored again against the moved vector, and
the two lists are fused once more. The top of a hybrid ranking is where words and
meaning agree; a paper like those (by the model, which compares two abstracts
better than a short query with an abstract) is more likely to be the one meant.
The lexical list is not expanded by default (``TERMS``): expansion terms lost on
SciFact and the known items. Settings chosen on the tuning halves of the three
collections of benchmarks/search_quality.py (figures in benchmarks/SEARCH.md,
"Feedback by meaning").
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dailypapers.search.lexical import STEM, LexicalIndex

# Measured on three collections (benchmarks/SEARCH.md, "Feedback by meaning"): level
# or better on every tuning and held-out half. It needs the query's vector (hybrid only).
ENABLED = True
TOP_VECTORS = 4  # results whose vectors move the query vector
# The top results' weights: "rank" (1, 1/2, 1/3 ...) or "uniform" (their mean).
WEIGHTING = "rank"
# The weighted mean of their vectors against 1 for the query's own (both unit length).
VECTOR_WEIGHT = 2.0
# The second fusion's lexical weight: the first pass's plus this.
ALPHA_SHIFT = 0.05
# Lexical expansion: the most distinctive terms of the top TOP_DOCS results added to
# the words' query. 0: none. Measured with 20 terms of 2 results (benchmarks/SEARCH.md,
# "Quality on three collections"): +3 nDCG points on Cranfield, -4 on SciFact and -5
# MRR points on the known items.
TERMS = 0
TOP_DOCS = 2
# The best expansion term's weight in the lexical query, against 1 for each query
# word; the others weigh in proportion to their score.
TERM_WEIGHT = 1.0
# The moved query vector re-scores the first pass's candidates (both rankers' ~600)
# instead of searching all vectors again.
RESCORE_CANDIDATES = True
# The first pass's fused ranking mixed into the second's (0: the second pass alone).
FIRST_PASS_WEIGHT = 0.0


def expansion(index: LexicalIndex, top: Sequence[str]) -> dict[str, float]:
    """The best TERMS analysed terms of ``top`` (each a "title abstract"), with their weight."""
    if not top:
        return {}
    scores: dict[str, float] = {}
    counted = [Counter(STEM.analyze(text)) for text in top]
    # One look-up per distinct term, not per term and document.
    documents, frequencies = index.doc_freqs("abstract", set().union(*counted))
    total = max(documents, 1)
    rarity = {term: math.log(total / (n + 1)) for term, n in frequencies.items()}
    for counts in counted:
        length = sum(counts.values()) or 1
        for term, n in counts.items():
            scores[term] = scores.get(term, 0.0) + n / length * rarity[term]
    best = [t for t in sorted(scores, key=lambda t: (-scores[t], t))[:TERMS] if scores[t] > 0]
    if not best:
        return {}
    top_score = scores[best[0]]
    return {term: TERM_WEIGHT * scores[term] / top_score for term in best}


def expanded_vector(
    query: npt.NDArray[np.float32], top: Sequence[npt.NDArray[np.float32]]
) -> npt.NDArray[np.float32]:
    """``query`` moved towards ``top`` (best first), unit length again."""
    if not top:
        return query
    if WEIGHTING == "rank":
        weights = 1.0 / np.arange(1, len(top) + 1, dtype=np.float32)
    else:
        weights = np.ones(len(top), dtype=np.float32)
    centre = (weights / weights.sum()) @ np.stack(top)
    moved = query + VECTOR_WEIGHT * centre
    return np.asarray(moved / np.linalg.norm(moved), dtype=np.float32)
