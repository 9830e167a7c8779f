"""Search speed in process: indexing rates, query latency (p50/p99), memory, recall.

    DAILYPAPERS_DATA_DIR=DIR .venv/bin/python benchmarks/bench_search.py [options]

Three things, each optional:

- on the papers already in the data folder (import them first): rebuild the
  lexical index (papers/s, skipped with --no-reindex), embed up to --embed papers
  when a model file exists (docs/s), then time lexical, hybrid and similar-papers
  requests (top-10, database reads and highlighting included, the query's
  embedding included);
- --fill-vectors SRC: give every paper of the data folder a vector when it has
  none, taken from the real embeddings of the data folder SRC (repeated in turn,
  each copy with a little noise), written straight into this node's vector
  segments; the vector index (IVF-PQ, search/ann.py) is then built as the worker
  would (build time);
- --vectors N: the vector index alone, outside any database: N vectors made the
  same way from --real SRC, in benchmarks/out/vectors-N/ (reused), searched with
  the embeddings of real queries; latency, build time, recall@10 against the
  exact scan, and the resident memory of a fresh process that opened it.

Every result is printed with the load average, and saved in benchmarks/out/results/.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

import results as bench_results  # noqa: E402
from _common import OUT_DIR, human_count, print_machine, result_path, save_json  # noqa: E402
from dailypapers.core.bootstrap import ensure_database  # noqa: E402
from dailypapers.papers.models import Paper  # noqa: E402
from dailypapers.search import (  # noqa: E402
    conf,
    dense,
    embed,
    encoder,
    engine,
    follow,
    index,
    neighbours,
)

NOISE = 0.25  # noise of norm 0.25 on a unit vector: a copy keeps cos ~0.97 to its source
MIX = 0.0  # --mix: the largest share of a second real vector in each made-up one
Matrix = npt.NDArray[np.float32]
results: dict[str, object] = {}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def percentiles(samples: list[float]) -> dict[str, object]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        "n": len(ordered),
    }


def report(name: str, value: dict[str, object]) -> None:
    value["load"] = load()
    results[name] = value
    print(f"{name}: {json.dumps(value)}", flush=True)


def real_vectors(source: Path) -> tuple[Matrix, list[str]]:
    """The real paper embeddings of the data folder ``source`` and some real query texts."""
    import sqlite3

    with sqlite3.connect(source / "dailypapers.sqlite3") as db:
        blobs = [
            row[0]
            for row in db.execute(
                "select vector from search_embedding where vector is not null order by paper_id"
            )
        ]
        titles = [row[0] for row in db.execute("select title from papers_paper order by id")]
    if not blobs:
        raise SystemExit(f"no vectors in {source}: run `dailypapers search embed` there")
    matrix = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), encoder.DIM)
    return matrix.astype(np.float32), titles


def noisy_copies(real: Matrix, start: int, count: int) -> Matrix:
    """Rows ``start..start+count`` of an endless list made from the real vectors.

    Each row is real vector ``i`` (in turn) plus, when MIX is set, a random share
    (0 to MIX) of another random real vector, plus a little noise, made unit length.
    Plain noisy copies (MIX 0) put ~300 near-twins of every paper in a million rows,
    which is harder for a graph than real papers are; the mix spreads them out.
    """
    rng = np.random.default_rng(start)
    base = real[np.arange(start, start + count) % len(real)]
    if MIX:
        other = real[rng.integers(0, len(real), count)]
        base = base + other * rng.uniform(0, MIX, (count, 1)).astype(np.float32)
    noise = rng.standard_normal(base.shape).astype(np.float32) * (NOISE / np.sqrt(encoder.DIM))
    out = base + noise
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    unit: Matrix = out.astype(np.float32)
    return unit


def query_texts(titles: list[str], n: int) -> list[str]:
    rng = random.Random(1)
    picked = [t.split() for t in rng.sample(titles, min(len(titles), n * 2))]
    return [" ".join(rng.sample(w, min(3, len(w)))) for w in picked if w][:n]


def query_vectors(texts: list[str], real: Matrix) -> Matrix:
    model = encoder.load(queries=True)
    if model is None:  # no model: noisy paper vectors stand in for queries
        return noisy_copies(real, 10**9, len(texts))
    encoded: Matrix = model.encode(texts)
    return encoded


def write_vectors(ids: npt.NDArray[np.int64], real: Matrix, first: int) -> float:
    """Append ``ids`` with noisy real vectors as node segments; returns the seconds taken."""
    path = dense.folder()
    manifest = dense.Manifest.read(path)
    started = time.perf_counter()
    for at in range(0, len(ids), 200_000):
        chunk = ids[at : at + 200_000]
        vectors = noisy_copies(real, first + at, len(chunk))
        manifest.segments.append(dense._write_segment(path, chunk, vectors))
    manifest.write(path)
    return time.perf_counter() - started


def build_graph() -> None:
    path = dense.folder()
    manifest = dense.Manifest.read(path)
    started = time.perf_counter()
    added = dense.update_graph(path, manifest)
    took = time.perf_counter() - started
    if added:
        report("graph build", {"vectors": added, "seconds": round(took, 1)})


def resident(path: Path, queries: Matrix) -> dict[str, object]:
    """RSS of a fresh process that opens the index at ``path`` and runs the queries."""
    np.save(OUT_DIR / "bench-queries.npy", queries)
    code = f"""
import os, sys, json, numpy as np
sys.path.insert(0, {str(BENCH_DIR.parent / "src")!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
import django; django.setup()
from django.conf import settings
settings.SEARCH_DIR = {str(path)!r}
from dailypapers.search import dense
def mib(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
before = mib("VmRSS:")
store = dense.store()
for q in np.load({str(OUT_DIR / "bench-queries.npy")!r}):
    store.nearest(q, 300)
print(json.dumps({{"rss_mib": round(mib("VmRSS:")), "anon_mib": round(mib("RssAnon:")),
    "file_mib": round(mib("RssFile:")), "python_django_mib": round(before),
    "graph": store.graph is not None}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def vectors_only(count: int, source: Path, queries_n: int) -> None:
    real, titles = real_vectors(source)
    path = OUT_DIR / (f"vectors-{count}" + (f"-mix{MIX}" if MIX else ""))
    settings.SEARCH_DIR = path
    folder = dense.folder()
    manifest = dense.Manifest.read(folder)
    if not manifest.segments:
        took = write_vectors(np.arange(1, count + 1, dtype=np.int64), real, 0)
        report("vectors written", {"vectors": count, "mix": MIX, "seconds": round(took, 1)})
    build_graph()
    store = dense.store()
    assert store is not None
    texts = query_texts(titles, queries_n)
    queries = query_vectors(texts, real)
    exact_store = dense.Store(folder, dense.Manifest.read(folder))  # no graph: the scan
    for label, k in (("top-300 (hybrid candidates)", 300), ("top-10 (similar papers)", 10)):
        samples, exact_samples, recall = [], [], []
        for q in queries:
            started = time.perf_counter()
            got = store.nearest(q, k)
            samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            truth = exact_store.nearest(q, k)
            exact_samples.append(time.perf_counter() - started)
            top = {pk for pk, _ in truth[:10]}
            recall.append(len(top & {pk for pk, _ in got[:10]}) / max(len(top), 1))
        report(
            f"vectors {count}: nearest {label}",
            {
                "graph": store.graph is not None,
                **percentiles(samples),
                "exact_scan": percentiles(exact_samples),
                "recall@10": round(float(np.mean(recall)), 4),
            },
        )
    model = encoder.load(queries=True)
    if model is not None:
        samples = []
        for text in texts:
            started = time.perf_counter()
            model.encode([text])
            samples.append(time.perf_counter() - started)
        report("query embedding", percentiles(samples))
    report(f"vectors {count}: memory of a fresh process", resident(path, queries[:50]))


def fill_vectors(source: Path) -> None:
    real, _ = real_vectors(source)
    store = dense.store()
    have = set(store.sorted_ids.tolist()) if store is not None else set()
    ids = np.asarray(
        [pk for pk in Paper.objects.order_by("pk").values_list("pk", flat=True) if pk not in have],
        dtype=np.int64,
    )
    if len(ids):
        took = write_vectors(ids, real, 0)
        report("vectors written", {"vectors": len(ids), "seconds": round(took, 1)})
    build_graph()


def seeded_sample(n: int, seed: int = 1) -> list[Paper]:
    """The same ``n`` papers on every run over the same data, so that runs before and
    after a change time the same queries."""
    ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True))
    picked = random.Random(seed).sample(ids, min(n, len(ids)))
    found = Paper.objects.in_bulk(picked)
    return [found[pk] for pk in picked if pk in found]


def timed_searches(queries: list[str], papers: list[Paper], warmup: list[str]) -> None:
    os.environ["DAILYPAPERS_SEARCH_FOLLOW_ON_REQUEST"] = "false"
    # As `dailypapers serve` does before forking its workers: what is loaded by now
    # is left out of the cyclic collector's full passes.
    gc.freeze()
    # A running server has touched its indexes' pages before: other queries first.
    for q in warmup:
        engine.search(q, limit=10)
        engine.search(q, use_dense=False, limit=10)
    if warmup:
        print(f"warm-up: {len(warmup)} other queries, lexical and hybrid", flush=True)
    for label, use_dense in (("lexical", False), ("hybrid", True)):
        if use_dense and dense.store() is None:
            print("hybrid: no vectors on this node (build the model, run embed)")
            continue
        if use_dense and encoder.load() is None:
            print("hybrid: no model file (dailypapers search build-model)")
            continue
        engine.search(queries[0], use_dense=use_dense)
        samples = []
        for q in queries:
            started = time.perf_counter()
            engine.search(q, use_dense=use_dense, limit=10)
            samples.append(time.perf_counter() - started)
        report(f"{label} search top-10 incl. database", percentiles(samples))
    samples = []
    for paper in papers:
        started = time.perf_counter()
        neighbours.similar(paper, 6)
        samples.append(time.perf_counter() - started)
    report("similar papers (6) incl. database", percentiles(samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed", type=int, default=0, help="embed up to this many papers")
    parser.add_argument("--no-reindex", action="store_true", help="keep the lexical index")
    parser.add_argument("--fill-vectors", type=Path, metavar="SRC", help="noisy real vectors")
    parser.add_argument("--vectors", type=int, default=0, help="the vector index alone, N rows")
    parser.add_argument("--real", type=Path, metavar="SRC", help="data folder with real vectors")
    parser.add_argument("--mix", type=float, default=0.0, help="see noisy_copies (e.g. 0.7)")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--warmup", type=int, default=100, help="other queries run before timing (0: cold)"
    )
    args = parser.parse_args()
    global MIX
    MIX = args.mix
    at_start = print_machine()
    results["machine"] = at_start
    results["ann_threshold"] = conf.ann_threshold()
    if args.vectors:
        if not args.real:
            raise SystemExit("--vectors needs --real SRC (a data folder with real vectors)")
        vectors_only(args.vectors, args.real, args.queries)
    if not args.skip_search:
        ensure_database()
        papers = Paper.objects.count()
        if not args.no_reindex:
            started = time.perf_counter()
            follow.reindex()
            took = time.perf_counter() - started
            report("lexical reindex", {"papers": papers, "papers_per_s": round(papers / took)})
        if args.embed and encoder.available():
            started = time.perf_counter()
            summary = embed.run(timezone.now(), max_papers=args.embed)
            took = time.perf_counter() - started
            done = int(summary.split()[1]) if summary.startswith("embedded") else 0
            report("embedding", {"docs": done, "docs_per_s": round(done / max(took, 1e-9), 1)})
        index.catch_up()
        if args.fill_vectors:
            fill_vectors(args.fill_vectors)
        rng = random.Random(1)
        sample = seeded_sample(max(args.queries, 50))
        titles = [p.title for p in sample]
        queries = query_texts(titles, args.queries)
        others = [p.title for p in seeded_sample(args.warmup, seed=2)] if args.warmup else []
        store = dense.store()
        report("node", {"papers": papers, "vectors": len(store) if store else 0})
        timed_searches(
            queries,
            rng.sample(sample, min(100, len(sample))),
            query_texts(others, args.warmup) if others else [],
        )
    save_json(result_path("search"), results)
    write_results(args, at_start)


def write_results(args: argparse.Namespace, started: dict[str, str]) -> None:
    """One row per figure, named as printed; the name says what was run."""
    node = results.get("node")
    papers = node.get("papers", 0) if isinstance(node, dict) else 0
    size = human_count(args.vectors) + "-vectors" if args.skip_search else human_count(papers)
    rows = [
        [name, ", ".join(f"{k} {v}" for k, v in value.items() if k != "load"), value.get("load")]
        for name, value in results.items()
        if isinstance(value, dict) and name != "machine"
    ]
    bench_results.write(
        f"search-{size}",
        title=f"bench_search.py: search speed in process, {size}",
        command=bench_results.command_line(__file__, None),
        tables=[bench_results.table(["what", "result", "load"], rows)],
        started=started,
        numbers=results,
    )


if __name__ == "__main__":
    main()
