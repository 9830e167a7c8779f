"""Second pass: expand the query with what its best first-pass results are about.

Pseudo-relevance feedback on both rankers: the lexical query gains the most
distinctive terms of the top fused results (weighted by frequency in them and
rarity in the index, the original words counted twice), and the query vector is
moved towards the mean of their vectors (Rocchio). Both are then ranked and fused
again. On Cranfield this took the hybrid from 0.422 to 0.443 nDCG@10 (0.436 on
the held-out half); the settings below are the ones chosen on the tuning half.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from dailypapers.search.lexical import STEM, LexicalIndex

TOP_DOCS = 3  # results whose words expand the lexical query
TOP_VECTORS = 5  # results whose vectors move the query vector
TERMS = 10
ORIGINAL_WEIGHT = 2
VECTOR_WEIGHT = 2.0


def expanded_words(index: LexicalIndex, words: Sequence[str], top: Sequence[str]) -> list[str]:
    """The query's words twice, then the best terms of ``top`` (each a "title abstract")."""
    searcher = index.searcher()
    total = max(searcher.num_docs, 1)
    scores: dict[str, float] = {}
    counted = [Counter(STEM.analyze(text)) for text in top]
    # One look-up per distinct term, not per term and document.
    rarity = {
        term: math.log(total / (searcher.doc_freq("abstract", term) + 1))
        for term in set().union(*counted)
    }
    for counts in counted:
        length = sum(counts.values()) or 1
        for term, n in counts.items():
            scores[term] = scores.get(term, 0.0) + n / length * rarity[term]
    best = sorted(scores, key=lambda t: (-scores[t], t))[:TERMS]
    return [*list(words) * ORIGINAL_WEIGHT, *best]


def expanded_vector(
    query: npt.NDArray[np.float32], top: Sequence[npt.NDArray[np.float32]]
) -> npt.NDArray[np.float32]:
    if not top:
        return query
    moved: npt.NDArray[np.float32] = query + VECTOR_WEIGHT * np.mean(np.stack(top), axis=0)
    return np.asarray(moved / np.linalg.norm(moved), dtype=np.float32)
