"""The approximate index behind dense.py: recall against the exact scan, files, additions.

Vectors are written straight into the embeddings table (random unit vectors in
clusters, like papers on a few subjects), then copied to the node by
``dense.sync`` as the worker does; a low ``SEARCH_ANN_THRESHOLD`` makes the
node build its index at a few hundred vectors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from django.utils import timezone

from dailypapers.papers.models import Paper
from dailypapers.papers.services import upsert_papers
from dailypapers.search import ann, dense, encoder
from dailypapers.search.models import Embedding
from tests.support.factories import record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ann.available(), reason="faiss is not installed"),
]


@pytest.fixture(autouse=True)
def own_index(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.SEARCH_DIR = tmp_path / "search"
    settings.SEARCH_MODEL_DIR = tmp_path / "no-model"
    settings.SEARCH_FOLLOW_INTERVAL = 0
    settings.SEARCH_ANN_THRESHOLD = 300


def clustered(n: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, encoder.DIM))
    rows = centres[rng.integers(0, 20, n)] + 0.6 * rng.standard_normal((n, encoder.DIM))
    unit: npt.NDArray[np.float32] = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(
        np.float32
    )
    return unit


def store_vectors(first: int, vectors: npt.NDArray[np.float32]) -> list[int]:
    """Papers numbered from ``first`` with these vectors in the embeddings table."""
    names = [f"2605.{first + n:05d}" for n in range(len(vectors))]
    upsert_papers([record(name, title=f"Paper {name}") for name in names])
    rows = dict(Paper.objects.filter(arxiv_id__in=names).values_list("arxiv_id", "pk"))
    stamps = dict(Paper.objects.filter(arxiv_id__in=names).values_list("pk", "modified_at"))
    now = timezone.now()
    Embedding.objects.bulk_create(
        Embedding(
            paper_id=rows[name],
            vector=vector.astype("<f4").tobytes(),
            model=encoder.MODEL_NAME,
            updated_at=now,
            paper_modified_at=stamps[rows[name]],
        )
        for name, vector in zip(names, vectors, strict=True)
    )
    return [rows[name] for name in names]


def exact(
    ids: list[int], vectors: npt.NDArray[np.float32], query: npt.NDArray[np.float32], k: int
) -> list[int]:
    return [ids[i] for i in np.argsort(-(vectors @ query), kind="stable")[:k]]


def test_below_the_threshold_there_is_no_graph() -> None:
    store_vectors(0, clustered(100, seed=1))
    assert dense.sync(graph_work=True) == 100
    manifest = dense.Manifest.read(dense.folder())
    assert manifest.graph == ""
    loaded = dense.store()
    assert loaded is not None and loaded.graph is None


def test_graph_recall_against_exact_search() -> None:
    vectors = clustered(600, seed=2)
    ids = store_vectors(0, vectors)
    dense.sync(graph_work=True)
    manifest = dense.Manifest.read(dense.folder())
    assert manifest.graph and (dense.folder() / manifest.graph).exists()
    assert manifest.covered == manifest.segments
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None and len(loaded.graph) == 600
    queries = clustered(50, seed=3)
    found = 0
    for query in queries:
        got = [pk for pk, _ in loaded.nearest(query, 10)]
        found += len(set(got) & set(exact(ids, vectors, query, 10)))
    assert found / (10 * len(queries)) >= 0.95
    # The scores returned are exact cosines, not the graph's 8-bit estimates.
    top = loaded.nearest(queries[0], 3)
    for pk, score in top:
        assert score == pytest.approx(float(vectors[ids.index(pk)] @ queries[0]), abs=1e-5)


def test_the_graph_file_is_reopened_by_another_process_view() -> None:
    vectors = clustered(400, seed=4)
    ids = store_vectors(0, vectors)
    dense.sync(graph_work=True)
    dense._stores.clear()  # as a freshly started process would see the folder
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None
    assert [pk for pk, _ in loaded.nearest(vectors[7], 1)] == [ids[7]]
    neighbours = dense.neighbours(ids[7], 5)
    assert neighbours is not None and ids[7] not in [pk for pk, _ in neighbours]
    assert [pk for pk, _ in neighbours] == exact(ids, vectors, vectors[7], 6)[1:]


def test_new_vectors_are_found_before_and_after_they_join_the_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = clustered(400, seed=5)
    ids = store_vectors(0, base)
    dense.sync(graph_work=True)
    graph_file = dense.Manifest.read(dense.folder()).graph
    extra = clustered(30, seed=6)
    new_ids = store_vectors(1000, extra)
    # A search-time sync copies them but leaves the graph alone: they are scanned.
    assert dense.sync() == 30
    manifest = dense.Manifest.read(dense.folder())
    assert manifest.graph == graph_file and manifest.segments[-1] not in manifest.covered
    loaded = dense.store()
    assert loaded is not None and len(loaded.scanned) == 1
    assert loaded.nearest(extra[3], 1)[0][0] == new_ids[3]
    # Fewer than a batch: even the worker leaves them to the exact scan.
    dense.sync(graph_work=True)
    assert dense.Manifest.read(dense.folder()).graph == graph_file
    # A full batch: the worker adds them to the graph (a new file; the old one goes).
    monkeypatch.setattr(dense, "GRAPH_BATCH", 30)
    dense.sync(graph_work=True)
    manifest = dense.Manifest.read(dense.folder())
    assert manifest.graph != graph_file and not (dense.folder() / graph_file).exists()
    assert manifest.covered == manifest.segments
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None and loaded.scanned == []
    assert len(loaded.graph) == 430
    assert loaded.nearest(extra[3], 1)[0][0] == new_ids[3]
    assert loaded.nearest(base[3], 1)[0][0] == ids[3]


def test_a_changed_vector_wins_over_its_old_graph_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense, "GRAPH_BATCH", 1)
    vectors = clustered(400, seed=7)
    ids = store_vectors(0, vectors)
    dense.sync(graph_work=True)
    moved = -vectors[0]  # as far as it can be from where it was
    Embedding.objects.filter(paper_id=ids[0]).update(
        vector=moved.astype("<f4").tobytes(), updated_at=timezone.now()
    )
    for graph_work in (False, True):
        dense.sync(graph_work=graph_work)
        loaded = dense.store()
        assert loaded is not None
        hits = loaded.nearest(moved, 5)
        assert hits[0][0] == ids[0] and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [pk for pk, _ in hits].count(ids[0]) == 1
        assert ids[0] not in [pk for pk, _ in loaded.nearest(vectors[0], 5)]


def test_segments_under_a_graph_are_merged_and_stay_covered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dense, "GRAPH_BATCH", 1)
    store_vectors(0, clustered(320, seed=8))
    dense.sync(graph_work=True)
    for n in range(dense.MAX_SEGMENTS + 2):
        store_vectors(2000 + 10 * n, clustered(10, seed=20 + n))
        dense.sync(graph_work=True)
    manifest = dense.Manifest.read(dense.folder())
    assert len(manifest.segments) <= dense.MAX_SEGMENTS
    assert manifest.covered == manifest.segments
    loaded = dense.store()
    assert loaded is not None and len(loaded) == 420


def test_falling_below_the_threshold_drops_the_graph(settings) -> None:  # type: ignore[no-untyped-def]
    store_vectors(0, clustered(350, seed=9))
    dense.sync(graph_work=True)
    graph_file = dense.Manifest.read(dense.folder()).graph
    assert graph_file
    settings.SEARCH_ANN_THRESHOLD = 0  # turned off
    dense.sync(graph_work=True)
    assert dense.Manifest.read(dense.folder()).graph == ""
    assert not (dense.folder() / graph_file).exists()


def test_group_counts_follow_the_collection_size() -> None:
    assert ann.lists_for(0) == ann.MIN_LISTS
    assert ann.lists_for(300) == 32  # 2·√300 ≈ 35
    assert ann.lists_for(1_000_000) == 2048  # 2·√1M = 2,000
    assert ann.probes(2048) == 256  # an eighth
    assert ann.probes(32) == ann.MIN_PROBES
    assert ann.probes(8) == 8  # never more than there are


def test_an_index_outgrown_by_its_collection_is_built_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dense, "GRAPH_BATCH", 1)
    base = clustered(300, seed=10)
    ids = store_vectors(0, base)
    dense.sync(graph_work=True)
    first = dense.Manifest.read(dense.folder()).graph
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None and loaded.graph.lists == 32
    # A little growth: the new vectors join the same groups.
    store_vectors(1000, clustered(50, seed=11))
    dense.sync(graph_work=True)
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None
    assert loaded.graph.lists == 32 and len(loaded.graph) == 350
    # Past 512 vectors 2·√n calls for 64 groups: the index is trained again on all of them.
    more = clustered(250, seed=12)
    more_ids = store_vectors(2000, more)
    dense.sync(graph_work=True)
    manifest = dense.Manifest.read(dense.folder())
    assert manifest.graph != first and manifest.covered == manifest.segments
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None
    assert loaded.graph.lists == 64 and len(loaded.graph) == 600
    assert loaded.nearest(more[5], 1)[0][0] == more_ids[5]
    assert loaded.nearest(base[5], 1)[0][0] == ids[5]


def test_an_index_file_of_an_earlier_kind_is_scanned_past_then_replaced() -> None:
    import faiss

    vectors = clustered(400, seed=13)
    ids = store_vectors(0, vectors)
    dense.sync()  # the segments, no index yet
    path = dense.folder()
    manifest = dense.Manifest.read(path)
    # What a node of an earlier release left: an HNSW graph over the same vectors.
    old = faiss.IndexIDMap(faiss.IndexHNSWFlat(encoder.DIM, 16, faiss.METRIC_INNER_PRODUCT))
    old.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
    faiss.write_index(old, str(path / "graph-old.faiss"))
    manifest.graph, manifest.covered = "graph-old.faiss", list(manifest.segments)
    manifest.write(path)
    loaded = dense.store()
    assert loaded is not None and loaded.graph is None  # exact scan meanwhile
    assert loaded.nearest(vectors[9], 1)[0][0] == ids[9]
    dense.sync(graph_work=True)
    manifest = dense.Manifest.read(path)
    assert manifest.graph != "graph-old.faiss" and not (path / "graph-old.faiss").exists()
    loaded = dense.store()
    assert loaded is not None and loaded.graph is not None and loaded.graph.current
    assert loaded.nearest(vectors[9], 1)[0][0] == ids[9]
