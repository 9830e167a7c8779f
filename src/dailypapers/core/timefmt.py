"""Timestamps in the exact shape the Hugging Face API uses: 2026-04-07T02:36:53.761Z."""

from __future__ import annotations

import datetime as dt

# Longer than any ISO 8601 timestamp; anything longer is not one.
_MAX_LENGTH = 40


def iso_z(moment: dt.datetime | None) -> str | None:
    """``2026-04-07T02:36:53.761Z``; naive datetimes are taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_iso(value: object) -> dt.datetime | None:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC. None when unusable."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    if text[-1] in "zZ":
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        # OverflowError: an offset that pushes the moment past year 1 or 9999.
        return None
