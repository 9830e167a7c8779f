"""benchmarks/README.md shows what benchmarks/results/*.json hold, and nothing stale.

The tables between the README's markers are made by benchmarks/report.py; these tests
fail when somebody edits a table by hand or commits a results file without running it.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

from tests.support.shared import REPO

BENCH = REPO / "benchmarks"


def _report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_report", BENCH / "report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _records() -> list[tuple[Path, dict[str, object]]]:
    return [(p, json.loads(p.read_text())) for p in sorted((BENCH / "results").glob("*.json"))]


def test_the_readme_tables_are_what_report_py_makes_of_the_results() -> None:
    report = _report()
    readme = (BENCH / "README.md").read_text()
    assert readme.count(report.BEGIN) == 1 and readme.count(report.END) == 1
    assert report.updated(readme, report.render(report.load_all())) == readme, (
        "benchmarks/README.md differs from benchmarks/results/*.json: "
        "run .venv/bin/python benchmarks/report.py"
    )


def test_every_results_file_says_what_was_measured_where_and_when() -> None:
    records = _records()
    assert len(records) >= 8
    for path, record in records:
        assert record["name"] == path.stem, path
        for key in ("title", "command", "commit", "load_at_start"):
            assert isinstance(record[key], str) and record[key], (path.name, key)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(record["date"])), path.name
        machine = record["machine"]
        assert isinstance(machine, dict) and machine, path.name
        tables = record["tables"]
        assert isinstance(tables, list) and tables, path.name
        for table in tables:
            columns, rows = table["columns"], table["rows"]
            assert rows, path.name
            assert all(len(row) == len(columns) for row in rows), path.name


def test_the_report_renders_a_row_per_result_row() -> None:
    report = _report()
    lines = report.render_table(["a", "b"], [["1", None], ["x|y", "2"]])
    assert lines == ["| a | b |", "|---|---|", "| 1 | — |", "| x\\|y | 2 |"]


def test_every_benchmark_script_writes_its_results_file() -> None:
    scripts = [*sorted(BENCH.glob("bench_*.py")), *sorted(BENCH.glob("*_quality.py"))]
    scripts += [BENCH / "generate_corpus.py", BENCH / "foryou_eval.py"]
    assert len(scripts) >= 10
    for script in scripts:
        source = script.read_text()
        imported = re.search(r"^\s*import results(?: as (\w+))?\b", source, re.MULTILINE)
        assert imported, script.name
        assert f"{imported.group(1) or 'results'}.write(" in source, script.name


def test_the_benchmarks_readme_names_only_scripts_that_exist() -> None:
    """Its commands and descriptions; the changelog may name what has since gone."""
    text = (BENCH / "README.md").read_text()
    named = set(re.findall(r"benchmarks/([a-z_]+\.py)\b", text))
    named |= set(re.findall(r"^## ([a-z_]+\.py):", text, re.MULTILINE))
    assert {"bench_import.py", "report.py"} <= named
    missing = {name for name in named if not (BENCH / name).exists()}
    assert not missing, f"benchmarks/README.md names scripts that do not exist: {missing}"
