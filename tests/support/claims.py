"""Claim holders as another process of this machine would have written them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dailypapers.core import claims


def start_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except FileNotFoundError:
        return "0"


def holder_for(pid: int, *, start: str | None = None, run: str = "", place: str = "") -> str:
    """A holder of this machine for ``pid``, as that process would have written it."""
    host, _, _, own_run, own_place = claims.new_holder().split(":")
    return ":".join(
        [
            host,
            str(pid),
            start_of(pid) if start is None else start,
            run or f"0badc0de-{own_run.split('-')[1]}",
            place or own_place,
        ]
    )


def ended_pid() -> int:
    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()
    return ended.pid
