"""Offline evaluation of the For-you ranking on the recorded daily lists.

    .venv/bin/python benchmarks/foryou_eval.py [--data DIR] [--model-dir DIR]

Simulated readers: every author with at least ``--min-papers`` papers on the recorded
lists (2026-03 to 2026-08). Each reader's papers before their split day (60% of the
way through their papers) are their history; every later day whose list holds one of
their papers is a test day, and the day's list is ranked for them with what the
history says. Relevant = the reader's own papers on that day. The reader's own name
is left out of author affinity (it would give the answer away); their co-authors
count, as an author the reader read before would.

Methods, all on the same MiniLM vectors: the list's recorded order (trending), a
popularity order (upvotes), zotero-arxiv-daily (time-decayed mean cosine to the
library), an arxiv-sanity-style per-reader linear SVM (squared hinge, L2, balanced,
negatives = the other papers of the history days), and For you (ranking.py; its
linear model's shared negatives are the lists of the 30 days before the reader's
split day, as the worker takes the hub's recent lists), with two ablations.
Significance: paired sign-flip permutation test on per-reader means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import results
from _common import HF_DAILY, OUT_DIR, print_machine
from dailypapers.foryou import ranking
from dailypapers.papers import trending as trending_formula

K = 10
Vectors = npt.NDArray[np.float32]


@dataclass
class Item:
    pid: int
    arxiv_id: str
    day: dt.date
    title: str
    abstract: str
    authors: tuple[str, ...]
    upvotes: int
    submitted: dt.datetime


@dataclass
class Data:
    items: list[Item] = field(default_factory=list)
    days: dict[dt.date, list[int]] = field(default_factory=dict)  # recorded order


def load(folder: Path) -> Data:
    data = Data()
    seen: dict[str, int] = {}
    for path in sorted(folder.glob("*.json")):
        day = dt.date.fromisoformat(path.name[:10])
        listed: list[int] = []
        for row in json.loads(path.read_text()):
            paper = row["paper"]
            if paper["id"] in seen:
                continue
            pid = len(data.items)
            seen[paper["id"]] = pid
            data.items.append(
                Item(
                    pid,
                    paper["id"],
                    day,
                    paper.get("title", ""),
                    paper.get("summary", ""),
                    tuple(a["name"].strip() for a in paper.get("authors", []) if a.get("name")),
                    int(paper.get("upvotes") or 0),
                    dt.datetime.fromisoformat(
                        (paper.get("submittedOnDailyAt") or f"{day}T00:00:00").replace(
                            "Z", "+00:00"
                        )
                    ),
                )
            )
            listed.append(pid)
        if listed:
            data.days[day] = listed
    return data


def vectors_for(data: Data, model_dir: Path | None) -> tuple[Vectors, str]:
    from dailypapers.search.encoder import MODEL_FILE, Encoder, available

    if model_dir is None or not available(model_dir):
        raise SystemExit(
            f"no model in {model_dir}: build it with "
            "`.venv/bin/dailypapers --data-dir DIR search build-model` and pass --model-dir"
        )
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()[:12]
    ids = hashlib.sha256("|".join(i.arxiv_id for i in data.items).encode()).hexdigest()[:8]
    cache = OUT_DIR / f"foryou-vectors-{digest}-{ids}.npy"
    if cache.exists():
        return np.load(cache), f"all-MiniLM-L6-v2 int8 (cached {cache.name})"
    started = time.perf_counter()
    encoder = Encoder(model_dir)
    out = encoder.encode(
        # As search/documents.embedding_text (not imported: it needs Django set up).
        [f"{i.title}. {i.abstract}" if i.abstract else i.title for i in data.items]
    )
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    np.save(cache, out)
    took = time.perf_counter() - started
    return out, f"all-MiniLM-L6-v2 int8 (encoded {len(out)} papers in {took:.0f} s)"


# -- readers --------------------------------------------------------------------------


@dataclass
class Reader:
    name: str
    history: list[int]  # the reader's papers before the split day
    split: dt.date
    tests: list[tuple[dt.date, set[int]]]  # later days with their papers on them


def readers(data: Data, min_papers: int) -> list[Reader]:
    by_author: dict[str, list[int]] = defaultdict(list)
    for item in data.items:
        for name in set(item.authors):
            by_author[name].append(item.pid)
    out = []
    for name in sorted(by_author):
        papers = sorted(by_author[name], key=lambda p: (data.items[p].day, p))
        if len(papers) < min_papers:
            continue
        split = data.items[papers[max(2, int(len(papers) * 0.6))]].day
        history = [p for p in papers if data.items[p].day < split]
        later: dict[dt.date, set[int]] = defaultdict(set)
        for p in papers:
            if data.items[p].day >= split:
                later[data.items[p].day].add(p)
        if len(history) >= 3 and later:
            out.append(Reader(name, history, split, sorted(later.items())))
    return out


# -- methods: each returns the day's list reordered for the reader --------------------

Method = Callable[[Reader, dt.date, list[int]], list[int]]


def history_days(data: Data, reader: Reader) -> list[int]:
    """The other papers of the days the reader's history papers were listed (seen, left)."""
    days = {data.items[p].day for p in reader.history}
    mine = set(reader.history)
    return [p for d in sorted(days) for p in data.days[d] if p not in mine]


BACKGROUND_DAYS = 30


def background_before(data: Data, vectors: Vectors, split: dt.date) -> ranking.Background | None:
    """The shared negatives as the worker takes them: the lists of the 30 days before."""
    start = split - dt.timedelta(days=BACKGROUND_DAYS)
    recent = [p for d, listed in data.days.items() if start <= d < split for p in listed]
    return ranking.background(vectors[recent[-ranking.BACKGROUND_SIZE :]]) if recent else None


def squared_hinge_svm(x: Vectors, y: npt.NDArray[np.float64], c: float) -> Vectors:
    """LinearSVC's default: L2-regularized squared hinge, balanced class weights, by Newton."""
    n, d = x.shape
    xb = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    pos = y > 0
    weight = np.where(pos, n / (2 * pos.sum()), n / (2 * (~pos).sum()))
    w = np.zeros(d + 1)
    for _ in range(20):
        margin = y * (xb @ w)
        active = margin < 1
        xa, ya, sa = xb[active], y[active], weight[active]
        grad = w - 2 * c * xa.T @ (sa * ya * (1 - margin[active]))
        grad[-1] += -w[-1]  # bias unregularized: cancel its identity term
        hess = np.eye(d + 1) + 2 * c * (xa * sa[:, None]).T @ xa
        hess[-1, -1] += 1e-6 - 1
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    return w.astype(np.float32)


def methods(data: Data, vectors: Vectors) -> dict[str, Method]:
    vec = {i: vectors[i] for i in range(len(vectors))}
    caches: dict[tuple[str, str], object] = {}
    backgrounds: dict[dt.date, ranking.Background | None] = {}

    def shared(split: dt.date) -> ranking.Background | None:
        if split not in backgrounds:
            backgrounds[split] = background_before(data, vectors, split)
        return backgrounds[split]

    def trending(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
        # The hub's trending formula (papers/trending.py) at the end of the list's day.
        now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)
        return sorted(
            listed,
            key=lambda p: trending_formula.sort_key(
                data.items[p].upvotes, data.items[p].submitted, data.items[p].arxiv_id, now
            ),
        )

    def recorded(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
        return list(listed)

    def popularity(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
        return sorted(listed, key=lambda p: (-data.items[p].upvotes, p))

    def zotero(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
        # zotero-arxiv-daily: library newest first, weight 1 / (1 + log10(rank + 1)), normalized.
        library = sorted(reader.history, key=lambda p: (data.items[p].day, p), reverse=True)
        w = 1.0 / (1.0 + np.log10(np.arange(len(library)) + 1.0))
        w /= w.sum()
        sims = vectors[listed] @ vectors[library].T
        score = sims @ w
        return [listed[i] for i in np.argsort(-score, kind="stable")]

    def svm(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
        key = ("svm", reader.name)
        if key not in caches:
            neg = history_days(data, reader)
            x = vectors[[*reader.history, *neg]]
            y = np.concatenate([np.ones(len(reader.history)), -np.ones(len(neg))])
            caches[key] = squared_hinge_svm(x, y, c=0.1)
        w = caches[key]
        assert isinstance(w, np.ndarray)
        score = vectors[listed] @ w[:-1]
        return [listed[i] for i in np.argsort(-score, kind="stable")]

    def foryou_profile(reader: Reader, *, authors: bool, fuse: bool) -> ranking.Profile:
        # One per method, so that each method's time includes fitting its own.
        key = (f"profile-{authors}-{fuse}", reader.name)
        if key not in caches:
            signals = [
                ranking.Signal(
                    p,
                    "wrote",
                    float((reader.split - data.items[p].day).days),
                    data.items[p].title,
                    data.items[p].authors if authors else (),
                )
                for p in reader.history
            ]
            caches[key] = ranking.build(
                signals, vec, background=shared(reader.split), exclude_authors=[reader.name]
            )
        found = caches[key]
        assert isinstance(found, ranking.Profile)
        return found

    def foryou_with(*, authors: bool, fuse: bool) -> Method:
        def method(reader: Reader, day: dt.date, listed: list[int]) -> list[int]:
            profile = foryou_profile(reader, authors=authors, fuse=fuse)
            candidates = [ranking.Candidate(p, data.items[p].authors) for p in listed]
            return [
                r.paper_id for r in ranking.rank(profile, candidates, vec, fuse=fuse, explain=0)
            ]

        return method

    return {
        "recorded list order": recorded,
        "trending (hub formula)": trending,
        "popularity (upvotes)": popularity,
        "zotero-arxiv-daily": zotero,
        "arxiv-sanity SVM": svm,
        "for you: vectors only": foryou_with(authors=False, fuse=True),
        "for you: no list fusion": foryou_with(authors=True, fuse=False),
        "for you": foryou_with(authors=True, fuse=True),
    }


# -- metrics ----------------------------------------------------------------------------


def ndcg(order: list[int], relevant: set[int], k: int = K) -> float:
    gain = sum(1.0 / math.log2(i + 2) for i, p in enumerate(order[:k]) if p in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def hit(order: list[int], relevant: set[int], k: int = K) -> float:
    return 1.0 if any(p in relevant for p in order[:k]) else 0.0


def sign_flip_p(diff: npt.NDArray[np.float64], rounds: int = 20_000, seed: int = 7) -> float:
    """Two-sided paired permutation test: flip the sign of each reader's difference."""
    rng = np.random.default_rng(seed)
    observed = abs(float(diff.mean()))
    flips = rng.choice([-1.0, 1.0], size=(rounds, len(diff)))
    means = np.abs((flips * diff).mean(axis=1))
    return float((1 + (means >= observed - 1e-12).sum()) / (rounds + 1))


def evaluate(
    data: Data, vectors: Vectors, people: list[Reader]
) -> tuple[dict[str, dict[str, npt.NDArray[np.float64]]], dict[str, float]]:
    """Per method and metric, one mean per reader (readers weigh the same); seconds per method."""
    found = methods(data, vectors)
    scores: dict[str, dict[str, list[float]]] = {m: {"nDCG@10": [], "hit@10": []} for m in found}
    seconds: dict[str, float] = {m: 0.0 for m in found}
    for reader in people:
        for name, method in found.items():
            n_sum = h_sum = 0.0
            started = time.perf_counter()
            for day, relevant in reader.tests:
                order = method(reader, day, data.days[day])
                n_sum += ndcg(order, relevant)
                h_sum += hit(order, relevant)
            seconds[name] += time.perf_counter() - started
            scores[name]["nDCG@10"].append(n_sum / len(reader.tests))
            scores[name]["hit@10"].append(h_sum / len(reader.tests))
    return (
        {m: {k: np.asarray(v) for k, v in d.items()} for m, d in scores.items()},
        seconds,
    )


def show_reasons(data: Data, vectors: Vectors, people: list[Reader], how_many: int) -> None:
    vec = {i: vectors[i] for i in range(len(vectors))}
    rng = np.random.default_rng(3)
    chosen = [people[int(i)] for i in rng.choice(len(people), how_many, replace=False)]
    for reader in chosen:
        day, relevant = reader.tests[0]
        signals = [
            ranking.Signal(
                p,
                "wrote",
                float((reader.split - data.items[p].day).days),
                data.items[p].title,
                data.items[p].authors,
            )
            for p in reader.history
        ]
        profile = ranking.build(
            signals,
            vec,
            background=background_before(data, vectors, reader.split),
            exclude_authors=[reader.name],
        )
        listed = data.days[day]
        ranked = ranking.rank(
            profile, [ranking.Candidate(p, data.items[p].authors) for p in listed], vec
        )
        print(
            f"\nReader “{reader.name}” ({len(reader.history)} papers before {reader.split}), "
            f"list of {day} ({len(listed)} papers; theirs marked *):"
        )
        for n, r in enumerate(ranked[:5], 1):
            item = data.items[r.paper_id]
            mark = "*" if r.paper_id in relevant else " "
            print(f"  {n}.{mark} {item.title[:70]}")
            print(f"       {r.reason or '(list order)'}")


def timings(rounds: int = 20) -> None:
    """What a page and the worker pay per reader, at sizes a busy hub has (random vectors)."""
    rng = np.random.default_rng(5)
    pool = rng.normal(size=(4000, 384)).astype(np.float32)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    vec = {i: pool[i] for i in range(len(pool))}
    authors = [tuple(f"a{int(x)}" for x in rng.integers(0, 3000, 6)) for _ in range(len(pool))]
    signals = [
        ranking.Signal(i, "upvoted", float(i % 200), f"t{i}", authors[i]) for i in range(500)
    ]
    print("\nCost per reader (median of", rounds, "runs; random unit vectors, 384 dims):")
    started = time.perf_counter()
    shared = ranking.background(pool[2000 : 2000 + ranking.BACKGROUND_SIZE])
    print(
        f"  {'shared negatives (once per run)':<34} {ranking.BACKGROUND_SIZE} papers:"
        f"{'':>15}{1000 * (time.perf_counter() - started):7.1f} ms"
    )
    for label, fit in (("profile, no linear model", False), ("profile + linear model", True)):
        took = []
        for _ in range(rounds):
            started = time.perf_counter()
            profile = ranking.build(signals, vec, background=shared, fit=fit)
            took.append(time.perf_counter() - started)
        print(f"  {label:<34} 500 signals:{'':>15}{1000 * np.median(took):7.1f} ms")
    for size in (60, 1000):
        candidates = [ranking.Candidate(i, authors[i]) for i in range(1100, 1100 + size)]
        took = []
        for _ in range(rounds):
            started = time.perf_counter()
            ranking.rank(profile, candidates, vec, explain=50)
            took.append(time.perf_counter() - started)
        print(
            f"  {'rank ' + str(size) + ', explain 50':<34} {'':>26} "
            f"{1000 * np.median(took):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=HF_DAILY / "api-2026-03_2026-08")
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=Path(os.environ.get("DAILYPAPERS_DATA_DIR", "data")) / "models",
        help="folder with the built search model (dailypapers search build-model)",
    )
    parser.add_argument("--min-papers", type=int, default=5)
    parser.add_argument("--reasons", type=int, default=4, help="readers whose reasons to show")
    parser.add_argument(
        "--half",
        choices=("all", "even", "odd"),
        default="all",
        help="every reader, or every other one (the fusion weight was chosen on 'even')",
    )
    args = parser.parse_args()
    at_start = print_machine()
    data = load(args.data)
    vectors, how = vectors_for(data, args.model_dir)
    people = readers(data, args.min_papers)
    people = {"all": people, "even": people[0::2], "odd": people[1::2]}[args.half]
    test_days = sum(len(r.tests) for r in people)
    print(
        f"\nData: {args.data.name}: {len(data.items)} papers on {len(data.days)} daily lists; "
        f"vectors: {how}"
    )
    print(
        f"Readers: {len(people)} authors with ≥ {args.min_papers} papers; "
        f"{test_days} (reader, day) tests; relevant = the reader's own papers that day"
    )
    scores, seconds = evaluate(data, vectors, people)
    best = "for you"
    rows: list[list[object]] = []
    print(
        f"\n{'method':<26} {'nDCG@10':>8} {'hit@10':>8}  {'p nDCG':>8} {'p hit':>8} "
        f"{'ms/reader':>9}"
    )
    for name, metrics in scores.items():
        cells = []
        for metric in ("nDCG@10", "hit@10"):
            if name == best:
                cells.append(f"{'':>8}")
            else:
                cells.append(f"{sign_flip_p(scores[best][metric] - metrics[metric]):>8.4f}")
        per_reader = 1000 * seconds[name] / max(len(people), 1)
        print(
            f"{name:<26} {metrics['nDCG@10'].mean():>8.4f} {metrics['hit@10'].mean():>8.4f}  "
            f"{cells[0]} {cells[1]} {per_reader:>9.1f}"
        )
        means = [f"{metrics[m].mean():.4f}" for m in ("nDCG@10", "hit@10")]
        rows.append([name, *means, *(c.strip() for c in cells), per_reader])
    print(
        "\nMeans over readers (each reader's mean over their test days). p: paired sign-flip "
        f"permutation test of 'for you' against the row, over {len(people)} readers. "
        "ms/reader: fitting the reader's profile or model, and ranking all their test days."
    )
    columns = ["method", "nDCG@10", "hit@10", "p (nDCG)", "p (hit)", "ms/reader"]
    results.write(
        f"foryou-{args.half}",
        title=f"foryou_eval.py: the For-you ranking against baselines, readers: {args.half}",
        command=results.command_line(__file__, None),
        tables=[results.table(columns, rows)],
        started=at_start,
        notes=f"{len(people)} readers, {test_days} (reader, day) tests; vectors: {how}. "
        "p: paired sign-flip permutation test of 'for you' against the row.",
    )
    show_reasons(data, vectors, people, min(args.reasons, len(people)))
    timings()


if __name__ == "__main__":
    main()
