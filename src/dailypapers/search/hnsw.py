"""Approximate nearest neighbours for large vector sets: a faiss HNSW graph.

Past ``conf.hnsw_threshold()`` vectors an exact scan costs more than a search
may spend, so dense.py asks this graph for candidates instead. The graph holds
8-bit vectors (a quarter of float32, per-dimension ranges learnt from the first
vectors it was built with) and 32 links per node; dense.py then scores the
candidates again on the exact float32 vectors, so the order it returns is exact
and only what the graph misses is lost (recall is measured by
benchmarks/bench_search.py). Each entry carries the paper id, so a paper whose
vector changed may be found through its old entry too: the exact rescoring uses
its current vector.

faiss ships no type hints; it is imported lazily, and a node without it falls
back to the exact scan (dense.py logs that once).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# 32 links and efConstruction 80 against 16 and 40, at 1M (benchmarks/SEARCH.md):
# recall@10 0.70 against 0.54 at efSearch 400, for a build 8% longer.
LINKS = 32  # faiss "M": links per node (64 on level 0)
EF_CONSTRUCTION = 80
EF_SEARCH = 400  # at least this many candidates are explored (and rescored) per search
TRAIN_SAMPLE = 50_000


def _faiss() -> Any:
    return importlib.import_module("faiss")


def _threads(build: bool) -> None:
    """Builds use every core; a search uses one: faiss's OpenMP threads would only wait
    for each other on one query (15 ms lost per search on a busy 2-core machine)."""
    _faiss().omp_set_num_threads((os.cpu_count() or 1) if build else 1)


def available() -> bool:
    try:
        _faiss()
    except ImportError:
        return False
    return True


class Graph:
    """An HNSW graph over unit vectors, searched by inner product, keyed by paper id."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @classmethod
    def build(cls, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> Graph:
        faiss = _faiss()
        inner = faiss.IndexHNSWSQ(
            vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, LINKS, faiss.METRIC_INNER_PRODUCT
        )
        inner.hnsw.efConstruction = EF_CONSTRUCTION
        _threads(build=True)
        step = max(1, len(vectors) // TRAIN_SAMPLE)
        inner.train(np.ascontiguousarray(vectors[::step], dtype=np.float32))
        graph = cls(faiss.IndexIDMap(inner))
        graph.add(ids, vectors)
        return graph

    def add(self, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> None:
        _threads(build=True)
        for start in range(0, len(ids), 50_000):
            self.index.add_with_ids(
                np.ascontiguousarray(vectors[start : start + 50_000], dtype=np.float32),
                np.ascontiguousarray(ids[start : start + 50_000], dtype=np.int64),
            )

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def save(self, path: Path) -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        _faiss().write_index(self.index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, *, writable: bool = False) -> Graph:
        """Readers map the file (one copy in the page cache for every process)."""
        faiss = _faiss()
        # IO_FLAG_MMAP_IFC maps the 8-bit vectors (the bulk of the file) instead of
        # reading them: ~20 MB of private memory per process at 1M instead of ~540 MB.
        mapped = getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP)
        flags = 0 if writable else mapped | faiss.IO_FLAG_READ_ONLY
        return cls(faiss.read_index(str(path), flags))

    def search(
        self, query: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Up to ``k`` candidate ids (approximate order) and their approximate scores."""
        faiss = _faiss()
        _threads(build=False)
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(EF_SEARCH, k)
        k = min(k, len(self))
        scores, labels = self.index.search(
            np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params
        )
        found = labels[0] >= 0
        return labels[0][found].astype(np.int64), scores[0][found]
