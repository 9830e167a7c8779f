"""Search quality on Cranfield: nDCG@10, MAP and recall@100 for lexical, dense and hybrid.

    .venv/bin/python benchmarks/search_quality.py [--model-dir DIR] [--max-tokens N] [--json]

Runs the production pieces (the tantivy schema, analysers and query builder of
dailypapers.search.lexical, the ONNX encoder, the fusion functions) on the 1,400
Cranfield abstracts and 225 queries. Settings are chosen on the odd-numbered
queries (tuning half) and reported on the even-numbered ones (held-out half), so
the held-out figure is not fitted to its own queries. Document vectors are
cached in benchmarks/out/ (keyed by the model file), so a second run takes seconds.
Without a model file only the lexical figures are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
os.environ.setdefault("DAILYPAPERS_DATA_DIR", str(BENCH_DIR / "out" / "quality-data"))

import django  # noqa: E402

django.setup()

from dailypapers.search import feedback, fusion, lexical  # noqa: E402
from dailypapers.search.documents import Doc, embedding_text  # noqa: E402
from dailypapers.search.querylang import Filters, ParsedQuery  # noqa: E402

CRANFIELD = Path("/work/shared/data/cranfield")
DEPTH = 300
Run = dict[int, list[tuple[int, float]]]
Qrels = dict[int, dict[int, int]]


def _fields(path: Path) -> list[dict[str, str]]:
    """SMART format: ``.I n`` starts a record, ``.X`` starts field X."""
    records: list[dict[str, str]] = []
    key = ""
    for line in path.read_text().splitlines():
        if line.startswith(".I"):
            records.append({"I": line[2:].strip()})
            key = ""
        elif len(line) == 2 and line.startswith("."):
            key = line[1]
            records[-1][key] = ""
        elif key:
            records[-1][key] += line + " "
    return records


def load() -> tuple[list[Doc], dict[int, str], Qrels]:
    docs = [
        Doc(
            id=int(r["I"]),
            arxiv_id=r["I"],
            title=" ".join(r.get("T", "").split()),
            abstract=" ".join(r.get("W", "").split()),
            authors=" ".join(r.get("A", "").split()),
            categories="",
            organization="",
            has_code=False,
            on_daily=False,
            published=None,
            modified_at=None,  # type: ignore[arg-type]
        )
        for r in _fields(CRANFIELD / "cran.all.1400")
    ]
    # The judgments number the queries 1..225 in file order, not by their .I.
    queries = {
        n: " ".join(r.get("W", "").split())
        for n, r in enumerate(_fields(CRANFIELD / "cran.qry"), 1)
    }
    qrels: Qrels = {}
    for line in (CRANFIELD / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            query, doc, grade = int(parts[0]), int(parts[1]), int(parts[2])
            # Grade 1 is a complete answer, 4 of minimum interest, -1 of none.
            qrels.setdefault(query, {})[doc] = 5 - grade if 1 <= grade <= 4 else 0
    return docs, queries, qrels


def metrics(run: Run, qrels: Qrels, queries: Sequence[int]) -> dict[str, float]:
    ndcg = ap = recall = 0.0
    counted = 0
    for q in queries:
        judged = qrels.get(q, {})
        relevant = {d for d, g in judged.items() if g > 0}
        if not relevant:
            continue
        counted += 1
        ranked = [d for d, _ in run.get(q, [])]
        dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
        ndcg += dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        hits, precision_sum = 0, 0.0
        for i, d in enumerate(ranked):
            if d in relevant:
                hits += 1
                precision_sum += hits / (i + 1)
        ap += precision_sum / len(relevant)
        recall += len(relevant & set(ranked[:100])) / len(relevant)
    return {"ndcg@10": ndcg / counted, "map": ap / counted, "recall@100": recall / counted}


def build_index(docs: list[Doc], folder: Path) -> lexical.LexicalIndex:
    index = lexical.LexicalIndex(folder)
    writer = index.writer(threads=1)
    lexical.LexicalIndex.put(writer, docs)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def lexical_run(
    index: lexical.LexicalIndex, queries: dict[int, str], weights: dict[str, float] | None = None
) -> Run:
    if weights:
        lexical.FIELD_WEIGHTS.update(weights)
    # Queries go in whole: the 250-character limit is the search box's, not the ranker's.
    return {
        q: index.search(ParsedQuery(raw=text, words=text.split()), Filters(), DEPTH)
        for q, text in queries.items()
    }


Vectors = dict[int, np.ndarray]


def dense_run(
    docs: list[Doc], queries: dict[int, str], model_dir: Path, max_tokens: int = 0
) -> tuple[Run, float, Vectors, Vectors]:
    """Dense ranking; ``max_tokens`` (when set) cuts documents shorter than the encoder does."""
    from dailypapers.search.encoder import BATCH, MAX_TOKENS, MODEL_FILE, Encoder

    encoder = Encoder(model_dir)
    digest = hashlib.sha256((model_dir / MODEL_FILE).read_bytes()).hexdigest()[:12]
    window = ""
    if max_tokens and max_tokens != MAX_TOKENS:
        encoder.tokenizer.enable_truncation(max_tokens)
        window = f"-{max_tokens}"
    # Vectors depend on how many texts share a call (encoder.BATCH): part of the key.
    cache = BENCH_DIR / "out" / f"cranfield-vectors-{digest}{window}-b{BATCH}.npy"
    rate = 0.0
    if cache.exists():
        doc_vectors = np.load(cache)
    else:
        texts = [embedding_text(d.title, d.abstract) for d in docs]
        started = time.perf_counter()
        doc_vectors = encoder.encode(texts)
        rate = len(texts) / (time.perf_counter() - started)
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, doc_vectors)
    ids = np.array([d.id for d in docs])
    query_vectors = encoder.encode(list(queries.values()))
    run: Run = {}
    for q, vector in zip(queries, query_vectors, strict=True):
        scores = doc_vectors @ vector
        top = np.argsort(-scores)[:DEPTH]
        run[q] = [(int(ids[i]), float(scores[i])) for i in top]
    by_doc = {d.id: doc_vectors[n] for n, d in enumerate(docs)}
    by_query = dict(zip(queries, query_vectors, strict=True))
    return run, rate, by_doc, by_query


def second_pass(
    index: lexical.LexicalIndex,
    docs: list[Doc],
    queries: dict[int, str],
    first: Run,
    first_lexical: Run,
    doc_vectors: Vectors,
    query_vectors: Vectors,
) -> Run:
    """engine._second_pass on this collection: the same feedback functions and fusion."""
    by_id = {d.id: d for d in docs}
    ids = np.array(list(doc_vectors))
    matrix = np.stack([doc_vectors[i] for i in ids])
    run: Run = {}
    for q in queries:
        top = [pk for pk, _ in first[q][: feedback.TOP_DOCS]]
        extra = feedback.expansion(index, [f"{by_id[pk].title} {by_id[pk].abstract}" for pk in top])
        lex = index.expanded(first_lexical[q], extra, Filters(), DEPTH)
        nearest = [pk for pk, _ in first[q][: feedback.TOP_VECTORS]]
        vector = feedback.expanded_vector(query_vectors[q], [doc_vectors[pk] for pk in nearest])
        if feedback.RESCORE_CANDIDATES:
            pool = [pk for pk, _ in first[q]]
            pool_scores = np.stack([doc_vectors[pk] for pk in pool]) @ vector
            order = np.argsort(-pool_scores, kind="stable")[:DEPTH]
            semantic = [(pool[i], float(pool_scores[i])) for i in order]
        else:
            scores = matrix @ vector
            best = np.argsort(-scores)[:DEPTH]
            semantic = [(int(ids[i]), float(scores[i])) for i in best]
        run[q] = fusion.fuse(lex, semantic, fusion.ALPHA_FEEDBACK)
    return run


@contextlib.contextmanager
def plain_words() -> Iterator[None]:
    """The query builder without question-word removal and proximity bonus (for comparison)."""
    saved = lexical.QUESTION_WORDS, lexical.PROXIMITY_WEIGHT
    lexical.QUESTION_WORDS, lexical.PROXIMITY_WEIGHT = frozenset(), 0.0
    try:
        yield
    finally:
        lexical.QUESTION_WORDS, lexical.PROXIMITY_WEIGHT = saved


def fused(
    lex: Run,
    den: Run,
    how: Callable[[list[tuple[int, float]], list[tuple[int, float]]], list[tuple[int, float]]],
) -> Run:
    return {q: how(lex[q], den.get(q, [])) for q in lex}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=0,
        help="cut documents at this many word pieces (default: the encoder's window)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from dailypapers.search import conf, encoder

    model_dir = args.model_dir or conf.model_dir()
    docs, queries, qrels = load()
    tune = [q for q in queries if q % 2 == 1]
    held = [q for q in queries if q % 2 == 0]
    everything = list(queries)
    report: dict[str, dict[str, dict[str, float]]] = {}

    def record(name: str, run: Run) -> None:
        report[name] = {
            "tune": metrics(run, qrels, tune),
            "held-out": metrics(run, qrels, held),
            "all": metrics(run, qrels, everything),
        }

    folder = tempfile.TemporaryDirectory()
    index = build_index(docs, Path(folder.name))
    # Field weights: chosen on the tuning half.
    best_weights, best_score, lex = {}, -1.0, {}
    for title in (1.0, 1.5, 2.0, 3.0):
        for authors in (0.5, 1.0):
            weights = {"title": title, "abstract": 1.0, "authors": authors}
            run = lexical_run(index, queries, weights)
            score = metrics(run, qrels, tune)["ndcg@10"]
            if score > best_score:
                best_weights, best_score, lex = weights, score, run
    record("lexical, all fields 1.0", lexical_run(index, queries, dict.fromkeys(best_weights, 1.0)))
    lexical.FIELD_WEIGHTS.update(best_weights)
    with plain_words():
        plain = lexical_run(index, queries)
        record("lexical, question words kept, no proximity", plain)
    record(f"lexical (title {best_weights['title']}, authors {best_weights['authors']})", lex)

    if encoder.available(model_dir):
        den, rate, doc_vectors, query_vectors = dense_run(docs, queries, model_dir, args.max_tokens)
        record("dense (MiniLM-L6 int8)", den)
        record("hybrid: RRF k=60", fused(lex, den, lambda a, b: fusion.rrf([a, b])))
        best_alpha, best = 0.5, -1.0
        for alpha in [i / 20 for i in range(21)]:
            run = {q: fusion.convex(lex[q], den.get(q, []), alpha) for q in lex}
            score = metrics(run, qrels, tune)["ndcg@10"]
            if score > best:
                best_alpha, best = alpha, score
        record(
            f"hybrid: convex alpha={best_alpha:.2f} (tuned)",
            fused(lex, den, lambda a, b: fusion.convex(a, b, best_alpha)),
        )
        first = fused(lex, den, fusion.fuse)
        record(f"hybrid: fuse (alpha={fusion.ALPHA})", first)
        with plain_words():
            plain_first = fused(plain, den, fusion.fuse)
            record(
                "hybrid + feedback, question words kept, no proximity",
                second_pass(index, docs, queries, plain_first, plain, doc_vectors, query_vectors),
            )
        record(
            "hybrid: fuse + feedback (production)",
            second_pass(index, docs, queries, first, lex, doc_vectors, query_vectors),
        )
        if rate:
            print(f"document embedding: {rate:.1f} docs/s (Cranfield abstracts)", file=sys.stderr)
    else:
        print(f"no model file in {model_dir}: lexical only", file=sys.stderr)
    folder.cleanup()

    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return
    print(f"{'ranker':<54} {'split':<9} {'nDCG@10':>8} {'MAP':>7} {'R@100':>7}")
    for name, splits in report.items():
        for split, m in splits.items():
            scores = f"{m['ndcg@10']:>8.4f} {m['map']:>7.4f} {m['recall@100']:>7.4f}"
            print(f"{name:<54} {split:<9} {scores}")


if __name__ == "__main__":
    main()
