"""Hostile import files: memory stays bounded, output stays short, nothing is lost silently.

Each file is made here, in the test's folder. Memory is measured with tracemalloc
(what Python allocates while the import runs), so the limits hold on any machine.
"""

from __future__ import annotations

import gzip
import json
import re
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from dailypapers.ingest import formats
from dailypapers.ingest.pipeline import run_import
from dailypapers.papers import records
from dailypapers.papers.models import Paper
from tests.support.commands import run_import_command
from tests.support.factories import hf_entry

T = TypeVar("T")
MiB = 1 << 20


def traced(work: Callable[[], T]) -> tuple[T, int]:
    """What ``work`` returns, and the most memory Python held at once while it ran."""
    tracemalloc.start()
    try:
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def integers(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "integers.json"
    with path.open("w") as handle:
        handle.write("[")
        handle.write(",".join(str(100_000 + i) for i in range(count)))
        handle.write("]")
    return path


@pytest.mark.django_db
def test_a_long_list_of_integers_prints_a_bounded_number_of_problems(tmp_path: Path) -> None:
    path = integers(tmp_path, 300_000)
    status, out, err = run_import_command(str(path))
    assert status == 2
    lines = err.splitlines()
    assert len(lines) < 110
    assert sum(line.startswith("skipped ") for line in lines) == 100
    assert re.search(r"… and \d+ more problems", err)
    assert "Nothing could be imported." in err
    assert "0 new" in out


@pytest.mark.django_db
def test_a_long_list_of_integers_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = integers(tmp_path, 300_000)
    summary, peak = traced(lambda: run_import([path], worker=False))
    assert summary.imported == 0 and summary.skipped > 100
    assert len(summary.problems) <= 1000
    assert peak < 16 * MiB


def _with_long_line(path: Path, length: int) -> None:
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(json.dumps(hf_entry("2604.00001")).encode() + b"\n")
        handle.write(b'{"paper": {"id": "2604.00002", "title": "')
        block = b"a" * MiB
        for _ in range(length // MiB):
            handle.write(block)
        handle.write(b'"}}\n')
        handle.write(json.dumps(hf_entry("2604.00003")).encode() + b"\n")


def _second_skipped(path: Path, location: str, reason: str) -> None:
    """Importing ``path`` skips its second record only, in memory bounded by the limit."""
    summary, peak = traced(lambda: run_import([path], worker=False))
    assert [str(p) for p in summary.problems] == [f"{path}:{location}: {reason}"]
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == [
        "2401.00001" if "explorer" in path.name else "2604.00001",
        "2401.00003" if "explorer" in path.name else "2604.00003",
    ]
    assert peak < 3 * formats.RECORD_LIMIT


LIMIT = f"{formats.RECORD_LIMIT // MiB} MiB"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["long.jsonl.gz", "long.json.gz"])
def test_an_overlong_line_is_skipped_while_streaming(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _with_long_line(path, 5 * formats.RECORD_LIMIT)
    _second_skipped(path, "2", f"line longer than {LIMIT}; skipped")


@pytest.mark.django_db
def test_an_overlong_entry_of_a_json_list_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    big = hf_entry("2604.00002", summary="b" * (formats.RECORD_LIMIT + 10))
    path.write_text(json.dumps([hf_entry("2604.00001"), big, hf_entry("2604.00003")]))
    _second_skipped(path, "entry 2", f"entry longer than {LIMIT}; skipped")


@pytest.mark.django_db
def test_an_overlong_entry_of_a_paperexplorer_object_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "explorer.json"

    def paper(abstract: str) -> dict[str, Any]:
        return {"title": "T", "authors": ["A"], "abstract": abstract}

    entries = {
        "2401.00001": paper("x"),
        "2401.00002": paper('"]}\\' * (formats.RECORD_LIMIT // 4 + 1)),
    }
    entries["2401.00003"] = paper('a "quoted" \\ ] } abstract')
    path.write_text(json.dumps(entries))
    _second_skipped(path, "2401.00002", f"entry longer than {LIMIT}; skipped")


def _long(**fields: Any) -> dict[str, Any]:
    return hf_entry("2604.00001", **fields)


@pytest.mark.django_db
def test_overlong_text_is_cut_to_its_limit_and_reported(tmp_path: Path) -> None:
    limits = records.TEXT_LIMITS
    entry = _long(
        title="T" * (limits["title"] + 500),
        summary="word " * (limits["abstract"] // 2),
        ai_summary="s" * (limits["ai_summary"] + 1),
        ai_keywords=["k" * (limits["keyword"] + 1), "fine"],
        authors=[{"name": "N" * (limits["author"] + 1)}, {"name": "Ada Lovelace"}],
        projectPage="https://example.org/" + "p" * records.DROP_LIMITS["project_page"],
    )
    path = tmp_path / "long.json"
    path.write_text(json.dumps([entry, hf_entry("2604.00002")]))
    status, out, err = run_import_command(str(path))
    assert status == 1
    assert out.strip() == (
        "Imported 1 files: 2 new, 0 updated, 0 unchanged, 0 skipped, 1 shortened."
    )
    paper = Paper.objects.get(arxiv_id="2604.00001")
    assert len(paper.title) == limits["title"]
    assert len(paper.abstract) <= limits["abstract"]
    assert paper.abstract.startswith("word word")
    assert len(paper.ai_summary) == limits["ai_summary"]
    assert paper.ai_keywords == ["k" * limits["keyword"], "fine"]
    assert [a.name for a in paper.authors.order_by("position")] == [
        "N" * limits["author"],
        "Ada Lovelace",
    ]
    assert paper.project_page == ""
    shown = [line for line in err.splitlines() if line.startswith("shortened ")]
    assert len(shown) == 1
    for field in ("title", "abstract", "ai_summary", "ai keyword", "author name"):
        assert field in shown[0]
    assert "1 records shortened" in err


@pytest.mark.django_db
def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n")
    for path in (empty, blank):
        status, _, err = run_import_command(str(path))
        assert status == 2
        assert f"skipped {path}: the file is empty" in err
    good = tmp_path / "good.json"
    good.write_text(json.dumps([hf_entry("2604.00001")]))
    status, _, _ = run_import_command(str(good), str(empty))
    assert status == 1
