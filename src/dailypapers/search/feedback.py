"""Second pass: expand the query with what its best first-pass results are about.

Pseudo-relevance feedback on both rankers: the lexical query gains the most
distinctive terms of the top fused results (scored by frequency in them and
rarity in the index, weighted by that score against the query's own words), and
the query vector is moved towards the mean of their vectors (Rocchio). Both are
then ranked and fused again, with their own weight (fusion.ALPHA_FEEDBACK). The
settings below are the ones chosen on the tuning half of Cranfield
(benchmarks/search_quality.py; figures in benchmarks/SEARCH.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dailypapers.search.lexical import STEM, LexicalIndex

# Off: measured on three collections (benchmarks/SEARCH.md, "Three collections") it
# won on Cranfield (+0.03 nDCG@10 on the tuning half) and lost on SciFact (-0.04) and
# on the known-item queries (MRR@10 -0.05), so by the rule a ranking feature follows
# (no loss anywhere) it does not run. It needs the query's vector (hybrid only).
ENABLED = False
TOP_DOCS = 2  # results whose words expand the lexical query
TOP_VECTORS = 5  # results whose vectors move the query vector
TERMS = 20
# The best expansion term's weight in the lexical query, against 1 for each query
# word; the others weigh in proportion to their score.
TERM_WEIGHT = 1.0
VECTOR_WEIGHT = 4.0
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
    if not top:
        return query
    moved: npt.NDArray[np.float32] = query + VECTOR_WEIGHT * np.mean(np.stack(top), axis=0)
    return np.asarray(moved / np.linalg.norm(moved), dtype=np.float32)
