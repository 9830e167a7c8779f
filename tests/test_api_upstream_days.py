"""The 102 recorded days of the upstream API, imported and served again, field by field.

Every difference between ``/api/daily_papers?date=D`` here and the recorded upstream
file of day D must be one listed, with its reason, in docs/hf-compatibility.md
("Differences from the upstream API"); the test reads the allowed ones from there.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dailypapers.ingest.pipeline import run_import
from tests.support.shared import SHARED_DATA

pytestmark = pytest.mark.django_db

DAYS = SHARED_DATA / "hf-daily-papers/api-2026-03_2026-08"
DOC = Path(__file__).resolve().parents[1] / "docs/hf-compatibility.md"
_ROW = re.compile(
    r"^\| `([^`]+)` \| (missing|extra|value|order|ties) \| ([0-9,]+) \|", re.MULTILINE
)


def documented() -> dict[tuple[str, str], int]:
    """(key, kind) -> how many such differences the docs allow."""
    text = DOC.read_text()
    section = text.split("## Differences from the upstream API", 1)[1]
    return {(path, kind): int(n.replace(",", "")) for path, kind, n in _ROW.findall(section)}


def compare(ours: Any, theirs: Any, path: str, found: Counter[tuple[str, str]]) -> None:
    if isinstance(theirs, dict) and isinstance(ours, dict):
        for key in theirs.keys() - ours.keys():
            found[(f"{path}.{key}".lstrip("."), "missing")] += 1
        for key in ours.keys() - theirs.keys():
            found[(f"{path}.{key}".lstrip("."), "extra")] += 1
        for key in theirs.keys() & ours.keys():
            compare(ours[key], theirs[key], f"{path}.{key}", found)
    elif isinstance(theirs, list) and isinstance(ours, list) and len(ours) == len(theirs):
        for mine, upstream in zip(ours, theirs, strict=True):
            compare(mine, upstream, f"{path}[]", found)
    elif ours != theirs:
        found[(path.lstrip("."), "value")] += 1


def _order(ours: list[Any], upstream: list[Any], found: Counter[tuple[str, str]]) -> None:
    """Each pair of neighbours here that the upstream lists the other way round: "ties"
    when the upstream has them at equal upvotes and arXiv time, "order" otherwise."""
    position = {e["paper"]["id"]: n for n, e in enumerate(upstream)}
    common = [e["paper"]["id"] for e in ours if e["paper"]["id"] in position]
    for first, second in pairwise(common):
        if position[first] > position[second]:
            a, b = upstream[position[first]], upstream[position[second]]
            tied = (a["paper"]["upvotes"], a["publishedAt"]) == (
                b["paper"]["upvotes"],
                b["publishedAt"],
            )
            found[("entry", "ties" if tied else "order")] += 1


def differences(client: Client) -> tuple[Counter[tuple[str, str]], int]:
    found: Counter[tuple[str, str]] = Counter()
    compared = 0
    for day in sorted(DAYS.glob("*.json")):
        upstream = json.loads(day.read_text())
        response = client.get("/api/daily_papers", {"date": day.stem, "limit": "100"})
        assert response.status_code == 200
        ours = {e["paper"]["id"]: e for e in response.json()}
        listed = [e["paper"]["id"] for e in upstream]
        _order(response.json(), upstream, found)
        for entry in upstream:
            mine = ours.get(entry["paper"]["id"])
            if mine is None:
                found[("entry", "missing")] += 1
                continue
            compared += 1
            compare(mine, entry, "", found)
        found[("entry", "extra")] += len(ours.keys() - set(listed))
    return found, compared


def test_the_recorded_days_come_back_as_upstream_has_them(client: Client, settings: Any) -> None:
    settings.TIME_ZONE = "UTC"
    settings.PAGE_CACHE_SECONDS = 0
    files = sorted(DAYS.glob("*.json"))
    assert len(files) == 102
    summary = run_import(files)
    assert summary.problems == []
    found, compared = differences(client)
    found = Counter({k: v for k, v in found.items() if v})
    report = "\n".join(f"{path} {kind}: {n}" for (path, kind), n in sorted(found.items()))
    assert compared == 2489

    allowed = documented()
    undocumented = {key: n for key, n in found.items() if n > allowed.get(key, 0)}
    assert not undocumented, report
