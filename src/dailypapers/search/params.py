"""Search parameters from a query string, shared by the page and the API.

The page forgives (a bad value is dropped with a note); the API refuses with a
message, as the rest of the API does.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.http import QueryDict

from dailypapers.core import params as core_params
from dailypapers.core.params import ParamError
from dailypapers.search.engine import SORTS, Sort
from dailypapers.search.querylang import MAX_QUERY, Filters

__all__ = ["ParamError", "SearchParams", "integer", "parse"]

_CATEGORY = re.compile(r"[A-Za-z-]{2,20}(\.[A-Za-z-]{1,10})?")
_SLUG = re.compile(r"[\w.-]{1,100}")


@dataclass
class SearchParams:
    q: str = ""
    filters: Filters = field(default_factory=Filters)
    sort: Sort = "relevance"
    notes: list[str] = field(default_factory=list)


def _date(params: QueryDict, name: str, strict: bool, notes: list[str]) -> dt.date | None:
    try:
        return core_params.date(params, name)
    except ParamError as exc:
        if strict:
            raise
        message = str(exc)
        notes.append(message[0].upper() + message[1:] + "; ignored.")
        return None


def integer(params: QueryDict, name: str, default: int, low: int, high: int) -> int:
    """A whole number in [low, high]; ``default`` when absent or empty."""
    return core_params.integer(params, name, default, low, high, empty_ok=True)


def parse(params: QueryDict, *, strict: bool) -> SearchParams:
    notes: list[str] = []
    q = params.get("q", "")
    if strict and len(q) > MAX_QUERY:
        raise ParamError(f"q must be at most {MAX_QUERY} characters, got {len(q)}")
    sort = params.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        if strict:
            raise ParamError(f"sort must be relevance, upvotes or date, got {sort[:40]!r}")
        notes.append("Unknown sort order; sorted by relevance.")
        sort = "relevance"
    category = (params.get("cat") or "").strip()
    if category and not _CATEGORY.fullmatch(category):
        if strict:
            raise ParamError(f"cat must be an arXiv category like cs.CL, got {category[:40]!r}")
        notes.append("That is not an arXiv category; ignored.")
        category = ""
    org = (params.get("org") or "").strip()
    if org and not _SLUG.fullmatch(org):
        if strict:
            raise ParamError(f"org must be an organization name, got {org[:40]!r}")
        org = ""
    scope = params.get("list", "all")
    if scope not in ("all", "daily"):
        if strict:
            raise ParamError(f"list must be all or daily, got {scope[:40]!r}")
        scope = "all"
    filters = Filters(
        date_from=_date(params, "from", strict, notes),
        date_to=_date(params, "to", strict, notes),
        on_daily=scope == "daily",
        categories=(category,) if category else (),
        has_code=params.get("code") in ("1", "true", "on", "yes"),
        organization=org,
    )
    return SearchParams(q=q, filters=filters, sort=sort, notes=notes)  # type: ignore[arg-type]
