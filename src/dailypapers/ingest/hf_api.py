"""The Hugging Face daily list (``/api/daily_papers?date=YYYY-MM-DD``).

Entries are parsed by the importer's own reader (``formats.read_document``), so
the 2024 and 2026 shapes and every cleanup rule are the same for a synced day as
for an imported file. What this module adds is the HTTP side: error envelopes,
HTML error pages, and truncated bodies whose complete entries are still kept.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from dailypapers.core.text import clean
from dailypapers.ingest import formats, sources
from dailypapers.ingest.formats import Item, Problem
from dailypapers.ingest.http import PoliteClient

# The API's largest page; a day longer than this is fetched page by page.
PAGE_SIZE = 100
# A day never has this many pages; guards against an upstream that ignores ``p``.
MAX_PAGES = 20


@dataclass
class DayResult:
    day: dt.date
    items: list[Item] = field(default_factory=list)
    not_modified: bool = False
    failed: bool = False


def _salvage(text: str, request: str) -> Iterator[Item]:
    """The complete entries at the start of a JSON array that was cut off."""
    decoder = json.JSONDecoder()
    position = text.find("[") + 1
    index = 0
    while position > 0:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            # ValueError also covers numbers too long for int(), not only bad syntax.
            return
        index += 1
        location = f"{request}:entry {index}"
        try:
            yield sources.entry(value, location)
        except sources.BadRecord as exc:
            yield Problem(location, str(exc))


def parse_day(body: bytes, content_type: str, request: str) -> list[Item]:
    """Records and problems of one response body."""
    if content_type and "json" not in content_type:
        return [Problem(request, f"expected JSON, got {content_type!r}; response skipped")]
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [Problem(request, f"response is not UTF-8 ({exc}); response skipped")]
    try:
        data = json.loads(text)
    except ValueError as exc:  # a JSONDecodeError, or a number int() refuses
        kept = list(_salvage(text, request))
        return [
            *kept,
            Problem(
                request, f"malformed JSON ({exc}); {len(kept)} complete entries read before it"
            ),
        ]
    except RecursionError:
        return [Problem(request, "malformed JSON (nested too deeply); response skipped")]
    if isinstance(data, dict) and "error" in data:
        message = clean(data["error"])[:200] or "(no message)"
        return [Problem(request, f"upstream error: {message}")]
    if not isinstance(data, list):
        return [Problem(request, "expected a JSON list of entries; response skipped")]
    return [_storable(item) for item in formats.read_document(data, request)]


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
        if len(items) < PAGE_SIZE:
            return result
    return result
