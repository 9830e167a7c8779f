"""Write the tables of benchmarks/README.md from benchmarks/results/*.json.

    .venv/bin/python benchmarks/report.py          # rewrite the section between the markers
    .venv/bin/python benchmarks/report.py --check  # exit 1 if the README is not up to date

Each results file (written by the benchmark's script through results.py) becomes one
section: its title, the command, the date, the commit, the machine, the load average
at the start, then its tables and notes. The README's text outside the markers is
left alone. Needs neither Django nor the project installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
BEGIN = "<!-- results: written by benchmarks/report.py from benchmarks/results/*.json -->"
END = "<!-- /results -->"
# Sections in this order; any other results file follows, by name.
ORDER = [
    "corpus-100k",
    "corpus-1m",
    "import-100k",
    "import-1m",
    "pages",
    "pages-nocache",
    "bench_load",
    "search-1m",
    "parse",
    "hostile",
    "digests",
    "digests-postgresql",
]


def load_all(folder: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(records, key=lambda r: (rank.get(r["name"], len(ORDER)), r["name"]))


def _escape(value: object) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(_escape(c) for c in columns) + " |"]
    lines.append("|" + "---|" * len(columns))
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"row {row!r} does not have the {len(columns)} columns {columns!r}")
        lines.append("| " + " | ".join(_escape(v) for v in row) + " |")
    return lines


def _machine(machine: Mapping[str, str]) -> str:
    """The machine line; a field the record does not state is left out."""
    labels = {"cpu": "", "cores": "", "ram": "", "os": "", "python": "Python "}
    labels |= {"sqlite": "SQLite ", "postgresql": "PostgreSQL "}
    parts = []
    for key, label in labels.items():
        value = machine.get(key)
        if value and value != "?":
            parts.append(f"{value} RAM" if key == "ram" else f"{label}{value}")
    return ", ".join(parts) or "machine not stated"


def render_section(record: Mapping[str, Any]) -> list[str]:
    lines = [f"### {record['title']}", ""]
    lines.append(f"`{record['command']}`  ")
    lines.append(
        f"{record['date']}, commit {record['commit']}, load average at the start "
        f"{record['load_at_start']}  "
    )
    lines.append(f"{_machine(record['machine'])}.")
    if record.get("source"):
        lines += ["", f"*{record['source']}*"]
    for table in record["tables"]:
        lines.append("")
        if table.get("caption"):
            lines += [str(table["caption"]), ""]
        lines += render_table(table["columns"], table["rows"])
    if record.get("notes"):
        lines += ["", str(record["notes"])]
    return [*lines, ""]


def render(records: Sequence[Mapping[str, Any]]) -> str:
    lines = [BEGIN, ""]
    for record in records:
        lines += render_section(record)
    lines.append(END)
    return "\n".join(lines)


def updated(readme: str, generated: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"{README}: the markers {BEGIN!r} and {END!r} are missing")
    head, rest = readme.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return head + generated + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    current = README.read_text()
    wanted = updated(current, render(load_all()))
    if args.check:
        if wanted != current:
            print(f"{README} is not up to date: run benchmarks/report.py", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        README.write_text(wanted)
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
