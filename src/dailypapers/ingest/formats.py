"""Read paper files of every supported shape into normalized records.

Each reader yields ``PaperRecord`` for good records and ``Problem`` for bad ones,
so one broken entry never stops the rest of a file.

Supported shapes:
- ``hf-daily``: the Hugging Face daily-papers API, a JSON list of entries
  ``{paper: {...}, title, publishedAt, numComments, ...}`` (2024 and 2026 variants).
- ``paperexplorer``: a JSON object ``arxiv_id -> {url, title, authors, abstract,
  publication_date, upvotes}`` scraped from the daily list.
- ``arxiv-snapshot``: the arXiv metadata snapshot, JSON Lines, one paper per line.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from dailypapers.core import arxiv_ids, links
from dailypapers.core.text import clean, slugify_name
from dailypapers.core.timefmt import parse_iso
from dailypapers.papers.records import (
    AuthorRecord,
    OrganizationRecord,
    PaperRecord,
    SubmissionRecord,
)

EARLIEST = dt.datetime(1991, 1, 1, tzinfo=dt.UTC)  # arXiv opened in August 1991
FILE_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")


@dataclass(frozen=True)
class Problem:
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


Item = PaperRecord | Problem


class BadRecord(ValueError):
    """A record that cannot be imported; the message says why."""


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _check_date(value: object, what: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_iso(value)
    if parsed is None:
        raise BadRecord(f"impossible date {value!r} in {what}")
    latest = timezone.now() + dt.timedelta(days=2)
    if not EARLIEST <= parsed <= latest:
        raise BadRecord(f"impossible date {value!r} in {what} (outside 1991 to now)")
    return parsed


def _require_id(value: object) -> arxiv_ids.ArxivId:
    if not isinstance(value, str) or not value.strip():
        raise BadRecord("missing arXiv id")
    parsed = arxiv_ids.parse(value)
    if parsed is None:
        raise BadRecord(f"not an arXiv id: {value[:60]!r}")
    return parsed


def _require_title(*values: object) -> str:
    for value in values:
        title = clean(value)
        if title:
            return title
    raise BadRecord("missing title")


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(int(value), 0)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- Hugging Face daily papers -------------------------------------------------


def _hf_organization(entry: dict[str, Any], paper: dict[str, Any]) -> OrganizationRecord | None:
    org = _dict(entry.get("organization")) or _dict(paper.get("organization"))
    name = clean(org.get("name"))
    if not name:
        return None
    slug = slugify_name(name)
    avatar = org.get("avatar") if isinstance(org.get("avatar"), str) else ""
    if avatar.startswith("/"):
        avatar = "https://huggingface.co" + avatar
    return OrganizationRecord(slug=slug, name=clean(org.get("fullname")) or name, avatar_url=avatar)


def hf_entry(entry: object, source: str, location: str) -> PaperRecord:
    if not isinstance(entry, dict):
        raise BadRecord("entry is not a JSON object")
    paper = _dict(entry.get("paper"))
    if not paper:
        raise BadRecord("entry has no 'paper' object")
    ident = _require_id(paper.get("id"))
    title = _require_title(paper.get("title"), entry.get("title"))
    abstract = clean(paper.get("summary")) or clean(entry.get("summary"))
    authors = [
        AuthorRecord(
            name=clean(a.get("name")),
            hf_user=str(_dict(a.get("user")).get("user") or _dict(a.get("user")).get("name") or ""),
        )
        for a in paper.get("authors") or []
        if isinstance(a, dict) and clean(a.get("name")) and not a.get("hidden")
    ]
    published = _check_date(paper.get("publishedAt"), "paper.publishedAt")
    # 2026 entries carry submittedOnDailyAt; in the 2024 shape the entry's own
    # publishedAt is the moment it went on the daily list.
    if paper.get("submittedOnDailyAt"):
        on_daily = _check_date(paper.get("submittedOnDailyAt"), "paper.submittedOnDailyAt")
    else:
        on_daily = _check_date(entry.get("publishedAt"), "publishedAt")
    submitter = _dict(paper.get("submittedOnDailyBy")) or _dict(entry.get("submittedBy"))
    code, project = links.extract(abstract)
    github = paper.get("githubRepo") if isinstance(paper.get("githubRepo"), str) else ""
    page = paper.get("projectPage") if isinstance(paper.get("projectPage"), str) else ""
    keywords = paper.get("ai_keywords")
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=title,
        abstract=abstract,
        source=source,
        location=location,
        authors=authors,
        published_at=published,
        github_repo=(links.code_url(github) or github or code)[:500],
        github_stars=_int_or_none(paper.get("githubStars")),
        project_page=(page or project)[:1000],
        ai_summary=clean(paper.get("ai_summary")),
        ai_keywords=[clean(k) for k in keywords if isinstance(k, str)][:50]
        if isinstance(keywords, list)
        else [],
        upvotes=_int_or_none(paper.get("upvotes")),
        num_comments=_int_or_none(entry.get("numComments")),
        organization=_hf_organization(entry, paper),
        observed_at=on_daily or published,
        submission=SubmissionRecord(
            submitted_at=on_daily,
            submitter_name=clean(submitter.get("user") or submitter.get("name")),
            submitter_fullname=clean(submitter.get("fullname")),
        )
        if on_daily
        else None,
    )


def read_hf_list(data: list[Any], path: str) -> Iterator[Item]:
    for index, entry in enumerate(data, start=1):
        location = f"{path}:entry {index}"
        try:
            yield hf_entry(entry, "hf-daily", location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


# -- PaperExplorer scrape --------------------------------------------------------


def paperexplorer_entry(key: str, value: object, location: str) -> PaperRecord:
    if not isinstance(value, dict):
        raise BadRecord("entry is not a JSON object")
    ident = _require_id(key or value.get("url"))
    title = _require_title(value.get("title"))
    abstract = clean(value.get("abstract"))
    on_daily = _check_date(value.get("publication_date"), "publication_date")
    authors = [AuthorRecord(clean(a)) for a in value.get("authors") or [] if clean(a)]
    code, project = links.extract(abstract)
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=title,
        abstract=abstract,
        source="paperexplorer",
        location=location,
        authors=authors,
        github_repo=code,
        project_page=project,
        upvotes=_int_or_none(value.get("upvotes")),
        submission=SubmissionRecord(submitted_at=on_daily) if on_daily else None,
        observed_at=on_daily,
    )


def read_paperexplorer(data: dict[str, Any], path: str) -> Iterator[Item]:
    for key, value in data.items():
        location = f"{path}:{key}"
        try:
            yield paperexplorer_entry(key, value, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


# -- arXiv metadata snapshot -------------------------------------------------------


def _rfc2822(value: object, what: str) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise BadRecord(f"impossible date {value!r} in {what}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if not EARLIEST <= parsed <= timezone.now() + dt.timedelta(days=2):
        raise BadRecord(f"impossible date {value!r} in {what} (outside 1991 to now)")
    return parsed.astimezone(dt.UTC)


def _snapshot_authors(row: dict[str, Any]) -> list[AuthorRecord]:
    parsed = row.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = ([*list(parts), "", "", ""])[:3]
                name = clean(" ".join(p for p in (first, last, suffix) if isinstance(p, str)))
                if name:
                    names.append(AuthorRecord(name))
        return names
    raw = clean(row.get("authors"))
    raw = raw.replace(" and ", ", ")
    return [AuthorRecord(n.strip()) for n in raw.split(",") if n.strip()]


def _update_date(value: object) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value[:10]).replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    return None


def snapshot_row(row: object, location: str) -> PaperRecord:
    if not isinstance(row, dict):
        raise BadRecord("line is not a JSON object")
    ident = _require_id(row.get("id"))
    title = _require_title(row.get("title"))
    versions = [v for v in row.get("versions") or [] if isinstance(v, dict)]
    version = ident.version
    if versions:
        label = str(versions[-1].get("version", "")).lstrip("v")
        version = int(label) if label.isdigit() and int(label) > 0 else version
    abstract = clean(row.get("abstract"))
    comments = clean(row.get("comments"))
    code, project = links.extract(abstract, comments)
    return PaperRecord(
        arxiv_id=ident.id,
        version=version,
        title=title,
        abstract=abstract,
        source="arxiv-snapshot",
        location=location,
        authors=_snapshot_authors(row),
        published_at=_rfc2822(versions[0].get("created"), "versions[0].created")
        if versions
        else None,
        updated_at_source=_rfc2822(versions[-1].get("created"), "versions[-1].created")
        if versions
        else None,
        categories=clean(row.get("categories"))[:300],
        comments=comments,
        journal_ref=clean(row.get("journal-ref")),
        doi=clean(row.get("doi"))[:200],
        observed_at=_update_date(row.get("update_date")),
        github_repo=code,
        project_page=project,
    )


def read_jsonl(handle: IO[bytes], path: str, on_bytes: Callable[[int], None]) -> Iterator[Item]:
    for number, raw in enumerate(handle, start=1):
        on_bytes(len(raw))
        if not raw.strip():
            continue
        location = f"{path}:{number}"
        try:
            row = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield Problem(location, f"malformed JSON line ({exc})")
            continue
        try:
            if isinstance(row, dict) and "paper" in row:
                yield hf_entry(row, "hf-daily", location)
            else:
                yield snapshot_row(row, location)
        except BadRecord as exc:
            yield Problem(location, str(exc))


# -- files ----------------------------------------------------------------------


def _first_byte(handle: IO[bytes]) -> bytes:
    while True:
        chunk = handle.read(1)
        if not chunk or not chunk.isspace():
            return chunk


def _looks_like_lines(path: Path) -> bool:
    """JSON Lines when the first value ends before the end of its first line."""
    name = path.name.removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        return True
    with _open(path) as handle:
        first = handle.readline()
        if not first.strip().startswith(b"{"):
            return False
        try:
            json.loads(first)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return False
        return bool(handle.readline().strip())


def read_file(path: Path, on_bytes: Callable[[int], None]) -> Iterator[Item]:
    """Detect the shape of one file and yield its records and problems."""
    shown = str(path)
    try:
        if _looks_like_lines(path):
            with _open(path) as handle:
                yield from read_jsonl(handle, shown, on_bytes)
            return
        with _open(path) as handle:
            raw = handle.read()
    except OSError as exc:
        yield Problem(shown, f"cannot read file ({exc.strerror or exc})")
        return
    on_bytes(len(raw))
    try:
        data = json.load(io.BytesIO(raw))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield Problem(shown, f"malformed JSON ({exc}); file skipped")
        return
    if isinstance(data, list):
        yield from read_hf_list(data, shown)
    elif isinstance(data, dict) and "paper" in data:
        yield from read_hf_list([data], shown)
    elif isinstance(data, dict) and all(
        isinstance(v, dict) and "title" in v for v in list(data.values())[:20]
    ):
        yield from read_paperexplorer(data, shown)
    elif isinstance(data, dict) and "id" in data and "title" in data:
        try:
            yield snapshot_row(data, f"{shown}:1")
        except BadRecord as exc:
            yield Problem(f"{shown}:1", str(exc))
    else:
        yield Problem(shown, "unrecognized format (expected daily papers, PaperExplorer or arXiv)")


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to import: the given files, and supported files found in folders."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.name.endswith(FILE_SUFFIXES) and not p.name.startswith(".")
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return files, problems
