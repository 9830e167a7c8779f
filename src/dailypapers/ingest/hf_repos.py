"""The Hugging Face repositories citing a paper (``/api/arxiv/<id>/repos``).

The upstream answers ``{"models": [...], "datasets": [...], "spaces": [...]}``, each
a list of repository objects (``id``, ``likes``, ``downloads``, ``lastModified`` and
more, which the hub does not keep). Entries without a usable id are left out and
counted; counts the upstream leaves out or sends as anything but a number are 0.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from dataclasses import dataclass, field

from dailypapers.core.text import clean
from dailypapers.ingest.http import PoliteClient
from dailypapers.papers.models import RepoKind
from dailypapers.papers.repos import RepoRecord

# The upstream's key for each kind of repository.
KEYS = {"models": RepoKind.MODEL, "datasets": RepoKind.DATASET, "spaces": RepoKind.SPACE}
# An id on the Hub: "owner/name" (or a bare name for the oldest repositories).
_REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?")
# Entries read per kind at most; the totals count no further.
MAX_PER_KIND = 10_000
_BIGGEST = 2**63 - 1


@dataclass
class Repos:
    """What one response says: the repositories, how many of each kind, what was wrong."""

    repos: list[RepoRecord] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    error: str = ""
    dropped: int = 0


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return min(max(value, 0), _BIGGEST)


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse(body: bytes, content_type: str) -> Repos:
    """The repositories of one response body, or the reason it cannot be read."""
    if content_type and "json" not in content_type:
        return Repos(error=f"expected JSON, got {clean(content_type)[:100]!r}")
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Repos(error=f"malformed JSON ({clean(str(exc))[:200]})")
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return Repos(error=f"upstream error: {clean(data['error'])[:200] or '(no message)'}")
    if not isinstance(data, dict) or not any(isinstance(data.get(k), list) for k in KEYS):
        return Repos(error="expected an object with models, datasets and spaces")
    found = Repos()
    for key, kind in KEYS.items():
        entries = data.get(key)
        seen: set[str] = set()
        for entry in entries[:MAX_PER_KIND] if isinstance(entries, list) else []:
            repo_id = entry.get("id") if isinstance(entry, dict) else None
            if (
                not isinstance(repo_id, str)
                or not _REPO_ID.fullmatch(repo_id)
                or entry.get("private") is True
                or repo_id in seen
            ):
                found.dropped += 1
                continue
            seen.add(repo_id)
            found.repos.append(
                RepoRecord(
                    kind=kind,
                    repo_id=repo_id,
                    likes=min(_count(entry.get("likes")), 2**31 - 1),
                    downloads=_count(entry.get("downloads")),
                    last_modified=_moment(entry.get("lastModified")),
                )
            )
        found.totals[kind] = len(seen)
    return found


def fetch(client: PoliteClient, base_url: str, arxiv_id: str) -> tuple[str, Repos]:
    """The address asked and what it answered for the paper ``arxiv_id``."""
    path = urllib.parse.quote(arxiv_id, safe="/")
    response = client.get(
        f"{base_url.rstrip('/')}/arxiv/{path}/repos", {}, accept="application/json"
    )
    if not response.ok:
        detail = parse(response.body, "application/json").error
        shown = f": {detail}" if detail.startswith("upstream error") else ""
        return response.url, Repos(error=f"HTTP {response.status}{shown}")
    return response.url, parse(response.body, response.content_type)
