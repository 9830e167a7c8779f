"""Whole numbers, dates and text from requests, checked the same way by every view.

``str.isdigit()`` accepts "²" and "③", which ``int()`` then refuses, and a date of
9999-12-31 overflows as soon as a day is added to it. The readers here take ASCII
digits only, within bounds, and dates whose years leave room for arithmetic.

Two styles, as the views need them: ``integer`` and ``date`` raise ``ParamError``
with a message naming the parameter (for the API, which refuses); ``page_number``
and ``optional_int`` fall back quietly (for pages, which forgive).
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest, QueryDict

# At most 18 digits: every such number fits the database's 64-bit integers.
_DIGITS = re.compile(r"[0-9]{1,18}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded at all.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")

# Far past any list; keeps OFFSET a small number for the database.
MAX_PAGE = 10_000
# Dates a request may name; a day can be added to or taken from either end.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)


class ParamError(ValueError):
    """A parameter that cannot be used; the message says which and why."""


def to_int(raw: str | None, low: int, high: int) -> int | None:
    """``raw`` as a number if it is ASCII digits within [low, high], else None."""
    if raw is None:
        return None
    raw = raw.strip()
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def integer(
    params: QueryDict, name: str, default: int, low: int, high: int, *, empty_ok: bool = False
) -> int:
    """The parameter ``name`` as a whole number in [low, high]; ``default`` when absent
    (or empty, with ``empty_ok``)."""
    raw = params.get(name)
    if raw is None or (raw == "" and empty_ok):
        return default
    value = to_int(raw, low, high)
    if value is None:
        raise ParamError(f"{name} must be a whole number from {low} to {high}, got {raw[:40]!r}")
    return value


def optional_int(params: QueryDict, name: str, high: int = 2**63 - 1) -> int | None:
    """A positive id from a form or query string, or None when it is absent or not one."""
    return to_int(params.get(name), 1, high)


def page_number(request: HttpRequest, high: int = MAX_PAGE) -> int:
    """``?page=`` of a list page: 1 unless it is a whole number from 1 to ``high``."""
    return to_int(request.GET.get("page"), 1, high) or 1


def parse_date(raw: str, low: dt.date = MIN_DATE, high: dt.date = MAX_DATE) -> dt.date:
    """``YYYY-MM-DD`` (ASCII digits) from ``low`` to ``high``; ValueError says what is wrong."""
    match = _DATE.fullmatch(raw.strip())
    if not match:
        raise ValueError(f"got {raw[:40]!r}")
    try:
        value = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{raw[:40]} is not a day of the calendar") from None
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low} to {high}")
    return value


def date(params: QueryDict, name: str) -> dt.date | None:
    """The parameter ``name`` as a date; None when absent or empty."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise ParamError(f"{name} must be a date like 2026-04-07: {exc}") from None


def unstorable(value: str) -> str | None:
    """What makes ``value`` impossible to store as text (NUL, a lone surrogate), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return "a NUL character" if found[0] == "\x00" else "a lone surrogate (not valid text)"


def text(params: QueryDict, name: str, max_length: int) -> str:
    """A free-text field, stripped and cut to ``max_length``, without unstorable characters."""
    return _UNSTORABLE.sub("", params.get(name, "")).strip()[:max_length]
