"""Approximate nearest neighbours for large vector sets: a faiss inverted-file index.

Past ``conf.ann_threshold()`` vectors an exact scan costs more than a search may
spend, so dense.py asks this index for candidates instead. The vectors are split
into ``lists_for(n)`` groups around k-means centres (about 2·√n: 2,048 at a
million); a search compares the query with the centres and reads only the nearest
eighth of the groups, whose vectors are kept as 4-bit product-quantised codes (96
bytes instead of 1,536 for float32), scanned with SIMD. dense.py then scores the
600 best candidates again on the exact float32 vectors, so the order it returns is
exact and only what the index misses is lost.

Why not a graph (HNSW): measured on a million vectors made from the real paper
embeddings (benchmarks/SEARCH.md), with short text queries that lie far from every
paper vector, HNSW at 32 links needed 1,600 candidates for recall@10 0.94, while
this index reaches 0.957 reading 600 candidates from an eighth of the lists in
about 3 ms, builds in about 20 s instead of 85 s, and takes less memory.

Each entry carries the paper id, so a paper whose vector changed may be found
through its old entry too: the exact rescoring uses its current vector. When the
collection has grown so much that the groups are too few for it, the worker
builds the index anew (``outgrown``).

faiss ships no type hints; it is imported lazily, and a node without it falls
back to the exact scan (dense.py logs that once).
"""

from __future__ import annotations

import importlib
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

CANDIDATES = 600  # read from the index and rescored exactly per search (at least)
# Each vector as product-quantised codes, 4 bits per pair of dimensions (96 bytes at
# 384 dimensions), laid out for faiss's SIMD "fast scan": at 1M vectors 3.2 ms per
# search for recall@10 0.957 with 600 candidates rescored, against 4.6 ms for 0.962
# with 8-bit scalar codes (384 bytes) and 300 candidates (benchmarks/SEARCH.md).
CODES = "PQ{half}x4fs"
PROBE_SHARE = 8  # an eighth of the lists is searched: recall@10 0.96 at 1M (SEARCH.md)
MIN_PROBES = 16  # small indexes: probing a few more lists costs next to nothing
TRAIN_PER_LIST = 40  # k-means sample: faiss asks for at least 39 points per centre
MIN_LISTS = 16
# Index files are named "ivfpq-<time>.faiss"; any other file (an earlier kind) is replaced.
FILE_PREFIX = "ivfpq-"


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


def lists_for(count: int) -> int:
    """The number of groups for ``count`` vectors: the power of two nearest 2·√count."""
    if count <= 0:
        return MIN_LISTS
    return max(MIN_LISTS, 1 << round(math.log2(2 * math.sqrt(count))))


def probes(lists: int) -> int:
    return min(lists, max(MIN_PROBES, lists // PROBE_SHARE))


class Index:
    """An inverted-file index over unit vectors, searched by inner product, keyed by paper id."""

    def __init__(self, index: Any) -> None:
        self.index = index

    @classmethod
    def build(cls, ids: npt.NDArray[np.int64], vectors: npt.NDArray[np.float32]) -> Index:
        faiss = _faiss()
        dim = vectors.shape[1]
        lists = lists_for(len(vectors))
        spec = f"IVF{lists},{CODES.format(half=dim // 2)}"
        inner = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        inner.cp.verbose = False
        _threads(build=True)
        step = max(1, len(vectors) // (lists * TRAIN_PER_LIST))
        inner.train(np.ascontiguousarray(vectors[::step], dtype=np.float32))
        built = cls(inner)
        built.add(ids, vectors)
        return built

    @property
    def lists(self) -> int:
        """Its number of groups; 0 for a file without groups (an older node's graph)."""
        return int(getattr(self.index, "nlist", 0))

    @property
    def current(self) -> bool:
        """False for an index file of an earlier kind: the worker builds it anew."""
        return type(self.index).__name__ == "IndexIVFPQFastScan"

    def outgrown(self, count: int) -> bool:
        """True when ``count`` vectors call for at least twice as many groups as it has."""
        return not self.current or lists_for(count) >= 2 * self.lists

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
    def load(cls, path: Path, *, writable: bool = False) -> Index:
        """Readers open it read-only, mapped where faiss can map (the fast-scan codes it
        reads into memory: ~100 MB at 1M per process)."""
        faiss = _faiss()
        mapped = getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP)
        flags = 0 if writable else mapped | faiss.IO_FLAG_READ_ONLY
        return cls(faiss.read_index(str(path), flags))

    def search(
        self, query: npt.NDArray[np.float32], k: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Up to ``k`` candidate ids (approximate order) and their approximate scores."""
        faiss = _faiss()
        _threads(build=False)
        params = faiss.SearchParametersIVF()
        params.nprobe = probes(self.lists)
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, labels = self.index.search(
            np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=params
        )
        found = labels[0] >= 0
        return labels[0][found].astype(np.int64), scores[0][found]
