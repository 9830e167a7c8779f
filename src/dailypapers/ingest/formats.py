"""Read paper files of every supported shape into normalized records.

Each reader yields ``PaperRecord`` for good records and ``Problem`` for bad ones,
so one broken entry never stops the rest of a file.

Supported shapes (the shape is detected from the content, not the file name):
- ``hf-daily``: the Hugging Face daily-papers API, a JSON list of entries
  ``{paper: {...}, title, publishedAt, numComments, ...}`` (2024 and 2026 variants),
  or the same entries one per line (JSON Lines).
- ``paperexplorer``: a JSON object ``arxiv_id -> {url, title, authors, abstract,
  publication_date, upvotes}`` scraped from the daily list.
- ``arxiv-snapshot``: the arXiv metadata snapshot, JSON Lines, one paper per line;
  these papers are not on any daily list.

Problems are located as ``file:line`` in JSON Lines, ``file:entry N`` in a JSON
list, ``file:KEY`` in a PaperExplorer object, and plain ``file`` for the whole file.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from dailypapers.ingest import sources
from dailypapers.ingest.sources import BadRecord
from dailypapers.papers.records import PaperRecord

FILE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_LINE_SUFFIXES = (".jsonl", ".ndjson")
_BOM = b"\xef\xbb\xbf"
# How many lines to look at when telling JSON Lines from one indented document.
_SNIFF_LINES = 5
# Reading errors of a damaged or truncated file, compressed or not.
_READ_ERRORS = (OSError, EOFError, zlib.error)

__all__ = ["FILE_SUFFIXES", "BadRecord", "Item", "Problem", "discover", "read_file"]


@dataclass(frozen=True)
class Problem:
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


Item = PaperRecord | Problem
OnBytes = Callable[[int], None]


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _sniff(path: Path) -> str:
    """``lines`` for JSON Lines, ``document`` for one JSON value, ``empty``.

    A file is JSON Lines when one of its first lines is a whole JSON object by
    itself and more lines follow: no line of an indented JSON object parses alone.
    Looking at several lines keeps a malformed first line from hiding the format.
    """
    if path.name.removesuffix(".gz").endswith(_LINE_SUFFIXES):
        return "lines"
    with _open(path) as handle:
        head = handle.read(4096)
        start = head.removeprefix(_BOM).lstrip()[:1]
        if not start:
            return "empty" if len(head) < 4096 else "document"
        if start != b"{":
            return "document"
        handle.seek(0)
        lines: list[bytes] = []
        for raw in handle:
            line = raw.strip().removeprefix(_BOM).strip()
            if line:
                lines.append(line)
                if len(lines) > _SNIFF_LINES:
                    break
    if not lines:
        return "empty"
    if len(lines) > 1 and any(_parses_as_object(line) for line in lines[:_SNIFF_LINES]):
        return "lines"
    return "document"


class _Meter:
    """Reports bytes read from the file on disk, also when it is compressed."""

    def __init__(self, raw: IO[bytes], on_bytes: OnBytes) -> None:
        self.raw = raw
        self.on_bytes = on_bytes
        self.seen = 0

    def update(self) -> None:
        position = self.raw.tell()
        if position > self.seen:
            self.on_bytes(position - self.seen)
            self.seen = position


def read_lines(handle: IO[bytes], shown: str, meter: _Meter) -> Iterator[Item]:
    for number, raw in enumerate(handle, start=1):
        if number % 256 == 0:
            meter.update()
        line = raw.strip()
        if number == 1:
            line = line.removeprefix(_BOM)
        if not line:
            continue
        location = f"{shown}:{number}"
        try:
            row = json.loads(line)
        # ValueError covers JSONDecodeError, UnicodeDecodeError and the refusal of
        # integers too long to convert.
        except ValueError as exc:
            yield Problem(location, f"malformed JSON line ({exc})")
            continue
        except RecursionError:
            yield Problem(location, "malformed JSON line (nested too deeply)")
            continue
        if not isinstance(row, dict):
            yield Problem(location, "line is not a JSON object")
            continue
        try:
            yield sources.entry(row, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))
    meter.update()


def _read_list(data: list[Any], shown: str) -> Iterator[Item]:
    for index, value in enumerate(data, start=1):
        location = f"{shown}:entry {index}"
        try:
            yield sources.entry(value, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


def _read_paperexplorer(data: dict[str, Any], shown: str) -> Iterator[Item]:
    for key, value in data.items():
        location = f"{shown}:{key[:80]}"
        try:
            yield sources.paperexplorer_entry(key, value, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


def _looks_like_paperexplorer(data: dict[str, Any]) -> bool:
    sample = list(data.values())[:20]
    return sum(isinstance(v, dict) for v in sample) * 2 > len(sample)


def read_document(data: object, shown: str) -> Iterator[Item]:
    """Records of one parsed JSON document, whichever supported shape it has."""
    if isinstance(data, list):
        yield from _read_list(data, shown)
    elif isinstance(data, dict) and ("paper" in data or sources.looks_like_snapshot_row(data)):
        yield from _read_list([data], shown)
    elif isinstance(data, dict) and _looks_like_paperexplorer(data):
        yield from _read_paperexplorer(data, shown)
    elif data != {}:
        yield Problem(
            shown,
            "unrecognized format (expected a daily-papers list, a PaperExplorer object "
            "or arXiv snapshot lines); file skipped",
        )


def read_file(path: Path, on_bytes: OnBytes) -> Iterator[Item]:
    """Detect the shape of one file and yield its records and problems."""
    shown = str(path)
    try:
        shape = _sniff(path)
        if shape == "lines":
            with path.open("rb") as raw:
                handle = (
                    cast(IO[bytes], gzip.GzipFile(fileobj=raw))
                    if path.name.endswith(".gz")
                    else raw
                )
                yield from read_lines(handle, shown, _Meter(raw, on_bytes))
            return
        with _open(path) as handle:
            content = handle.read()
        on_bytes(path.stat().st_size)
    except _READ_ERRORS as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield Problem(
            shown, f"cannot read file ({reason or type(exc).__name__}); rest of file skipped"
        )
        return
    if shape == "empty":
        return
    try:
        data = json.loads(content.removeprefix(_BOM))
    except ValueError as exc:
        yield Problem(shown, f"malformed JSON ({exc}); file skipped")
        return
    except RecursionError:
        yield Problem(shown, "malformed JSON (nested too deeply); file skipped")
        return
    yield from read_document(data, shown)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to import: the given files, and supported files found in folders.

    Each file is listed once, however many of the given paths lead to it.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (
                    found.name.endswith(FILE_SUFFIXES)
                    and not _hidden(found, path)
                    and found.is_file()
                ):
                    add(found)
        elif path.is_file():
            add(path)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return files, problems
