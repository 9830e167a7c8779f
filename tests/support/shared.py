"""Where the read-only reference data lives: $DAILYPAPERS_SHARED_DATA, then a `shared/data`
folder beside the repository, then /work/shared/data."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _find() -> Path:
    candidates = [
        os.environ.get("DAILYPAPERS_SHARED_DATA", ""),
        str(REPO.parent / "shared" / "data"),
        "/work/shared/data",
    ]
    for candidate in filter(None, candidates):
        path = Path(candidate)
        if (path / "hf-daily-papers").is_dir():
            return path
    raise FileNotFoundError(
        "reference data not found: set DAILYPAPERS_SHARED_DATA to the shared/data folder "
        f"(looked in {', '.join(filter(None, candidates))})"
    )


SHARED_DATA = _find()
