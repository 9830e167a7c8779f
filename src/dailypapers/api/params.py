"""Query parameters of ``/api/daily_papers``, checked before anything is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.http import QueryDict

from dailypapers.core import periods
from dailypapers.core.params import ParamError, integer

Sort = Literal["publishedAt", "trending"]
SORTS: tuple[Sort, ...] = ("publishedAt", "trending")
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Far past the end of any list; the cap keeps the offset a small number for the database.
MAX_PAGE = 1_000_000
_PERIOD_PARAMS: tuple[tuple[str, periods.Kind], ...] = (
    ("date", "day"),
    ("week", "week"),
    ("month", "month"),
)
__all__ = ["DailyQuery", "ParamError", "daily_query"]


@dataclass(frozen=True)
class DailyQuery:
    period: periods.Period | None
    submitter: str | None
    sort: Sort
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return self.page * self.limit


def _period(params: QueryDict) -> periods.Period | None:
    given = [(name, kind) for name, kind in _PERIOD_PARAMS if name in params]
    if len(given) > 1:
        raise ParamError("give only one of date, week and month")
    if not given:
        return None
    name, kind = given[0]
    try:
        return periods.parse(kind, params.get(name, "")[:40])
    except ValueError as exc:
        raise ParamError(f"invalid {name}: {exc}") from None


def daily_query(params: QueryDict) -> DailyQuery:
    sort = params.get("sort", "publishedAt")
    if sort not in SORTS:
        raise ParamError(f"sort must be publishedAt or trending, got {sort[:40]!r}")
    submitter = params.get("submitter")
    if submitter is not None and not submitter.strip():
        raise ParamError("submitter must be a username")
    return DailyQuery(
        period=_period(params),
        submitter=submitter.strip() if submitter else None,
        sort="trending" if sort == "trending" else "publishedAt",
        # Empty means the default, as on every endpoint (``?limit=`` from a form).
        page=integer(params, "p", 0, 0, MAX_PAGE, empty_ok=True),
        limit=integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, empty_ok=True),
    )
