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

from dailypapers.ingest import jsonstream, sources
from dailypapers.ingest.sources import BadRecord
from dailypapers.papers.records import PaperRecord, fit

FILE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_LINE_SUFFIXES = (".jsonl", ".ndjson")
_BOM = b"\xef\xbb\xbf"
# How many lines to look at when telling JSON Lines from one indented document.
_SNIFF_LINES = 5
# Reading errors of a damaged or truncated file, compressed or not.
_READ_ERRORS = (OSError, EOFError, zlib.error)
# The longest record read: a line of JSON Lines, or an entry of a JSON document. The
# longest real ones are about 0.4 MB (a daily-list entry with 5,000 authors); a
# longer one is skipped and reported without being held in memory whole.
RECORD_LIMIT = 8 << 20
# A file whose first this many entries hold no paper at all is not a papers file:
# the rest of it is skipped, instead of reporting a problem for each of its entries.
GIVE_UP_AFTER = 10_000
# Members of a JSON object read before deciding which shape it has.
_SHAPE_SAMPLE = 20
# Members a single entry may have (real ones have about 20).
_ENTRY_MEMBERS = 1000

__all__ = [
    "FILE_SUFFIXES",
    "RECORD_LIMIT",
    "BadRecord",
    "Item",
    "Problem",
    "discover",
    "read_file",
]


@dataclass(frozen=True)
class Problem:
    """Something wrong with a record or a file; ``kept`` when the record was still
    imported (its text was cut to length), else it was skipped."""

    location: str
    reason: str
    kept: bool = False

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


Item = PaperRecord | Problem
OnBytes = Callable[[int], None]
_MIB = f"{RECORD_LIMIT >> 20} MiB"


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _parses_as_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _skip_line(handle: IO[bytes]) -> None:
    """Read on to the end of the current line, a piece at a time."""
    while True:
        piece = handle.readline(jsonstream.CHUNK)
        if not piece or piece.endswith(b"\n"):
            return


def _line(handle: IO[bytes]) -> bytes | None:
    """The next line, at most ``RECORD_LIMIT`` bytes; None for a longer one (skipped)."""
    raw = handle.readline(RECORD_LIMIT + 1)
    if len(raw) > RECORD_LIMIT and not raw.endswith(b"\n"):
        _skip_line(handle)
        return None
    return raw


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
            if len(head) < 4096:
                return "empty"
            return "document"
        if start != b"{":
            return "document"
        handle.seek(0)
        lines: list[bytes] = []
        while len(lines) <= _SNIFF_LINES:
            raw = _line(handle)
            if raw is None:
                lines.append(b"")  # too long to be one of the short lines looked for
                continue
            if not raw:
                break
            line = raw.strip().removeprefix(_BOM).strip()
            if line:
                lines.append(line)
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


def _entry(value: object, location: str) -> Item:
    try:
        return sources.entry(value, location)
    except BadRecord as exc:
        return Problem(location, str(exc))


def read_lines(handle: IO[bytes], shown: str, meter: _Meter) -> Iterator[Item]:
    number = 0
    blank = True
    while True:
        raw = _line(handle)
        if raw == b"":
            break
        number += 1
        if number % 256 == 0:
            meter.update()
        location = f"{shown}:{number}"
        if raw is None:
            blank = False
            yield Problem(location, f"line longer than {_MIB}; skipped")
            continue
        line = raw.strip()
        if number == 1:
            line = line.removeprefix(_BOM)
        if not line:
            continue
        blank = False
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
        yield _entry(row, location)
    meter.update()
    if blank:
        yield Problem(shown, "the file is empty")


def _read_list(data: list[Any], shown: str) -> Iterator[Item]:
    for index, value in enumerate(data, start=1):
        yield _entry(value, f"{shown}:entry {index}")


def _read_paperexplorer(pairs: Iterator[tuple[str, object]], shown: str) -> Iterator[Item]:
    for key, value in pairs:
        location = f"{shown}:{key[:80]}"
        try:
            yield sources.paperexplorer_entry(key, value, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


def _looks_like_paperexplorer(data: dict[str, Any]) -> bool:
    sample = list(data.values())[:_SHAPE_SAMPLE]
    return sum(isinstance(v, dict) for v in sample) * 2 > len(sample)


def _is_one_entry(data: dict[str, Any]) -> bool:
    return "paper" in data or sources.looks_like_snapshot_row(data)


_UNRECOGNIZED = (
    "unrecognized format (expected a daily-papers list, a PaperExplorer object "
    "or arXiv snapshot lines); file skipped"
)


def read_document(data: object, shown: str) -> Iterator[Item]:
    """Records of one parsed JSON document, whichever supported shape it has."""
    if isinstance(data, list):
        yield from _read_list(data, shown)
    elif isinstance(data, dict) and _is_one_entry(data):
        yield from _read_list([data], shown)
    elif isinstance(data, dict) and _looks_like_paperexplorer(data):
        yield from _read_paperexplorer(iter(data.items()), shown)
    elif data != {}:
        yield Problem(shown, _UNRECOGNIZED)


class _Document:
    """One JSON document read entry by entry (see ``jsonstream``)."""

    def __init__(self, reader: jsonstream.Reader, shown: str, rest: str) -> None:
        self.reader = reader
        self.shown = shown
        self.rest = rest  # what is skipped after a syntax error: "file", "response"
        self.entries = 0

    def items(self, max_entries: int | None = None) -> Iterator[Item]:
        try:
            first = self.reader.peek()
            if first == "":
                yield Problem(self.shown, "the file is empty")
                return
            if first == "[":
                yield from self._list(max_entries)
            elif first == "{":
                yield from self._object()
            else:
                yield from read_document(self.reader.value(), self.shown)
            if self.reader.peek() != "":
                raise jsonstream.Malformed(
                    f"extra data after the document at {self.reader.where()}"
                )
        except jsonstream.TooLong:
            yield Problem(self.shown, f"document longer than {_MIB}; {self.rest} skipped")
        except jsonstream.Malformed as exc:
            read = f"{self.entries} complete entries read before it, " if self.entries else ""
            rest = f"rest of {self.rest}" if self.entries else self.rest
            yield Problem(self.shown, f"malformed JSON ({exc}); {read}{rest} skipped")

    def _list(self, max_entries: int | None) -> Iterator[Item]:
        reader = self.reader
        reader.take("[", "")
        if reader.peek() == "]":
            reader.take("]", "")
            return
        while True:
            location = f"{self.shown}:entry {self.entries + 1}"
            try:
                value = reader.value()
            except jsonstream.TooLong:
                reader.skip_value()
                yield Problem(location, f"entry longer than {_MIB}; skipped")
            else:
                yield _entry(value, location)
            self.entries += 1
            if reader.peek() == "]":
                reader.take("]", "")
                return
            reader.take(",", f"after entry {self.entries}")
            if max_entries is not None and self.entries >= max_entries:
                yield Problem(
                    self.shown,
                    f"more entries than any day has ({max_entries}); rest of {self.rest} skipped",
                )
                raise _Stop

    def _members(self) -> Iterator[tuple[str, object]]:
        """The members of an object whose "{" was taken; TooLong values as TooLong."""
        reader = self.reader
        if reader.peek() == "}":
            reader.take("}", "")
            return
        while True:
            key = reader.value()
            if not isinstance(key, str):
                raise jsonstream.Malformed(f"expected a member name at {reader.where()}")
            reader.take(":", f"after the member name {key[:80]!r}")
            try:
                value: object = reader.value()
            except jsonstream.TooLong:
                reader.skip_value()
                value = jsonstream.TooLong
            yield key, value
            if reader.peek() == "}":
                reader.take("}", "")
                return
            reader.take(",", f"after the member {key[:80]!r}")

    def _object(self) -> Iterator[Item]:
        self.reader.take("{", "")
        members = self._members()
        head: dict[str, Any] = {}
        for key, value in members:
            head[key] = value
            if len(head) >= _SHAPE_SAMPLE:
                break
        if _is_one_entry(head):
            for key, value in members:
                head[key] = value
                if len(head) > _ENTRY_MEMBERS:
                    raise jsonstream.Malformed("an entry with more members than any paper has")
            if jsonstream.TooLong in head.values():
                yield Problem(self.shown, f"entry longer than {_MIB}; skipped")
            else:
                yield from read_document(head, self.shown)
        elif _looks_like_paperexplorer(head):
            for key, value in [*head.items(), *members]:
                self.entries += 1
                if value is jsonstream.TooLong:
                    yield Problem(f"{self.shown}:{key[:80]}", f"entry longer than {_MIB}; skipped")
                else:
                    yield from _read_paperexplorer(iter([(key, value)]), self.shown)
        elif head:
            yield Problem(self.shown, _UNRECOGNIZED)


class _Stop(Exception):
    """The caller's entry limit was reached."""


def read_stream(
    handle: IO[bytes],
    shown: str,
    *,
    rest: str = "file",
    max_entries: int | None = None,
    on_read: Callable[[], None] | None = None,
) -> Iterator[Item]:
    """Records and problems of one JSON document read from ``handle`` entry by entry."""
    document = _Document(jsonstream.Reader(handle, RECORD_LIMIT, on_read), shown, rest)
    try:
        yield from document.items(max_entries)
    except _Stop:
        return


def checked(items: Iterator[Item], shown: str) -> Iterator[Item]:
    """``items`` with text cut to length (and a note saying so), and an early end
    for a file that holds no paper at all."""
    papers = problems = 0
    for item in items:
        if isinstance(item, Problem):
            problems += 1
            yield item
            if not papers and problems >= GIVE_UP_AFTER:
                yield Problem(
                    shown,
                    f"no paper among its first {GIVE_UP_AFTER} entries; rest of file skipped",
                )
                return
            continue
        papers += 1
        notes = fit(item)
        yield item
        if notes:
            yield Problem(item.location, "imported shortened: " + "; ".join(notes), kept=True)


def read_file(path: Path, on_bytes: OnBytes) -> Iterator[Item]:
    """Detect the shape of one file and yield its records and problems."""
    shown = str(path)
    yield from checked(_read_file(path, on_bytes), shown)


def _read_file(path: Path, on_bytes: OnBytes) -> Iterator[Item]:
    shown = str(path)
    try:
        shape = _sniff(path)
        if shape == "empty":
            on_bytes(path.stat().st_size)
            yield Problem(shown, "the file is empty")
            return
        with path.open("rb") as raw:
            handle = (
                cast(IO[bytes], gzip.GzipFile(fileobj=raw)) if path.name.endswith(".gz") else raw
            )
            meter = _Meter(raw, on_bytes)
            if shape == "lines":
                yield from read_lines(handle, shown, meter)
            else:
                yield from read_stream(handle, shown, on_read=meter.update)
                meter.update()
    except _READ_ERRORS as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        yield Problem(
            shown, f"cannot read file ({reason or type(exc).__name__}); rest of file skipped"
        )


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
