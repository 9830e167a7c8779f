"""Turn one entry of each supported source into a ``PaperRecord``.

Each function raises ``BadRecord`` with a reason a person can act on when the
entry cannot be imported; everything else about an entry is optional.

Nothing here needs Django settings or the database, so files can be parsed in a
separate process (see ``reader``). Text is not cut to length here: the reader and
the sync pass every record through ``records.fit``, which cuts and reports.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
from typing import Any

from dailypapers.core import arxiv_ids, links
from dailypapers.core.text import clean, slugify_name
from dailypapers.core.timefmt import parse_iso
from dailypapers.papers.records import (
    TEXT_LIMITS,
    AuthorRecord,
    OrganizationRecord,
    PaperRecord,
    SubmissionRecord,
)

EARLIEST = dt.datetime(1991, 1, 1, tzinfo=dt.UTC)  # arXiv opened in August 1991
# Dates a little ahead of the clock are clock skew between machines, not errors.
FUTURE_SLACK = dt.timedelta(days=2)
# More than any real paper has (the record is about 5,200); keeps positions within
# the database column.
MAX_AUTHORS = 10_000
MAX_KEYWORDS = 50
MAX_NAME = TEXT_LIMITS["author"]  # the author name column
# Counts go into 32-bit columns on every database.
MAX_COUNT = 2**31 - 1
MAX_VERSION = 10_000  # versions go up to v9999 (arXiv ids allow four digits)
HF_SITE = "https://huggingface.co"


class BadRecord(ValueError):
    """A record that cannot be imported; the message says why."""


def _in_range(moment: dt.datetime, value: object, what: str) -> dt.datetime:
    if not EARLIEST <= moment <= dt.datetime.now(dt.UTC) + FUTURE_SLACK:
        raise BadRecord(f"impossible date {value!r} in {what} (outside 1991 to now)")
    return moment


def iso_date(value: object, what: str) -> dt.datetime | None:
    """An ISO 8601 timestamp, None when absent; BadRecord when it cannot be a real one."""
    if value is None or value == "":
        return None
    parsed = parse_iso(value)
    if parsed is None:
        raise BadRecord(f"impossible date {str(value)[:40]!r} in {what}")
    return _in_range(parsed, value, what)


_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _fast_rfc2822(value: str) -> dt.datetime | None:
    """The one layout arXiv writes (``Mon, 2 Apr 2007 19:18:42 GMT``), without the
    general parser; None for anything else."""
    parts = value.split()
    if len(parts) != 6 or parts[5] != "GMT" or parts[2] not in _MONTHS:
        return None
    clock = parts[4].split(":")
    if len(clock) != 3 or not all(
        p.isascii() and p.isdigit() for p in (parts[1], parts[3], *clock)
    ):
        return None
    try:
        return dt.datetime(
            int(parts[3]),
            _MONTHS[parts[2]],
            int(parts[1]),
            int(clock[0]),
            int(clock[1]),
            int(clock[2]),
            tzinfo=dt.UTC,
        )
    except ValueError:
        raise BadRecord(f"impossible date {value[:40]!r}") from None


def rfc2822_date(value: object, what: str) -> dt.datetime | None:
    """A date like ``Mon, 2 Apr 2007 19:18:42 GMT`` (arXiv version dates)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"impossible date {str(value)[:40]!r} in {what}")
    try:
        parsed = _fast_rfc2822(value) or email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        # An offset can push a moment at the edge of the calendar past year 9999.
        moment = parsed.astimezone(dt.UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadRecord(f"impossible date {value[:40]!r} in {what}") from None
    return _in_range(moment, value, what)


def day_date(value: object, what: str) -> dt.datetime | None:
    """A plain ``YYYY-MM-DD`` date, as midnight UTC."""
    if value is None or value == "":
        return None
    if not (
        isinstance(value, str)
        and len(value) == 10
        and value[4] == value[7] == "-"
        and value.replace("-", "").isdigit()
        and value.isascii()
    ):
        raise BadRecord(f"impossible date {str(value)[:40]!r} in {what}")
    try:
        parsed = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    except ValueError:
        raise BadRecord(f"impossible date {value!r} in {what}") from None
    return _in_range(parsed, value, what)


def whole_number(value: str, below: int) -> int | None:
    """``value`` as an integer from 0 to ``below`` (excluded); None for anything else.

    The length is checked first: int() refuses digit strings of more than 4300
    digits with a plain ValueError, and no count or version upstream is that long.
    """
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(below)):
        return None
    number = int(text)
    return number if number < below else None


def require_id(value: object) -> arxiv_ids.ArxivId:
    if not isinstance(value, str) or not value.strip():
        raise BadRecord("missing arXiv id")
    parsed = arxiv_ids.parse(value)
    if parsed is None:
        raise BadRecord(f"not an arXiv id: {value[:60]!r}")
    return parsed


def require_title(*values: object) -> str:
    for value in values:
        title = clean(value)
        if title:
            return title
    raise BadRecord("missing title")


def count(value: object) -> int | None:
    """A non-negative count that fits the database, None when the source gives none."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return min(max(int(value), 0), MAX_COUNT)


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _keywords(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    words = (clean(k) for k in value if isinstance(k, str))
    return [w for w in words if w][:MAX_KEYWORDS]


# -- Hugging Face daily papers -----------------------------------------------------


def _hf_authors(paper: dict[str, Any]) -> list[AuthorRecord]:
    authors = paper.get("authors")
    if not isinstance(authors, list):
        return []
    found = []
    for author in authors[:MAX_AUTHORS]:
        if not isinstance(author, dict) or author.get("hidden") is True:
            continue
        name = clean(author.get("name"))
        if name:
            user = author.get("user")
            handle = clean(user.get("user") or user.get("name")) if isinstance(user, dict) else ""
            found.append(AuthorRecord(name, handle))
    return found


def _hf_organization(entry: dict[str, Any], paper: dict[str, Any]) -> OrganizationRecord | None:
    org = as_dict(entry.get("organization")) or as_dict(paper.get("organization"))
    name = clean(org.get("name"))
    if not name:
        return None
    avatar = org.get("avatar")
    if isinstance(avatar, str) and avatar.startswith("/") and not avatar.startswith("//"):
        avatar = HF_SITE + avatar
    return OrganizationRecord(
        slug=slugify_name(name),
        name=clean(org.get("fullname")) or name,
        avatar_url=links.safe_url(avatar, 500),
    )


_OBJECT_ID = re.compile(r"[0-9a-f]{24}")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufeff]")
# Profile fields of upstream users (authors' accounts and submitters) that are kept.
_USER_KEYS = {
    "_id": str,
    "avatarUrl": str,
    "isPro": bool,
    "fullname": str,
    "user": str,
    "type": str,
    "name": str,
    "isHf": bool,
    "isHfAdmin": bool,
    "isMod": bool,
    "followerCount": int,
    "isUserFollowing": bool,
}
_AUTHOR_KEYS = {"_id": str, "name": str, "status": str, "statusLastChangedAt": str, "hidden": bool}
_MAX_TEXT = 500
_MAX_MEDIA = 20
# Longer author lists are kept by name only (``PaperAuthor``), not as sent: it bounds
# what one entry stores (real lists stay below: the longest of the recorded days has 573).
MAX_KEPT_AUTHORS = 1_000


def _kept_text(value: str) -> str:
    return _CONTROLS.sub("", value)[:_MAX_TEXT]


def _kept(value: object, keys: dict[str, type]) -> dict[str, Any]:
    """The fields of an upstream object named in ``keys`` that have that type, in the
    upstream's order; text without control characters and cut to a bounded length."""
    out: dict[str, Any] = {}
    for key, item in as_dict(value).items():
        kind = keys.get(key)
        if kind is None or type(item) is not kind:
            continue
        if isinstance(item, str):
            item = _kept_text(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            item = min(max(item, 0), MAX_COUNT)
        out[key] = item
    return out


def _object_id(value: object) -> str:
    return value if isinstance(value, str) and _OBJECT_ID.fullmatch(value) else ""


def _hf_author_entries(paper: dict[str, Any]) -> list[dict[str, Any]]:
    """The upstream's author list as sent: ids, hidden authors, claim status, accounts."""
    authors = paper.get("authors")
    if not isinstance(authors, list) or len(authors) > MAX_KEPT_AUTHORS:
        return []
    out = []
    for author in authors:
        kept = _kept(author, _AUTHOR_KEYS)
        if "user" in as_dict(author):
            user = _kept(author["user"], _USER_KEYS)
            if user:
                # The upstream puts the account right after the author's _id.
                kept = {k: v for k, v in kept.items() if k == "_id"} | {"user": user} | kept
        if clean(kept.get("name")):
            out.append(kept)
    return out


def _media(value: object) -> list[str]:
    urls = value if isinstance(value, list) else []
    return [u for u in (links.safe_url(url, 1000) for url in urls[:_MAX_MEDIA]) if u]


def _hf_extra(entry: dict[str, Any], paper: dict[str, Any]) -> dict[str, Any]:
    """``Paper.hf_extra``: the upstream's fields the hub does not model, as sent."""
    extra: dict[str, Any] = {}
    if discussion := _object_id(paper.get("discussionId")):
        extra["discussionId"] = discussion
    if media := _media(paper.get("mediaUrls") or entry.get("mediaUrls")):
        extra["mediaUrls"] = media
    if single := links.safe_url(entry.get("mediaUrl"), 1000):
        extra["mediaUrl"] = single  # the 2024 shape: one URL per entry
    for key in ("githubRepoAddedBy", "ai_summary_model"):
        if isinstance(paper.get(key), str) and paper[key]:
            extra[key] = _kept_text(paper[key])
    if authors := _hf_author_entries(paper):
        extra["authors"] = authors
    org = as_dict(entry.get("organization")) or as_dict(paper.get("organization"))
    if isinstance(org.get("name"), str) and org["name"]:
        extra["organization"] = {"_id": _object_id(org.get("_id")), "name": _kept_text(org["name"])}
    return extra


def _entry_extra(entry: dict[str, Any], paper: dict[str, Any]) -> dict[str, Any]:
    """``Submission.hf_extra``: the entry's submitter profiles, its own ``publishedAt``
    and ``isAuthorParticipating``, as sent."""
    extra: dict[str, Any] = {}
    for key, holder in (("submittedOnDailyBy", paper), ("submittedBy", entry)):
        if user := _kept(holder.get(key), _USER_KEYS):
            extra[key] = user
    listed = entry.get("publishedAt")
    if isinstance(listed, str) and iso_date(listed, "publishedAt"):
        extra["publishedAt"] = listed
    if isinstance(entry.get("isAuthorParticipating"), bool):
        extra["isAuthorParticipating"] = entry["isAuthorParticipating"]
    return extra


# arXiv's abstract layout, which the upstream passes on: a line break followed by
# indentation starts a paragraph; any other line break is a hard wrap (the 2024 shape
# still has them every 80 characters).
_WRAP = re.compile(r"[ \t]*\n(?![ \t])")


def hf_summary(value: object) -> str:
    """An abstract from the Hugging Face API as written there: paragraph breaks (and
    spacing) kept, hard wraps joined, control characters and outer whitespace dropped."""
    if not isinstance(value, str):
        return ""
    text = _CONTROLS.sub("", value.replace("\r\n", "\n")).strip()
    return _WRAP.sub(" ", text) if "\n" in text else text


def hf_entry(entry: object, location: str, source: str = "hf-daily") -> PaperRecord:
    """One element of ``/api/daily_papers`` (2024 and 2026 shapes)."""
    if not isinstance(entry, dict):
        raise BadRecord("entry is not a JSON object")
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        raise BadRecord("entry has no 'paper' object")
    ident = require_id(paper.get("id"))
    title = require_title(paper.get("title"), entry.get("title"))
    abstract = hf_summary(paper.get("summary")) or hf_summary(entry.get("summary"))
    published = iso_date(paper.get("publishedAt"), "paper.publishedAt")
    # The 2026 shape says when the paper went on the daily list; in the 2024 shape
    # the entry's own publishedAt is that moment (paper.publishedAt is arXiv's).
    if paper.get("submittedOnDailyAt"):
        on_daily = iso_date(paper.get("submittedOnDailyAt"), "paper.submittedOnDailyAt")
    else:
        on_daily = iso_date(entry.get("publishedAt"), "publishedAt")
    submitter = as_dict(paper.get("submittedOnDailyBy")) or as_dict(entry.get("submittedBy"))
    code, project = links.extract(abstract)
    github = links.safe_url(paper.get("githubRepo"), 500)
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=title,
        abstract=abstract,
        source=source,
        location=location,
        authors=_hf_authors(paper),
        published_at=published,
        github_repo=links.code_url(github) or github or code,
        github_stars=count(paper.get("githubStars")),
        project_page=links.safe_url(paper.get("projectPage")) or project,
        ai_summary=clean(paper.get("ai_summary")),
        ai_keywords=_keywords(paper.get("ai_keywords")),
        upvotes=count(paper.get("upvotes")),
        num_comments=count(entry.get("numComments")),
        organization=_hf_organization(entry, paper),
        observed_at=on_daily or published,
        hf_extra=_hf_extra(entry, paper),
        submission=SubmissionRecord(
            submitted_at=on_daily,
            submitter_name=clean(submitter.get("user") or submitter.get("name")),
            submitter_fullname=clean(submitter.get("fullname")),
            hf_extra=_entry_extra(entry, paper),
        )
        if on_daily
        else None,
    )


# -- PaperExplorer scrape ------------------------------------------------------------


def paperexplorer_entry(key: object, value: object, location: str) -> PaperRecord:
    """One ``arxiv_id -> {url, title, authors, abstract, publication_date, upvotes}`` item.

    The scrape lists papers that were on the daily list but not the day they were
    put there; ``publication_date`` is arXiv's (it equals ``paper.publishedAt`` of
    the daily-papers API). That date stands in for the day on the list, one day or
    so early, until a daily-papers record of the paper (which always wins) says better.
    """
    if not isinstance(value, dict):
        raise BadRecord("entry is not a JSON object")
    ident = require_id(key if isinstance(key, str) and key.strip() else value.get("url"))
    title = require_title(value.get("title"))
    abstract = clean(value.get("abstract"))
    published = iso_date(value.get("publication_date"), "publication_date")
    names = value.get("authors")
    authors = [
        AuthorRecord(name)
        for name in (clean(n) for n in (names if isinstance(names, list) else [])[:MAX_AUTHORS])
        if name
    ]
    code, project = links.extract(abstract)
    return PaperRecord(
        arxiv_id=ident.id,
        version=ident.version,
        title=title,
        abstract=abstract,
        source="paperexplorer",
        location=location,
        authors=authors,
        published_at=published,
        github_repo=code,
        project_page=project,
        upvotes=count(value.get("upvotes")),
        submission=SubmissionRecord(submitted_at=published) if published else None,
        observed_at=published,
    )


# -- arXiv metadata snapshot -----------------------------------------------------------


def _snapshot_authors(row: dict[str, Any]) -> list[AuthorRecord]:
    parsed = row.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed[:MAX_AUTHORS]:
            # [last, first, suffix]; the name reads "first last suffix".
            if isinstance(parts, list) and parts:
                ordered = [parts[1], parts[0], *parts[2:3]] if len(parts) > 1 else parts[:1]
                name = clean(" ".join(p for p in ordered if isinstance(p, str) and p))
                if name:
                    names.append(AuthorRecord(name))
        return names
    raw = clean(row.get("authors")).replace(" and ", ", ")
    return [AuthorRecord(n.strip()) for n in raw.split(",")[:MAX_AUTHORS] if n.strip()]


def _snapshot_versions(row: dict[str, Any]) -> tuple[int | None, list[dict[str, Any]]]:
    versions = row.get("versions")
    listed = [v for v in versions if isinstance(v, dict)] if isinstance(versions, list) else []
    numbers = []
    for item in listed:
        label = item.get("version")
        if isinstance(label, int) and not isinstance(label, bool):
            number: int | None = label if 0 <= label < MAX_VERSION else None
        elif isinstance(label, str):
            number = whole_number(label.lower().removeprefix("v"), MAX_VERSION)
        else:
            number = None
        if number:
            numbers.append(number)
    return (max(numbers) if numbers else None), listed


def looks_like_snapshot_row(row: dict[str, Any]) -> bool:
    return "id" in row and any(k in row for k in ("versions", "authors_parsed", "abstract"))


def snapshot_row(row: object, location: str) -> PaperRecord:
    """One line of the Kaggle ``arxiv-metadata-oai-snapshot.json``; not on any daily list."""
    if not isinstance(row, dict):
        raise BadRecord("line is not a JSON object")
    ident = require_id(row.get("id"))
    title = require_title(row.get("title"))
    latest, versions = _snapshot_versions(row)
    known = [v for v in (ident.version, latest) if v]
    abstract = clean(row.get("abstract"))
    comments = clean(row.get("comments"))
    code, project = links.extract(abstract, comments)
    return PaperRecord(
        arxiv_id=ident.id,
        version=max(known) if known else None,
        title=title,
        abstract=abstract,
        source="arxiv-snapshot",
        location=location,
        authors=_snapshot_authors(row),
        published_at=rfc2822_date(versions[0].get("created"), "versions[0].created")
        if versions
        else None,
        updated_at_source=rfc2822_date(versions[-1].get("created"), "versions[-1].created")
        if versions
        else None,
        categories=clean(row.get("categories")),
        comments=comments,
        journal_ref=clean(row.get("journal-ref")),
        doi=clean(row.get("doi")),
        observed_at=day_date(row.get("update_date"), "update_date"),
        github_repo=code,
        project_page=project,
    )


def entry(value: object, location: str) -> PaperRecord:
    """An element of a JSON array or a JSON Lines line, of whichever source it is."""
    if isinstance(value, dict) and "paper" not in value and looks_like_snapshot_row(value):
        return snapshot_row(value, location)
    return hf_entry(value, location)
