"""One BLAS thread while a reader's profile is built or a list ranked for them.

The products are small (a few hundred vectors of 384 numbers): OpenBLAS's thread pool
costs more than it saves, and on a machine whose cores are all busy its waiting
threads burn CPU (measured: the For-you page of a day, ~100 ms of CPU per request with
the default threads, ~40-60 ms with one; benchmarks/bench_foryou.py). The number of
threads is process-wide, so it is set for the duration of the block and put back.

Finds the OpenBLAS that numpy loaded (bundled as ``scipy_openblas`` or a system
``libopenblas``) among the process's shared libraries; anything else (another BLAS,
no /proc) is left alone.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy  # noqa: F401 - loads the BLAS this module looks for

_NAMES = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)
_lock = threading.Lock()
_depth = 0
_saved = 0


def _find() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = sorted({line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, put in _NAMES:
            if hasattr(lib, get) and hasattr(lib, put):
                return getattr(lib, get), getattr(lib, put)
    return None


_calls = _find()


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with one BLAS thread (nested and concurrent blocks share it)."""
    global _depth, _saved
    if _calls is None:
        yield
        return
    get, put = _calls
    with _lock:
        if _depth == 0:
            _saved = int(get())
            put(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                put(_saved)
