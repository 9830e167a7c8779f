"""Count the SQL queries and time the pages in-process, against a benchmark data folder.

Run by bench_pages.py as ``python benchmarks/_querycheck.py DATA_DIR PATH...`` (a
separate process, because Django reads the data folder from the environment at
import time). Prints one JSON object: per path the status, the number of queries,
the time spent in SQL and in the whole view; plus the SQLite plan of the daily-list
query, which is what shows whether the indexes are used.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def main() -> int:
    data_dir, paths = sys.argv[1], sys.argv[2:]
    os.environ["DAILYPAPERS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # A failing page is reported with its status, not raised: the rest still gets measured.
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    report: dict[str, Any] = {"pages": {}}
    plan_sql = ""
    for path in paths:
        best: dict[str, Any] | None = None
        for _ in range(3):  # the first request also warms caches; keep the fastest
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                response = client.get(path)
                total = time.perf_counter() - began
            captured = ctx.captured_queries
            run = {
                "status": response.status_code,
                "queries": len(captured),
                "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 2),
                "total_ms": round(total * 1000, 2),
                "bytes": len(response.content),
                "slowest_sql": max(captured, key=lambda q: float(q["time"]))["sql"][:400]
                if captured
                else "",
            }
            if best is None or run["total_ms"] < best["total_ms"]:
                best = run
            if path.startswith("/papers/date/") and not plan_sql:
                # The list query itself: the one that sorts and pages the day's entries.
                plan_sql = next((q["sql"] for q in captured if " LIMIT " in q["sql"]), "")
        report["pages"][path] = best

    if connection.vendor == "sqlite" and plan_sql:
        # Django logs SQLite queries with their parameters inlined, so the text runs as is.
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {plan_sql}")
            report["daily_list_plan"] = "\n".join(str(row[-1]) for row in cursor.fetchall())
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
