"""Search settings, read from the environment (settings.py only lists the app).

A test or a deployment may also set ``SEARCH_DIR`` in Django settings; it wins, so
each test can have an index of its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings

from dailypapers import config

_made: set[Path] = set()


def made(path: Path) -> Path:
    """``path``, created with its parents the first time this process asks for it: a
    search asks several times, and a stat is cheaper than a mkdir of an existing
    folder."""
    if path not in _made or not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        _made.add(path)
    return path


def index_dir() -> Path:
    """The folder of this node's derived search data: lexical index, vectors, state."""
    explicit = getattr(settings, "SEARCH_DIR", None)
    return made(Path(explicit) if explicit else Path(settings.DATA_DIR) / "search")


def model_dir() -> Path:
    """Where the exported ONNX encoder lives: built once, shared by every process."""
    explicit = getattr(settings, "SEARCH_MODEL_DIR", None) or config.env_str(
        "DAILYPAPERS_SEARCH_MODEL_DIR"
    )
    return Path(explicit) if explicit else Path(settings.DATA_DIR) / "models"


def model_autobuild() -> bool:
    """Whether the worker builds the encoder from the packaged weights when it is missing."""
    value = getattr(settings, "SEARCH_MODEL_AUTOBUILD", None)
    if value is None:
        return config.env_bool("DAILYPAPERS_SEARCH_MODEL_AUTOBUILD", True)
    return bool(value)


def overlap() -> dt.timedelta:
    """How far back each catch-up looks again for rows committed late.

    ``modified_at`` is taken when a row is written, not when its transaction
    commits, so a long import transaction can commit rows older than the cursor.
    The window must exceed the longest write transaction.
    """
    seconds = getattr(settings, "SEARCH_OVERLAP_SECONDS", None)
    if seconds is None:
        seconds = config.env_int("DAILYPAPERS_SEARCH_OVERLAP_SECONDS", 300)
    return dt.timedelta(seconds=seconds)


def follow_interval() -> float:
    """Seconds between two catch-ups started by searches in one process (0: every search)."""
    value = getattr(settings, "SEARCH_FOLLOW_INTERVAL", None)
    if value is None:
        value = config.env_int("DAILYPAPERS_SEARCH_FOLLOW_INTERVAL", 2)
    return float(value)


def follow_on_request() -> bool:
    value = getattr(settings, "SEARCH_FOLLOW_ON_REQUEST", None)
    if value is None:
        return config.env_bool("DAILYPAPERS_SEARCH_FOLLOW_ON_REQUEST", True)
    return bool(value)


def dense_enabled() -> bool:
    value = getattr(settings, "SEARCH_DENSE", None)
    if value is None:
        return config.env_bool("DAILYPAPERS_SEARCH_DENSE", True)
    return bool(value)


def feedback_enabled() -> bool:
    """Whether hybrid searches run the feedback pass (feedback.py): better rankings on
    every collection measured, for about 1 ms a search at 3k papers and 2-4 ms at 1M
    (the candidates' vectors are read again)."""
    value = getattr(settings, "SEARCH_FEEDBACK", None)
    if value is None:
        return config.env_bool("DAILYPAPERS_SEARCH_FEEDBACK", True)
    return bool(value)


def ann_threshold() -> int:
    """From this many vectors on, a node searches an approximate index instead of them all.

    The exact scan reads every vector (1.5 KB each) twice per hybrid search: about
    0.3 ms per thousand vectors here, so 20k cost ~6 ms and 1M ~30-40 ms. The index
    (ann.py) answers in 3-4 ms at 1M, and is built by the worker (``search.follow``)
    and by ``dailypapers search catch-up``, never by a search (~20 s per million
    vectors on 2 cores). 0 turns it off.
    """
    value = getattr(settings, "SEARCH_ANN_THRESHOLD", None)
    if value is None:
        value = config.env_int("DAILYPAPERS_SEARCH_ANN_THRESHOLD", 20_000)
    return int(value)
