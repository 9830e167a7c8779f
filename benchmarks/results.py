"""The current figures of each benchmark, one JSON file each in benchmarks/results/.

Every benchmark script ends with :func:`write`, which replaces
``benchmarks/results/<name>.json`` with this run's tables, the commit, the machine and
the load average at the start. ``benchmarks/report.py`` turns those files into the
tables of benchmarks/README.md; figures they replace belong in benchmarks/CHANGELOG.md.

Like _common, this module is imported by its bare name and must not import Django.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import _common

RESULTS_DIR = _common.BENCH_DIR / "results"

# Settings that hold passwords, or only say where this run kept its files.
PRIVATE = {"DAILYPAPERS_SECRET_KEY", "DAILYPAPERS_EMAIL_URL", "DAILYPAPERS_DATABASE_URL"}
Cell = str | int | float | None


def postgresql_version(database_url: str | None) -> str:
    """The server's version when the run used PostgreSQL, else "not used"."""
    if not database_url or not database_url.startswith(("postgres:", "postgresql:")):
        return "not used"
    try:
        import psycopg

        with psycopg.connect(database_url, connect_timeout=5) as conn:
            number = conn.info.server_version  # e.g. 150020
    except Exception:
        return "unknown"
    return f"{number // 10000}.{number % 10000}"


def machine_record(info: Mapping[str, str], database_url: str | None = None) -> dict[str, str]:
    """The machine part of a result, from ``_common.machine()`` taken at the start."""
    return {
        "cpu": info.get("cpu", "?"),
        "cores": info.get("cores", "?"),
        "ram": info.get("ram", "?"),
        "os": info.get("os", "?"),
        "python": info.get("python", "?"),
        "sqlite": info.get("sqlite", "?"),
        "postgresql": postgresql_version(database_url),
    }


def command_line(script: str, argv: Sequence[str] | None) -> str:
    """How the benchmark was run: the hub's settings in the environment (secrets left out),
    the script and its arguments, any database URL reduced to its host."""
    words = [
        f"{key}={shlex.quote(value)}"
        for key, value in sorted(os.environ.items())
        if key.startswith("DAILYPAPERS_") and key not in PRIVATE
    ]
    words.append(f"python benchmarks/{Path(script).name}")
    for word in sys.argv[1:] if argv is None else argv:
        if "://" in word:
            scheme, rest = word.split("://", 1)
            word = f"{scheme}://{rest.rsplit('@', 1)[-1]}"
        words.append(shlex.quote(word))
    return " ".join(words)


def cell(value: object) -> Cell:
    """Numbers as the README shows them: thousands separated, one decimal at most."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> dict[str, object]:
    return {"columns": list(columns), "rows": [[cell(v) for v in row] for row in rows]}


def write(
    name: str,
    *,
    title: str,
    command: str,
    tables: Sequence[Mapping[str, object]],
    started: Mapping[str, str],
    database_url: str | None = None,
    notes: str = "",
    numbers: object = None,
) -> Path:
    """Replace results/<name>.json with this run; ``started`` is _common.machine() at start."""
    record = {
        "name": name,
        "title": title,
        "command": command,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "commit": started.get("code", "unknown"),
        "machine": machine_record(started, database_url),
        "load_at_start": started.get("load", "?").removeprefix("load average "),
        "tables": list(tables),
        "notes": notes,
        "numbers": numbers,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
    # On stderr: some scripts print JSON on stdout.
    sys.stderr.write(
        f"Results: {path.relative_to(_common.REPO_DIR)} (python benchmarks/report.py updates "
        "the README's tables;\n  move the figures it replaces to benchmarks/CHANGELOG.md)\n"
    )
    return path
