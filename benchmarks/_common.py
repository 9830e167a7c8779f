"""Helpers shared by the benchmark scripts: paths, the machine description, timing.

The scripts are run as files (``python benchmarks/bench_import.py``), so this module
is imported by its bare name; it must not import Django, because the generator and
the HTTP client run without it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored: corpora, data folders, server logs
SHARED_DATA = Path("/work/shared/data")
HF_DAILY = SHARED_DATA / "hf-daily-papers"
VENV_BIN = Path(sys.executable).parent


def dailypapers_bin() -> str:
    """The ``dailypapers`` console script of the interpreter running the benchmark."""
    candidate = VENV_BIN / "dailypapers"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dailypapers")
    if not found:
        raise SystemExit("dailypapers command not found; run with the project's venv python")
    return found


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return "?"


def db_backend(database_url: str | None) -> str:
    if not database_url:
        return f"SQLite {sqlite3.sqlite_version} (WAL, file in the data folder)"
    scheme = database_url.split(":", 1)[0]
    return f"{scheme} ({database_url.split('@')[-1]})"  # never print a password


def code_version() -> str:
    """The commit measured, and whether src/ had uncommitted changes at the time."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_DIR), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}{' + uncommitted changes in src/' if dirty else ''}"


def machine(database_url: str | None = None) -> dict[str, str]:
    """What the numbers were measured on; printed by every benchmark."""
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": f"{usable} usable ({cores} online)",
        "ram": f"{_ram_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
        "db": db_backend(database_url),
        "code": code_version(),
        # Other work on the machine skews wall-clock numbers; say how busy it was.
        "load": "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def print_machine(database_url: str | None = None) -> dict[str, str]:
    info = machine(database_url)
    print("Machine")
    for key, value in info.items():
        print(f"  {key:<9} {value}")
    sys.stdout.flush()
    return info


def peak_rss_mib_self() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass
class RunResult:
    seconds: float
    cpu_seconds: float  # user + system of the child: robust to other load on the machine
    returncode: int
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_measured(
    argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> RunResult:
    """Run a command; wall time and the child's own peak RSS (from wait4, not the tree)."""
    out_path = OUT_DIR / f".run-{os.getpid()}.out"
    err_path = OUT_DIR / f".run-{os.getpid()}.err"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # Files rather than pipes, so a chatty child never blocks on a full pipe while
    # we sit in wait4.
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = RunResult(
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        returncode=proc.returncode,
        peak_rss_mib=usage.ru_maxrss / 1024,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return result


def result_path(kind: str) -> Path:
    """A new file under out/results/ for one run's numbers."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_%H%M%S")
    return OUT_DIR / "results" / f"{kind}-{stamp}.json"


def save_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def latency_summary(ordered: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max in ms of request latencies in seconds, sorted (0 for none)."""

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0

    return {
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else 0.0,
    }


def human_count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)
