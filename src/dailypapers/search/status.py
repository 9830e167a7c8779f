"""The search section of /healthz and `dailypapers status` (see dailypapers.core.status)."""

from __future__ import annotations

from typing import Any

from dailypapers.core.status import register
from dailypapers.search import index


@register("search")
def search_section() -> dict[str, Any]:
    report = index.status()
    dense = report.get("dense") or {}
    papers = int(report.get("papers") or 0)
    pending = int(dense.get("pending") or 0)
    # Words always work; meaning once a model exists and while vectors are computed.
    report["by_meaning"] = bool(dense.get("model_file")) and bool(dense.get("vectors"))
    report["embedded_share"] = round(max(0.0, 1 - pending / papers), 3) if papers else None
    return report
