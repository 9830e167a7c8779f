"""The Hugging Face daily list (``/api/daily_papers?date=YYYY-MM-DD``).

Entries are parsed by the importer's own reader (``formats.read_stream``), so
the 2024 and 2026 shapes and every cleanup rule are the same for a synced day as
for an imported file. What this module adds is the HTTP side: error envelopes,
HTML error pages, truncated bodies whose complete entries are still kept, and
responses far longer than a day's list, read only as far as one could go.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

from dailypapers.core.text import clean
from dailypapers.ingest import formats
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import PoliteClient

# The API's largest page; a day longer than this is fetched page by page.
PAGE_SIZE = 100
# A day never has this many pages; guards against an upstream that ignores ``p``.
MAX_PAGES = 20
# Entries read from one response at most: a page holds PAGE_SIZE, and reading a
# broken or hostile one on would only fill memory with a problem per entry.
MAX_ENTRIES = 10 * PAGE_SIZE
_BOM = b"\xef\xbb\xbf"


@dataclass
class DayResult:
    day: dt.date
    items: list[Item] = field(default_factory=list)
    not_modified: bool = False
    failed: bool = False


def parse_day(body: bytes, content_type: str, request: str) -> list[Item]:
    """Records and problems of one response body.

    A list is read entry by entry (``formats.read_stream``): the complete entries
    before a cut or a syntax error are kept, and no more than ``MAX_ENTRIES`` are read.
    """
    if content_type and "json" not in content_type:
        return [Problem(request, f"expected JSON, got {content_type!r}; response skipped")]
    if body[:4096].removeprefix(_BOM).lstrip()[:1] == b"[":
        items = formats.read_stream(
            io.BytesIO(body), request, rest="response", max_entries=MAX_ENTRIES
        )
        found = [_storable(item) for item in items]
        # What is wrong with the whole response first: a run keeps only its first
        # problems, and these say the most.
        found.sort(key=lambda item: not (isinstance(item, Problem) and item.location == request))
        return found
    if len(body) > formats.RECORD_LIMIT:
        return [Problem(request, "expected a JSON list of entries; response skipped")]
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [Problem(request, f"response is not UTF-8 ({exc}); response skipped")]
    try:
        data = json.loads(text)
    except ValueError as exc:  # a JSONDecodeError, or a number int() refuses
        return [Problem(request, f"malformed JSON ({exc}); response skipped")]
    except RecursionError:
        return [Problem(request, "malformed JSON (nested too deeply); response skipped")]
    if isinstance(data, dict) and "error" in data:
        message = clean(data["error"])[:200] or "(no message)"
        return [Problem(request, f"upstream error: {message}")]
    return [Problem(request, "expected a JSON list of entries; response skipped")]


def _storable(item: Item) -> Item:
    """Problems end up in the run's JSON column, which PostgreSQL refuses to hold
    NUL characters or lone surrogates in; upstream text can reach them through a
    location or a reason."""
    if isinstance(item, Problem):
        return Problem(clean(item.location), clean(item.reason))
    return item


def fetch_day(client: PoliteClient, base_url: str, day: dt.date) -> DayResult:
    """Every entry of one day's list, page by page."""
    result = DayResult(day)
    for number in range(MAX_PAGES):
        params: dict[str, str | int] = {"date": day.isoformat()}
        if number:
            params["p"] = number
        params["limit"] = PAGE_SIZE
        response = client.get(
            f"{base_url.rstrip('/')}/daily_papers",
            params,
            conditional=number == 0,
            accept="application/json",
        )
        if response.not_modified:
            result.not_modified = True
            return result
        if not response.ok:
            result.failed = True
            detail = parse_day(response.body, "application/json", response.url)
            reason = next((str(p.reason) for p in detail if isinstance(p, Problem)), "")
            result.items.append(
                Problem(response.url, f"HTTP {response.status}{': ' + reason if reason else ''}")
            )
            return result
        items = parse_day(response.body, response.content_type, response.url)
        result.items.extend(items)
        if len(items) < PAGE_SIZE or len(items) > MAX_ENTRIES:
            return result  # the last page, or an upstream that does not page at all
    return result
