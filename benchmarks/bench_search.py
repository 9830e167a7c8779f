"""Search speed in process: lexical indexing rate and query latency (p50/p99).

    DAILYPAPERS_DATA_DIR=DIR .venv/bin/python benchmarks/bench_search.py [--queries 200]

Uses the papers already in the data folder (import them first). Rebuilds the
lexical index (papers/s), embeds up to --embed papers if a model file exists
(docs/s), then times searches made of title words of random papers: lexical
alone, and hybrid when vectors exist (query embedding included). Prints numbers.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from dailypapers.core.bootstrap import ensure_database  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.search import dense, embed, encoder, engine, follow, index  # noqa: E402


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed", type=int, default=0, help="embed up to this many papers")
    args = parser.parse_args()
    ensure_database()
    papers = Paper.objects.count()
    started = time.perf_counter()
    follow.reindex()
    took = time.perf_counter() - started
    print(f"lexical reindex: {papers} papers in {took:.1f} s = {papers / took:.0f} papers/s")
    if args.embed and encoder.available():
        started = time.perf_counter()
        summary = embed.run(timezone.now(), max_papers=args.embed)
        took = time.perf_counter() - started
        done = int(summary.split()[1]) if summary.startswith("embedded") else 0
        print(f"embedding: {summary} in {took:.1f} s = {done / max(took, 1e-9):.1f} docs/s")
    index.catch_up()
    rng = random.Random(1)
    titles = list(Paper.objects.values_list("title", flat=True)[:5000])
    queries = [" ".join(rng.sample(t.split(), min(3, len(t.split())))) for t in titles]
    queries = [q for q in queries if q][: args.queries]
    os.environ["DAILYPAPERS_SEARCH_FOLLOW_ON_REQUEST"] = "false"
    for label, use_dense in (("lexical", False), ("hybrid", True)):
        if use_dense and dense.store() is None:
            print("hybrid: no vectors on this node (build the model, run embed)")
            continue
        engine.search(queries[0], use_dense=use_dense)
        samples = []
        for q in queries:
            t0 = time.perf_counter()
            engine.search(q, use_dense=use_dense, limit=10)
            samples.append(time.perf_counter() - t0)
        print(f"{label} top-10 incl. database: {percentiles(samples)} over {len(samples)} queries")


if __name__ == "__main__":
    main()
