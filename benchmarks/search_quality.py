"""Search quality on three collections: nDCG@10, recall@100 and MRR@10 of every ranking.

    .venv/bin/python benchmarks/search_quality.py [--collections cranfield,scifact,known-items]
        [--variants hub,hub-lexical,bm25,dense,rrf,convex,...] [--json] [--fresh]

Each collection is imported into a scratch hub of its own (benchmarks/out/quality/NAME:
its SQLite database, lexical index and vectors, kept for the next run) through the
normal import path, indexed and embedded by the hub's own code, and its queries are
run, in a child process per collection, through ``engine.search``: the function the
web page and /api/papers/search call. Baselines beside it:

- ``bm25``: plain BM25 (k1 1.2, b 0.75) over title + abstract, the index's stemmer and
  English stop words, every query word once per occurrence; nothing else;
- ``dense``: the hub's model alone (query vector against every paper vector);
- ``rrf``: reciprocal-rank fusion (k = 60) of bm25 and dense;
- ``convex``: min-max scaled bm25 and dense, 0.5 each ("plain convex fusion").

``hub`` and ``hub-lexical`` (meaning off) are the production search; the ``hub-no-*``
variants switch one ranking feature off to see what it is worth, ``hub-split-fields``
ranks words in the title and abstract fields apart (the ranking before the ``body``
field), and ``hub[module.SETTING=json;...]`` runs any variant with settings changed;
``windows.MODE`` there picks the paper vectors every ranker searches (``windowed``:
abstracts read whole in several windows, titles, or the imported AI summaries), e.g.
``dense[windows.MODE="max"]``.
Words-only runs embed nothing; the results file is named after the collections run
(``-partial`` for another set of variants). Settings are chosen
on the odd query ids of each collection ("tune") and reported on the even ones
("held-out"). Paired randomization tests (10,000 rounds, two-sided) compare every
variant with bm25, with convex and with hub on each split.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import subprocess
import sys
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "src"))

from _quality_data import COLLECTIONS, Collection, Qrels, made_up_id  # noqa: E402

# The scratch hubs; --hubs DIR puts them elsewhere (a second model's vectors beside the
# first's), and is handed on to the child processes.
OUT = BENCH_DIR / "out" / "quality"
DEPTH = 100
Run = dict[str, list[str]]
BASELINES = ("bm25", "dense", "rrf", "convex")
ABLATIONS = (
    "hub-split-fields",
    "hub-no-authors",
    "hub-no-question-words",
    "hub-no-proximity",
    "hub-no-feedback",
)
VARIANTS = ("hub", "hub-lexical", *BASELINES, *ABLATIONS)
# Every variant is tested against these (where they ran); "hub" tells a changed setting
# from the production ranking.
COMPARED = ("bm25", "convex", "hub")
KEYS = ("ndcg@10", "recall@100", "mrr@10", *(f"p vs {base}" for base in COMPARED))


# -- measuring -----------------------------------------------------------------------


def per_query(run: Run, qrels: Qrels, queries: Sequence[str]) -> dict[str, dict[str, float]]:
    """nDCG@10, recall@100 and MRR@10 of each query that has a relevant document."""
    out: dict[str, dict[str, float]] = {}
    for q in queries:
        judged = qrels.get(q, {})
        relevant = {d for d, g in judged.items() if g > 0}
        if not relevant:
            continue
        ranked = run.get(q, [])
        dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
        first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
        out[q] = {
            "ndcg@10": dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal)),
            "recall@100": len(relevant & set(ranked[:100])) / len(relevant),
            "mrr@10": 0.0 if first is None else 1 / (first + 1),
        }
    return out


def mean(scores: dict[str, dict[str, float]], metric: str) -> float:
    return sum(s[metric] for s in scores.values()) / max(len(scores), 1)


def randomization(a: list[float], b: list[float], rounds: int = 10_000) -> float:
    """Two-sided paired randomization test: p-value of mean(a) - mean(b)."""
    import numpy as np

    diffs = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    observed = abs(float(diffs.sum()))
    if not len(diffs) or observed == 0:
        return 1.0
    signs = np.random.default_rng(0).choice((-1.0, 1.0), size=(rounds, len(diffs)))
    hits = int((np.abs(signs @ diffs) >= observed - 1e-12).sum())
    return (hits + 1) / (rounds + 1)


# -- the child: one collection in one scratch hub ------------------------------------


def _needs_vectors(variants: Sequence[str]) -> bool:
    """Whether any variant ranks by meaning (the words-only ones need no embedding)."""
    return any(v.partition("[")[0] not in ("hub-lexical", "bm25") for v in variants)


def _setup(collection: Collection, fresh: bool, vectors: bool = True) -> None:
    """Import, index and embed the collection in the data folder of this process."""
    from django.core.management import call_command
    from django.utils import timezone

    from dailypapers.papers.models import Paper
    from dailypapers.papers.records import PaperRecord
    from dailypapers.papers.services import upsert_papers
    from dailypapers.search import dense, embed, follow

    call_command("migrate", verbosity=0)
    if follow.schema_stale():
        # A hub kept from a run of older code: its words index needs the new fields.
        follow.reindex(fresh=True)
    if not Paper.objects.exists() or fresh:
        started = time.perf_counter()
        if collection.import_path is not None:
            subprocess.run(
                [str(Path(sys.executable).parent / "dailypapers"), "import",
                 str(collection.import_path)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        else:
            records = [
                PaperRecord(
                    arxiv_id=made_up_id(n),
                    title=title or "(untitled)",
                    abstract=abstract,
                    source="benchmark",
                    location=f"{collection.name}:{doc}",
                )
                for n, (doc, title, abstract) in enumerate(collection.docs)
            ]
            for start in range(0, len(records), 500):
                upsert_papers(records[start : start + 500])
        print(
            f"{collection.name}: imported in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
    follow.catch_up()
    if not vectors:
        return
    started = time.perf_counter()
    message = embed.run(timezone.now())
    dense.sync()
    print(f"{collection.name}: {message} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)


@contextlib.contextmanager
def patched(module: object, **values: object) -> Iterator[None]:
    saved = {name: getattr(module, name) for name in values}
    for name, value in values.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


class Matrix:
    """Paper vectors in memory, searched exactly; several rows a paper scored by their best.

    Stands in for ``dense.Store`` when a variant reads papers in other windows
    (``windows.MODE``).
    """

    def __init__(self, owners: Any, vectors: Any) -> None:
        import numpy as np

        order = np.argsort(owners, kind="stable")
        self.owners, self.rows = owners[order], vectors[order]
        self.papers, self.starts = np.unique(self.owners, return_index=True)

    def __len__(self) -> int:
        return len(self.papers)

    def nearest(
        self, query: Any, k: int, exclude: set[int] | None = None
    ) -> list[tuple[int, float]]:
        import numpy as np

        best = np.maximum.reduceat(self.rows @ query, self.starts)
        order = np.argsort(-best, kind="stable")
        out = [(int(self.papers[i]), float(best[i])) for i in order[: k + len(exclude or ())]]
        return [(pk, score) for pk, score in out if pk not in (exclude or set())][:k]


def _kept_vectors(path: Path, papers: int) -> dict[str, Any] | None:
    """Vectors a run kept in the scratch hub's folder, if made for as many papers."""
    import numpy as np

    if path.exists():
        saved = dict(np.load(path))
        if len(saved["papers"]) == papers:
            return saved
    return None


def _model() -> Any:
    from dailypapers.search import encoder

    model = encoder.load()
    assert model is not None, "no search model: pass --model-dir"
    return model


def window_vectors(name: str) -> dict[str, Any]:
    """Every paper's vectors of its further windows and of its title (encoder.windows).

    Kept in the scratch hub's folder (``windows.npz``) for the next run; the first
    window is the paper's stored vector.
    """
    import numpy as np

    from dailypapers.papers.models import Paper
    from dailypapers.search import documents, encoder

    path = OUT / name / f"windows-{encoder.MIN_TAIL}.npz"
    rows = list(Paper.objects.order_by("pk").values_list("pk", "title", "abstract"))
    kept = _kept_vectors(path, len(rows))
    if kept is not None:
        return kept
    model = _model()
    owners: list[int] = []
    pieces: list[int] = []
    tails: list[Any] = []
    started, cpu, extra = time.perf_counter(), time.process_time(), 0
    for pk, title, abstract in rows:
        windows = model.windows(title, documents.embedding_text(title, abstract))[1:]
        if windows:
            tails.append(model.encode_pieces(windows))
            owners.extend([pk] * len(windows))
            pieces.extend(len(w) for w in windows)
            extra += len(windows)
    print(
        f"{name}: {extra} further windows for {len(set(owners))} of {len(rows)} papers"
        f" ({time.perf_counter() - started:.0f} s, {time.process_time() - cpu:.0f} CPU s)",
        file=sys.stderr,
    )
    titles = model.encode([title for _, title, _ in rows])
    saved = {
        "papers": np.asarray([pk for pk, _, _ in rows], dtype=np.int64),
        "titles": titles,
        "owners": np.asarray(owners, dtype=np.int64),
        "pieces": np.asarray(pieces, dtype=np.int64),
        "tails": np.concatenate(tails) if tails else np.zeros((0, encoder.DIM), np.float32),
    }
    np.savez(path, **saved)
    return saved


def summary_vectors(name: str) -> dict[str, Any]:
    """For every paper with an imported AI summary: the vector of "title. summary" and
    of "title. summary abstract" (the summary put before the abstract's head). Kept in
    the scratch hub's folder (``summaries.npz``)."""
    import numpy as np

    from dailypapers.papers.models import Paper

    path = OUT / name / "summaries.npz"
    rows = list(
        Paper.objects.exclude(ai_summary="")
        .order_by("pk")
        .values_list("pk", "title", "ai_summary", "abstract")
    )
    kept = _kept_vectors(path, len(rows))
    if kept is not None:
        return kept
    model = _model()
    started = time.perf_counter()
    saved = {
        "papers": np.asarray([row[0] for row in rows], dtype=np.int64),
        "short": model.encode([f"{title}. {summary}" for _, title, summary, _ in rows]),
        "long": model.encode(
            [f"{title}. {summary} {abstract}" for _, title, summary, abstract in rows]
        ),
    }
    print(
        f"{name}: summary vectors for {len(rows)} papers ({time.perf_counter() - started:.0f} s)",
        file=sys.stderr,
    )
    np.savez(path, **saved)
    return saved


def summarized(name: str, mode: str, stored: Any) -> Any:
    """ "summary": a paper with an AI summary searched by "title. summary abstract";
    "summary-max": by the best of its stored vector and "title. summary"'s;
    "summary-mean": by their mean. Papers without a summary keep their stored vector."""
    import numpy as np

    saved = summary_vectors(name)
    all_ids, heads = stored.lookup(np.asarray(stored_ids(), dtype=np.int64))
    papers = saved["papers"].tolist()
    if mode == "summary-max":
        return Matrix(
            np.concatenate([all_ids, saved["papers"]]), np.concatenate([heads, saved["short"]])
        )
    at = {pk: n for n, pk in enumerate(all_ids.tolist())}
    vectors = heads.copy()
    for row, pk in enumerate(papers):
        if pk not in at:
            continue
        if mode == "summary":
            vectors[at[pk]] = saved["long"][row]
        else:
            both = heads[at[pk]] + saved["short"][row]
            vectors[at[pk]] = both / np.linalg.norm(both)
    return Matrix(all_ids, vectors)


def stored_ids() -> list[int]:
    from dailypapers.papers.models import Paper

    return list(Paper.objects.order_by("pk").values_list("pk", flat=True))


def windowed(name: str, mode: str, stored: Any) -> Any:
    """The vectors of ``mode``: "head" (the stored ones), "mean" or "max" over every
    window, "mean-pieces" (the mean weighted by window length), "title" (titles alone),
    "title-mean" (the mean of the title's and the stored vector); "summary..." see
    ``summarized``."""
    import numpy as np

    from dailypapers.search import encoder

    if mode == "head":
        return stored
    if mode.startswith("summary"):
        return summarized(name, mode, stored)
    saved = window_vectors(name)
    papers = saved["papers"]
    ids, heads = stored.lookup(papers)
    if mode == "title":
        return Matrix(papers, saved["titles"])
    if mode == "title-mean":
        titles = dict(zip(papers.tolist(), saved["titles"], strict=True))
        both = heads + np.stack([titles[pk] for pk in ids.tolist()])
        return Matrix(ids, both / np.linalg.norm(both, axis=1, keepdims=True))
    owners, tails = saved["owners"], saved["tails"]
    if mode == "max":
        return Matrix(np.concatenate([ids, owners]), np.concatenate([heads, tails]))
    weights = saved["pieces"] if mode == "mean-pieces" else np.ones(len(owners))
    head_weight = encoder.MAX_TOKENS if mode == "mean-pieces" else 1.0
    at = {pk: n for n, pk in enumerate(ids.tolist())}
    summed = heads * head_weight
    for owner, weight, tail in zip(owners.tolist(), weights.tolist(), tails, strict=True):
        summed[at[owner]] += weight * tail
    return Matrix(ids, summed / np.linalg.norm(summed, axis=1, keepdims=True))


class Bm25:
    """Plain BM25 over title + abstract with the index's analyser (stems, no stop words)."""

    def __init__(self, docs: dict[int, str], k1: float = 1.2, b: float = 0.75) -> None:
        from dailypapers.search.lexical import STEM

        self.analyse = STEM.analyze
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.length: dict[int, int] = {}
        for pk, text in docs.items():
            counts = Counter(self.analyse(text))
            self.length[pk] = sum(counts.values())
            for term, n in counts.items():
                self.postings.setdefault(term, []).append((pk, n))
        self.average = sum(self.length.values()) / max(len(self.length), 1)
        self.total = len(docs)

    def search(self, text: str, k: int) -> list[tuple[int, float]]:
        scores: dict[int, float] = {}
        for term, count in Counter(self.analyse(text)).items():
            postings = self.postings.get(term, [])
            if not postings:
                continue
            idf = math.log(1 + (self.total - len(postings) + 0.5) / (len(postings) + 0.5))
            for pk, tf in postings:
                norm = tf + self.k1 * (1 - self.b + self.b * self.length[pk] / self.average)
                scores[pk] = scores.get(pk, 0.0) + count * idf * tf * (self.k1 + 1) / norm
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]


def collect(name: str, variants: Sequence[str], fresh: bool) -> dict[str, Run]:
    """Run every variant on one collection; the rankings by the collection's doc ids."""
    import django

    django.setup()
    from dailypapers.papers.models import Paper
    from dailypapers.search import dense, engine, fusion, highlight, lexical

    collection = COLLECTIONS[name]()
    _setup(collection, fresh, _needs_vectors(variants))
    # windows.MODE (see ``windowed``) picks the paper vectors every ranker searches.
    windows = types.SimpleNamespace(MODE="head")
    stores: dict[str, Any] = {}
    production_store = dense.store

    def chosen_store() -> Any:
        if windows.MODE == "head":
            return production_store()
        if windows.MODE not in stores:
            stores[windows.MODE] = windowed(name, windows.MODE, production_store())
        return stores[windows.MODE]

    dense.store = chosen_store
    if collection.import_path is not None:
        to_doc = dict(Paper.objects.values_list("pk", "arxiv_id"))
    else:
        made_up = {made_up_id(n): doc for n, (doc, _, _) in enumerate(collection.docs)}
        to_doc = {pk: made_up[a] for pk, a in Paper.objects.values_list("pk", "arxiv_id")}

    def hub(use_dense: bool = True) -> Callable[[str], list[int]]:
        def run(text: str) -> list[int]:
            # Marking the matched words of 100 abstracts changes no ranking and took
            # most of each query's time: left out here.
            with patched(highlight, segments=lambda *args: []):
                result = engine.search(text, limit=DEPTH, use_dense=use_dense)
            return [hit.paper.pk for hit in result.hits]

        return run

    def no_feedback(use_dense: bool = True) -> Callable[[str], list[int]]:
        def run(text: str) -> list[int]:
            with patched(engine, _second_pass=lambda *args, **kwargs: args[3]):
                return hub(use_dense)(text)

        return run

    def switched(use_dense: bool = True, **values: object) -> Callable[[str], list[int]]:
        def run(text: str) -> list[int]:
            with patched(lexical, **values):
                return hub(use_dense)(text)

        return run

    def configured(variant: str) -> Callable[[str], list[int]]:
        """``hub[fusion.ALPHA=0.3,feedback.TOP_DOCS=3]``: the hub with settings changed."""
        from dailypapers.search import feedback

        modules = {
            "fusion": fusion,
            "lexical": lexical,
            "feedback": feedback,
            "engine": engine,
            "windows": windows,
        }
        base, _, settings = variant.removesuffix("]").partition("[")
        changes: list[tuple[object, str, object]] = []
        for setting in settings.split(";"):
            key, _, value = setting.partition("=")
            module, _, attr = key.strip().partition(".")
            changes.append((modules[module], attr, json.loads(value)))
        inner = runners[base]

        def run(text: str) -> list[int]:
            with contextlib.ExitStack() as stack:
                for module, attr, value in changes:
                    stack.enter_context(patched(module, **{attr: value}))
                return inner(text)

        return run

    bm25: Bm25 | None = None
    vectors: dict[str, object] = {}

    def plain(text: str) -> list[tuple[int, float]]:
        nonlocal bm25
        if bm25 is None:
            bm25 = Bm25(
                {
                    pk: f"{t} {a}"
                    for pk, t, a in Paper.objects.values_list("pk", "title", "abstract")
                }
            )
        return bm25.search(text, 300)

    def meaning(text: str) -> list[tuple[int, float]]:
        key = f"{windows.MODE}|{text}"
        if key not in vectors:
            encoded = dense.encode_query(text)
            vectors[key] = encoded[1].nearest(encoded[0], 300) if encoded else []
        return vectors[key]  # type: ignore[return-value]

    def ids(ranking: list[tuple[int, float]]) -> list[int]:
        return [pk for pk, _ in ranking]

    runners: dict[str, Callable[[str], list[int]]] = {
        "hub": hub(),
        "hub-lexical": hub(use_dense=False),
        "bm25": lambda text: ids(plain(text)),
        "dense": lambda text: ids(meaning(text)),
        "rrf": lambda text: ids(fusion.rrf([plain(text), meaning(text)])),
        "convex": lambda text: ids(fusion.convex(plain(text), meaning(text), 0.5, "minmax")),
        "hub-split-fields": switched(WORD_FIELDS=("title", "abstract")),
        "hub-no-authors": switched(FIELD_WEIGHTS={**lexical.FIELD_WEIGHTS, "authors": 0.0}),
        "hub-no-question-words": switched(QUESTION_WORDS=frozenset()),
        "hub-no-proximity": switched(PROXIMITY_WEIGHT=0.0),
        # The hub without its feedback pass (feedback.py): the first fusion alone.
        "hub-no-feedback": no_feedback(),
    }
    for variant in variants:
        if "[" in variant:
            runners[variant] = configured(variant)
    runs: dict[str, Run] = {}
    for variant in variants:
        started = time.perf_counter()
        runs[variant] = {
            q: [to_doc[pk] for pk in runners[variant](text)[:DEPTH] if pk in to_doc]
            for q, text in collection.queries.items()
        }
        took = (time.perf_counter() - started) / max(len(collection.queries), 1) * 1000
        print(f"{name}: {variant} ({took:.1f} ms a query)", file=sys.stderr)
    if name == "scifact":
        to_pk = {doc: pk for pk, doc in to_doc.items()}
        check = similar_check(collection, to_pk)
        print(f"{name}: similar papers {json.dumps(check)}", file=sys.stderr)
        runs["_similar"] = check  # type: ignore[assignment]
    return runs


def similar_check(collection: Collection, to_pk: dict[str, int], k: int = 10) -> dict[str, float]:
    """Papers judged relevant to the same claim: are they each other's similar papers?

    For every ordered pair (a, b) of papers relevant to one claim: is b among a's k
    nearest by the production ``neighbours.similar`` (meaning, else words), and by
    words alone (``lexical.like``)? Against chance: k / (papers - 1).
    """
    from dailypapers.papers.models import Paper
    from dailypapers.search import follow, neighbours

    index = follow.current()
    groups = [
        [to_pk[d] for d, g in judged.items() if g > 0 and d in to_pk]
        for judged in collection.qrels.values()
    ]
    groups = [g for g in groups if len(g) > 1]
    hits = {"similar": 0, "words": 0}
    pairs = 0
    for group in groups:
        for a in group:
            paper = Paper.objects.get(pk=a)
            shown = {p.pk for p in neighbours.similar(paper, k).papers}
            worded = {pk for pk, _ in index.like(neighbours._as_doc(paper), k)} if index else set()
            for b in group:
                if b != a:
                    pairs += 1
                    hits["similar"] += b in shown
                    hits["words"] += b in worded
    total = Paper.objects.count()
    return {
        "claims": len(groups),
        "pairs": pairs,
        f"similar papers: share in top {k}": round(hits["similar"] / max(pairs, 1), 4),
        f"words alone: share in top {k}": round(hits["words"] / max(pairs, 1), 4),
        f"random: share in top {k}": round(k / max(total - 1, 1), 5),
    }


# -- the parent: children, tables, tests ---------------------------------------------


def child(name: str, variants: Sequence[str], fresh: bool, model_dir: str) -> dict[str, Run]:
    folder = OUT / name
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dailypapers.settings",
        "DAILYPAPERS_DATA_DIR": str(folder),
        "DAILYPAPERS_SEARCH_FOLLOW_INTERVAL": "3600",
    }
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    if model_dir:
        env["DAILYPAPERS_SEARCH_MODEL_DIR"] = model_dir
    out = folder / f"runs-{os.getpid()}.json"  # two runs may share a hub
    command = [sys.executable, __file__, "--child", name, "--variants", ",".join(variants)]
    command += ["--hubs", str(OUT)]
    subprocess.run(
        [*command, *(["--fresh"] if fresh else []), "--out", str(out)], env=env, check=True
    )
    runs: dict[str, Run] = json.loads(out.read_text())
    out.unlink()
    similar = runs.pop("_similar", None)
    if similar:
        print(f"{name}: similar papers: {json.dumps(similar)}", file=sys.stderr)
    return runs


def report(collection: Collection, runs: dict[str, Run]) -> dict[str, object]:
    splits = {
        "tune": collection.tune(),
        "held-out": collection.held(),
        "all": list(collection.queries),
    }
    table: dict[str, object] = {}
    for variant, run in runs.items():
        row: dict[str, object] = {}
        for split, queries in splits.items():
            scores = per_query(run, collection.qrels, queries)
            cell: dict[str, object] = {
                m: round(mean(scores, m), 4) for m in ("ndcg@10", "recall@100", "mrr@10")
            }
            for base in COMPARED:
                if base in runs and base != variant:
                    other = per_query(runs[base], collection.qrels, queries)
                    metric = "mrr@10" if collection.name == "known-items" else "ndcg@10"
                    common = sorted(scores)
                    cell[f"p vs {base}"] = round(
                        randomization(
                            [scores[q][metric] for q in common], [other[q][metric] for q in common]
                        ),
                        4,
                    )
            row[split] = cell
        table[variant] = row
    return table


def _four(value: object) -> str | None:
    return f"{value:.4f}" if isinstance(value, float) and not math.isnan(value) else None


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", default=",".join(COLLECTIONS))
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--model-dir", default=os.environ.get("DAILYPAPERS_SEARCH_MODEL_DIR", ""))
    parser.add_argument("--fresh", action="store_true", help="import the collections again")
    parser.add_argument("--hubs", type=Path, help=f"folder for the scratch hubs (default {OUT})")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Variants are separated by commas; settings inside [] by semicolons.
    variants = [v for v in re.split(r",(?![^\[]*\])", args.variants) if v]
    known = set(VARIANTS)
    unknown = {v.partition("[")[0] for v in variants} - known
    if unknown:
        raise SystemExit(
            f"unknown variants: {', '.join(sorted(unknown))}; known: {', '.join(VARIANTS)}"
        )
    if args.hubs:
        OUT = args.hubs.resolve()
    if args.child:
        Path(args.out).write_text(json.dumps(collect(args.child, variants, args.fresh)))
        return
    import _common
    import results as bench_results

    at_start = _common.machine()
    tables: list[dict[str, object]] = []
    results: dict[str, object] = {}
    for name in [c for c in args.collections.split(",") if c]:
        if name not in COLLECTIONS:
            raise SystemExit(f"unknown collection {name}; known: {', '.join(COLLECTIONS)}")
        collection = COLLECTIONS[name]()
        table = report(collection, child(name, variants, args.fresh, args.model_dir))
        results[name] = table
        rows = [
            [variant, split, *(_four(cell.get(k)) for k in KEYS)]
            for variant, row in table.items()
            for split, cell in row.items()  # type: ignore[attr-defined]
        ]
        columns = ["ranker", "split", "nDCG@10", "R@100", "MRR@10", *KEYS[3:]]
        caption = f"{name}: {len(collection.queries)} queries (tune = odd ids, held-out = even):"
        tables.append({"caption": caption} | bench_results.table(columns, rows))
        if not args.json:
            print(f"\n{name}: {len(collection.queries)} queries (tune = odd ids, held-out = even)")
            heads = ("nDCG@10", "R@100", "MRR@10", *(f"p/{base}" for base in COMPARED))
            print(f"{'ranker':<26} {'split':<9} " + " ".join(f"{h:>8}" for h in heads))
            for variant, row in table.items():
                for split, cell in row.items():  # type: ignore[attr-defined]
                    values = " ".join(f"{cell.get(k, float('nan')):>8.4f}" for k in KEYS)
                    print(f"{variant:<26} {split:<9} {values}")
    # A subset of the collections is named after them; other variants than the default
    # set make a "-partial" file, not meant to be kept.
    name = "search-quality"
    if args.collections != ",".join(COLLECTIONS):
        name += "-" + args.collections.replace(",", "-")
    if args.variants != ",".join(VARIANTS):
        name += "-partial"
    bench_results.write(
        name,
        title="search_quality.py: search quality on three collections",
        command=bench_results.command_line(__file__, None),
        tables=tables,
        started=at_start,
        numbers=results,
    )
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
