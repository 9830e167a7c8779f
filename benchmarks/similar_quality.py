"""Similar papers: do a paper's nearest neighbours share what related papers share?

    .venv/bin/python benchmarks/similar_quality.py --data DIR [--k 6] [--json]

Two real collections, no judgments needed:

1. The daily papers of the data folder DIR (import /work/shared/data/hf-daily-papers
   there and run `dailypapers search embed`): for each paper with a vector, its k
   nearest by meaning (the production dense.py search, the paper itself left out)
   and, for comparison, its k nearest by words (lexical.like): how often a
   neighbour shares an author, the organization, or one of the AI keywords.
   These lists carry no arXiv categories.
2. The arXiv announcement feed in /work/shared/data/upstream/arxiv-rss (1,504 real
   papers of one day, every archive): embedded with the model (vectors cached in
   benchmarks/out/), nearest by cosine: how often a neighbour shares the primary
   category, or any category, or an author.

Each rate is set against a random baseline: the same number of random other
papers for each paper (averaged over 5 draws).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")

RSS = Path("/work/shared/data/upstream/arxiv-rss/rss_mock_feed_all_archives_2024-11-28.xml")
Features = dict[int, dict[str, set[str]]]


def _name(value: str) -> str:
    return re.sub(r"[^a-z]", "", value.lower())


def rates(
    features: Features, neighbours: dict[int, list[int]], kinds: Sequence[str]
) -> dict[str, float]:
    """Share of (paper, neighbour) pairs that have at least one value of each kind in common."""
    out: dict[str, float] = {}
    for kind in kinds:
        pairs = shared = 0
        for pk, found in neighbours.items():
            mine = features[pk][kind]
            if not mine:
                continue
            for other in found:
                pairs += 1
                shared += bool(mine & features[other][kind])
        out[kind] = round(shared / max(pairs, 1), 4)
    return out


def random_neighbours(ids: list[int], k: int, seed: int) -> dict[int, list[int]]:
    rng = random.Random(seed)
    return {pk: [o for o in rng.sample(ids, k + 1) if o != pk][:k] for pk in ids}


def compare(
    label: str,
    features: Features,
    methods: dict[str, Callable[[int], list[int]]],
    ids: list[int],
    kinds: Sequence[str],
    k: int,
) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for name, nearest in methods.items():
        table[name] = rates(features, {pk: nearest(pk) for pk in ids}, kinds)
    draws = [rates(features, random_neighbours(ids, k, seed), kinds) for seed in range(5)]
    table["random"] = {kind: round(float(np.mean([d[kind] for d in draws])), 4) for kind in kinds}
    print(f"\n{label}: {len(ids)} papers, {k} neighbours each; share of pairs with something")
    print(f"in common (a random pair is the baseline)\n{'method':<10}", end="")
    print("".join(f"{kind:>14}" for kind in kinds))
    for name, row in table.items():
        print(f"{name:<10}" + "".join(f"{row[kind]:>14.3f}" for kind in kinds))
    return table


def daily(data: Path, k: int) -> dict[str, dict[str, float]]:
    from dailypapers.papers.models import Paper, PaperAuthor
    from dailypapers.search import dense, follow, neighbours

    dense.sync()
    store = dense.store()
    if store is None:
        raise SystemExit(f"no vectors in {data}: run `dailypapers search embed` there first")
    features: Features = {}
    for pk, org, keywords in Paper.objects.values_list("pk", "organization_id", "ai_keywords"):
        features[pk] = {
            "author": set(),
            "organization": {str(org)} if org else set(),
            "keyword": {str(w).lower() for w in (keywords or [])},
        }
    for pk, name in PaperAuthor.objects.values_list("paper_id", "name"):
        if _name(name):
            features[pk]["author"].add(_name(name))
    ids = [int(pk) for pk in store.sorted_ids if int(pk) in features]
    index = follow.current()
    by_id = {p.pk: p for p in Paper.objects.filter(pk__in=ids)}

    def meaning(pk: int) -> list[int]:
        return [o for o, _ in dense.neighbours(pk, k) or []]

    def words(pk: int) -> list[int]:
        if index is None:
            return []
        return [o for o, _ in index.like(neighbours._as_doc(by_id[pk]), k)][:k]

    return compare(
        "daily papers",
        features,
        {"meaning": meaning, "words": words},
        ids,
        list(features[ids[0]]),
        k,
    )


def feed(k: int, model_dir: Path) -> dict[str, dict[str, float]] | None:
    from dailypapers.ingest import rss
    from dailypapers.papers.records import PaperRecord
    from dailypapers.search.documents import embedding_text
    from dailypapers.search.encoder import MODEL_FILE, Encoder, available

    if not available(model_dir):
        print(f"\nno model in {model_dir}: the feed part is skipped")
        return None
    records = {
        r.arxiv_id: r
        for r in rss.parse_feed(RSS.read_bytes(), str(RSS)).items
        if isinstance(r, PaperRecord) and r.categories and r.abstract
    }
    papers = list(records.values())
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()[:12]
    cache = BENCH_DIR / "out" / f"rss-vectors-{digest}-{len(papers)}.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = Encoder(model_dir).encode([embedding_text(p.title, p.abstract) for p in papers])
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    features: Features = {
        n: {
            "primary category": {p.categories.split()[0]},
            "any category": set(p.categories.split()),
            "author": {_name(a.name) for a in p.authors if _name(a.name)},
        }
        for n, p in enumerate(papers)
    }
    scores = vectors @ vectors.T
    np.fill_diagonal(scores, -np.inf)
    nearest = np.argsort(-scores, axis=1)[:, :k]
    ids = list(range(len(papers)))
    return compare(
        "arXiv feed (one day, all archives)",
        features,
        {"meaning": lambda n: [int(o) for o in nearest[n]]},
        ids,
        ["primary category", "any category", "author"],
        k,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="data folder with vectors")
    parser.add_argument("--k", type=int, default=6, help="neighbours per paper (the page shows 6)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["DAILYPAPERS_DATA_DIR"] = str(args.data)
    import django

    django.setup()
    from dailypapers.search import conf

    sys.path.insert(0, str(BENCH_DIR))
    import _common
    import results

    at_start = _common.machine()
    report = {"daily": daily(args.data, args.k), "feed": feed(args.k, conf.model_dir())}
    captions = {"daily": "Real daily lists:", "feed": "The arXiv announcement feed of one day:"}
    tables = []
    for part, table in report.items():
        if not table:
            continue
        kinds = list(next(iter(table.values())))
        rows = [[name, *(f"{row[kind]:.1%}" for kind in kinds)] for name, row in table.items()]
        tables.append({"caption": captions[part]} | results.table(["neighbours by", *kinds], rows))
    results.write(
        "similar-quality",
        title=f"similar_quality.py: what a paper's {args.k} nearest papers share with it",
        command=results.command_line(__file__, None),
        tables=tables,
        started=at_start,
        numbers=report,
    )
    if args.json:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
