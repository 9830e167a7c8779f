"""The For-you ranking, on plain arrays: no database, so the evaluation runs it as the page does.

A reader is described by what they did with papers (``Signal``): upvoted, collected,
commented, submitted, wrote (a confirmed author claim), or asked for less of. From
those the profile (``build``) keeps:

- ``mean``: the recency-weighted mean of the vectors of the reader's papers (unit length);
- ``weights``: a per-reader linear model on the same vectors (``discriminant``: closed
  form, against the hub's recent papers and what the reader asked for less of), once
  there are ``MIN_POSITIVES`` positives;
- ``authors`` and ``categories``: how often each appears among the reader's papers
  (recency-weighted), plus the authors and categories the reader follows.

``rank`` scores a list of candidates: similarity to the profile, author and category
affinity, "less like this" as a penalty, then fuses the result with the list's own
order (reciprocal rank fusion) so the top of the day is not lost. Every ranked
paper gets a short reason from the signal that lifted it most.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# How much each kind of signal counts toward the profile.
KIND_WEIGHT = {
    "wrote": 1.5,
    "upvoted": 1.0,
    "collected": 1.2,
    "commented": 0.8,
    "submitted": 1.0,
    "imported": 0.8,
}
KIND_VERB = {
    "wrote": "you wrote",
    "upvoted": "you upvoted",
    "collected": "you saved",
    "commented": "you discussed",
    "submitted": "you submitted",
    "imported": "in your library",
}
HALF_LIFE_DAYS = 60.0
MIN_POSITIVES = 5
# The linear model's shared negatives: at least this many recent papers (background()).
MIN_BACKGROUND = 50
BACKGROUND_SIZE = 2000  # at most this many (the newest)
# Shrinkage of the background's covariance toward the identity, and how far apart the
# model puts the mean of the reader's papers and the mean of the negatives (logits).
SHRINK = 0.5
MODEL_MARGIN = 4.0
# Reciprocal rank fusion: 1 / (FUSION_K + rank), personal order weighted against the list's.
# Chosen on half of the simulated readers of benchmarks/foryou_eval.py (docs/foryou.md):
# the list's first paper stays in the reader's first few when the profile says nothing.
FUSION_K = 20.0
PERSONAL_WEIGHT = 6.0
# A "like papers you ..." reason needs this cosine to the profile (MiniLM: unrelated
# papers of one field are often at 0.3).
LIKE_COSINE = 0.45
# Feature weights of the personal score (cosine is in [-1, 1], affinities in [0, 1]).
W_COSINE = 1.0
W_MODEL = 0.5
W_AUTHOR = 0.6
W_CATEGORY = 0.15
W_LESS = 0.8
W_SEARCH = 0.5
W_ORGANIZATION = 0.4


@dataclass(frozen=True)
class Signal:
    """One thing the reader did with one paper; ``age_days`` counts back from now."""

    paper_id: int
    kind: str
    age_days: float
    title: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    paper_id: int
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    search: str = ""  # the reader's saved search the paper matches
    organization: str = ""  # the paper's organization, when the reader follows it


@dataclass
class Profile:
    mean: Vectors | None = None
    weights: Vectors | None = None
    bias: float = 0.0
    authors: dict[str, float] = field(default_factory=dict)
    categories: dict[str, float] = field(default_factory=dict)
    followed_authors: frozenset[str] = frozenset()
    followed_categories: frozenset[str] = frozenset()
    # The reader's papers (for reasons): id -> (title, kind), and their vectors.
    papers: dict[int, tuple[str, str]] = field(default_factory=dict)
    paper_ids: list[int] = field(default_factory=list)
    vectors: Vectors | None = None
    less: Vectors | None = None  # vectors of papers the reader asked for less of
    less_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return self.mean is None and not self.authors and not self.followed_authors

    @property
    def top_category(self) -> str:
        if not self.categories:
            return ""
        return max(sorted(self.categories), key=lambda c: self.categories[c])


@dataclass
class Ranked:
    paper_id: int
    score: float
    reason: str


def decay(age_days: float) -> float:
    return float(0.5 ** (max(age_days, 0.0) / HALF_LIFE_DAYS))


def unit(v: Vectors) -> Vectors:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


@dataclass(frozen=True)
class Background:
    """What the hub's recent papers look like: the negatives every reader's model shares.

    ``mean`` is their mean vector and ``precision`` the inverse of their covariance,
    shrunk toward a multiple of the identity (a few hundred papers do not fill 384
    dimensions). Computed once per run of the worker, not once per reader.
    """

    mean: Vectors
    precision: Vectors
    size: int


def background(matrix: Vectors) -> Background | None:
    """The shared negatives from the vectors of a sample of recent papers (one per row)."""
    if len(matrix) < MIN_BACKGROUND:
        return None
    x = np.asarray(matrix, dtype=np.float64)
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / max(len(x) - 1, 1)
    dim = cov.shape[0]
    spread = float(np.trace(cov)) / dim or 1.0
    cov = (1.0 - SHRINK) * cov + SHRINK * spread * np.eye(dim)
    precision = np.linalg.inv(cov).astype(np.float32)
    return Background(mean.astype(np.float32), precision, len(x))


def discriminant(
    positive: Vectors, weights: npt.NDArray[np.float32], negative: Vectors, bg: Background
) -> tuple[Vectors, float]:
    """A reader's linear model in closed form: the reader's papers against the background.

    Linear discriminant analysis with the background's (shrunk) covariance: ``w =
    precision · (mean of the reader's papers - mean of the negatives)``, the bias
    halfway between the two means. The negatives are the background plus the papers
    the reader asked for less of (both halves weigh the same). ``w`` is scaled so that
    the two means sit ``MODEL_MARGIN`` apart: readers with tight and with broad interests
    get scores of one size. A matrix-vector product per reader, no iterations.
    """
    pos = (weights[:, None] * positive).sum(axis=0) / max(float(weights.sum()), 1e-9)
    neg = bg.mean if len(negative) == 0 else 0.5 * (bg.mean + negative.mean(axis=0))
    w = bg.precision @ (pos - neg)
    gap = float(w @ (pos - neg))
    if gap <= 0:
        return np.zeros_like(w), 0.0
    w *= MODEL_MARGIN / gap
    return w.astype(np.float32), float(-w @ (pos + neg) / 2.0)


def build(
    signals: Sequence[Signal],
    vectors: dict[int, Vectors],
    *,
    background: Background | None = None,
    followed_authors: Sequence[str] = (),
    followed_categories: Sequence[str] = (),
    exclude_authors: Sequence[str] = (),
    fit: bool = True,
) -> Profile:
    """The profile from the reader's signals; ``vectors`` holds the vectors known here.

    ``background``: the shared negatives of the linear model (none: no model).
    ``exclude_authors``: names left out of author affinity (the reader's own).
    """
    profile = Profile(
        followed_authors=frozenset(followed_authors),
        followed_categories=frozenset(followed_categories),
    )
    skip = set(exclude_authors)
    less = [s for s in signals if s.kind == "less"]
    positive = [s for s in signals if s.kind != "less"]
    authors: defaultdict[str, float] = defaultdict(float)
    categories: defaultdict[str, float] = defaultdict(float)
    # A paper counts once, as its strongest signal (a paper upvoted and saved is saved).
    best: dict[int, tuple[float, Signal]] = {}
    for s in positive:
        w = KIND_WEIGHT.get(s.kind, 1.0) * decay(s.age_days)
        if s.paper_id not in best or w > best[s.paper_id][0]:
            best[s.paper_id] = (w, s)
    weight_of = {pk: w for pk, (w, _) in best.items()}
    for w, s in best.values():
        profile.papers[s.paper_id] = (s.title, s.kind)
        share = 1.0 / math.sqrt(max(len(s.authors), 1))
        for name in s.authors:
            if name not in skip:
                authors[name] += w * share
        for cat in s.categories:
            categories[cat] += w
    if authors:
        top = max(authors.values())
        profile.authors = {k: v / top for k, v in authors.items()}
    if categories:
        total = sum(categories.values())
        profile.categories = {k: v / total for k, v in categories.items()}
    ids = [pk for pk in weight_of if pk in vectors]
    if ids:
        matrix = np.stack([vectors[pk] for pk in ids]).astype(np.float32)
        weights = np.asarray([weight_of[pk] for pk in ids], dtype=np.float32)
        profile.mean = unit((weights[:, None] * matrix).sum(axis=0))
        profile.paper_ids, profile.vectors = ids, matrix
    less_ids = [s.paper_id for s in less if s.paper_id in vectors]
    profile.less_ids = frozenset(s.paper_id for s in less)
    if less_ids:
        profile.less = np.stack([vectors[pk] for pk in less_ids]).astype(np.float32)
    if fit and background is not None and profile.vectors is not None and len(ids) >= MIN_POSITIVES:
        negative = profile.less if profile.less is not None else profile.vectors[:0]
        profile.weights, profile.bias = discriminant(profile.vectors, weights, negative, background)
    return profile


def _author_hit(profile: Profile, names: Sequence[str]) -> tuple[float, str, bool]:
    """(affinity in [0, 1], the author, followed?) for the best-known author of a paper."""
    best, who, followed = 0.0, "", False
    for name in names:
        if name in profile.followed_authors:
            return 1.0, name, True
        score = profile.authors.get(name, 0.0)
        if score > best:
            best, who = score, name
    return best, who, followed


def rank(
    profile: Profile,
    candidates: Sequence[Candidate],
    vectors: dict[int, Vectors],
    *,
    fuse: bool = True,
    names: dict[str, str] | None = None,
    explain: int | None = None,
) -> list[Ranked]:
    """``candidates`` in the list's own order (best first), ranked for the reader.

    ``names``: how to show the authors in reasons (the keys may be slugs). ``explain``:
    give reasons to the first this many only (the rest of a long list is not shown).
    """
    n = len(candidates)
    if n == 0:
        return []
    have = [c.paper_id in vectors for c in candidates]
    dim = next(iter(vectors.values())).shape[0] if vectors else 1
    zero = np.zeros(dim, dtype=np.float32)
    matrix = np.stack([vectors.get(c.paper_id, zero) for c in candidates]).astype(np.float32)
    personal = np.zeros(n, dtype=np.float64)
    cosine = np.zeros(n, dtype=np.float64)
    if profile.mean is not None and profile.vectors is not None:
        cosine = np.where(have, matrix @ profile.mean, 0.0)
        personal += W_COSINE * cosine
    if profile.weights is not None:
        logits = matrix @ profile.weights + profile.bias
        personal += np.where(have, W_MODEL * np.tanh(logits / 4.0), 0.0)
    if profile.less is not None:
        penalty = (matrix @ profile.less.T).max(axis=1)
        personal -= np.where(have, W_LESS * np.clip(penalty, 0.0, None) ** 2, 0.0)
    author_parts = [_author_hit(profile, c.authors) for c in candidates]
    cat_parts = [
        max(
            (
                (
                    profile.categories.get(k, 0.0)
                    + (0.5 if k in profile.followed_categories else 0.0),
                    k,
                )
                for k in c.categories
            ),
            default=(0.0, ""),
        )
        for c in candidates
    ]
    less = np.asarray([c.paper_id in profile.less_ids for c in candidates], dtype=bool)
    personal += W_AUTHOR * np.asarray([hit[0] for hit in author_parts])
    personal += W_CATEGORY * np.asarray([cat[0] for cat in cat_parts])
    personal += W_SEARCH * np.asarray([bool(c.search) for c in candidates], dtype=np.float64)
    personal += W_ORGANIZATION * np.asarray(
        [bool(c.organization) for c in candidates], dtype=np.float64
    )
    personal -= 10.0 * less
    # Rounded: sums of float32 products differ in the last bits with how BLAS splits the
    # work, and papers the profile says nothing about must still tie.
    personal_rank = tied_ranks(np.round(personal, 6))
    if fuse:
        list_rank = np.arange(n, dtype=np.float64)
        fused = PERSONAL_WEIGHT / (FUSION_K + personal_rank) + 1.0 / (FUSION_K + list_rank)
        fused -= 10.0 * less
    else:
        fused = personal
    final = np.argsort(-fused, kind="stable")
    # The nearest of the reader's papers, for the reasons of the papers shown only.
    shown = final[:explain] if explain is not None else final
    nearest = np.full(n, -1, dtype=np.int64)
    close_count = np.zeros(n, dtype=np.int64)
    if profile.vectors is not None and len(shown):
        sims = matrix[shown] @ profile.vectors.T  # shown papers x reader's papers
        nearest[shown] = sims.argmax(axis=1)
        close_count[shown] = (sims >= 0.5).sum(axis=1)
    out: list[Ranked] = []
    for i in final:
        c = candidates[int(i)]
        if nearest[int(i)] < 0 and explain is not None and len(out) >= explain:
            out.append(Ranked(c.paper_id, float(fused[int(i)]), ""))
            continue
        reason = _reason(
            profile,
            c,
            names or {},
            author_parts[int(i)],
            cat_parts[int(i)],
            float(cosine[int(i)]),
            int(nearest[int(i)]),
            int(close_count[int(i)]),
            int(i),
        )
        out.append(Ranked(c.paper_id, float(fused[int(i)]), reason))
    return out


def tied_ranks(score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """0-based ranks, best first; equal scores share their average rank.

    Papers the profile says nothing about tie, and must not be ordered among
    themselves by the personal side too (that would count the list's order twice).
    """
    _, inverse, counts = np.unique(-score, return_inverse=True, return_counts=True)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ranks: npt.NDArray[np.float64] = (starts + (counts - 1) / 2.0)[inverse].astype(np.float64)
    return ranks


def _reason(
    profile: Profile,
    candidate: Candidate,
    names: dict[str, str],
    author: tuple[float, str, bool],
    category: tuple[float, str],
    cosine: float,
    nearest: int,
    close: int,
    list_position: int,
) -> str:
    score, who, followed = author
    who = names.get(who, who)
    if candidate.paper_id in profile.less_ids:
        return "you asked for less like this"
    if followed:
        return f"by {who}, an author you follow"
    if score >= 0.3 and who:
        return f"by {who}, whose papers you read"
    if candidate.search:
        return f"matches your saved search “{candidate.search}”"
    if candidate.organization:
        return f"from {candidate.organization}, which you follow"
    if nearest >= 0 and cosine >= LIKE_COSINE:
        pk = profile.paper_ids[nearest]
        title, kind = profile.papers.get(pk, ("", "upvoted"))
        verb = KIND_VERB.get(kind, "you read")
        short = title if len(title) <= 60 else title[:57].rstrip() + "…"
        if close > 1:
            return f"like {close} papers {verb}: “{short}”"
        return f"like a paper {verb}: “{short}”"
    if category[1] and category[1] in profile.followed_categories:
        return f"in {category[1]}, which you follow"
    if category[1] and category[1] == profile.top_category:
        return f"in {category[1]}, which you read most"
    if list_position < 3:
        return "top of the list today"
    return ""
