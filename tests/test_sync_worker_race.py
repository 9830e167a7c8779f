"""Two real sync processes at once against one database and one slow upstream.

Each source must be fetched once: one process runs it (one ``SyncRun`` with its
counts), the other finds it taken and says so. The replay server counts the
requests per path, and the database after the race must equal the database of a
single run against a fresh copy of the same upstream.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.hub import (
    LOCAL_POSTGRES,
    SOURCES,
    cli,
    hub_env,
    prepared,
    scratch_database,
    start,
)
from tests.support.replay import (
    ARXIV_2026,
    ATOM,
    HF_DAILY,
    JSON,
    NEXT,
    OAI_ARXIV,
    OAI_RAW,
    RSS,
    XML,
    Replay,
    Reply,
)

SLOW = 0.3  # seconds per answer: long enough that the two processes overlap
PATHS = ("/api/query", "/oai", "/rss/cs.CL", "/hfapi/daily_papers")

DUMP = """
import json
from dailypapers.ingest.models import SyncRun
from dailypapers.papers.models import Paper, PaperAuthor, Submission
papers = [
    [p.arxiv_id, p.version, p.title, p.abstract, p.categories, p.withdrawn,
     p.published_at.isoformat() if p.published_at else None, p.source]
    for p in Paper.objects.order_by("arxiv_id")
]
authors = list(PaperAuthor.objects.order_by("paper__arxiv_id", "position").values_list(
    "paper__arxiv_id", "position", "name"))
submissions = [
    [s.paper.arxiv_id, s.submitted_at.isoformat(), s.submitter_name]
    for s in Submission.objects.select_related("paper").order_by("paper__arxiv_id")
]
runs = [
    [r.source, r.status, r.new, r.updated, r.unchanged, r.skipped, r.requests]
    for r in SyncRun.objects.order_by("source", "started_at")
]
print(json.dumps({"papers": papers, "authors": authors, "submissions": submissions,
                  "runs": runs}))
"""


def _rss_body(items: int) -> bytes:
    """The recorded all-archives feed cut to its first ``items`` items."""
    body = (RSS / "rss_mock_feed_all_archives_2024-11-28.xml").read_bytes()
    end = 0
    for _ in range(items):
        end = body.index(b"</item>", end) + len(b"</item>")
    return body[:end] + b"</channel></rss>"


def upstream(gate: threading.Event | None = None) -> Replay:
    """A slow replay of every source; with ``gate``, the first answer waits for it."""
    server = GatedReplay(gate) if gate else Replay()
    atom = json.loads((ARXIV_2026 / "q_testing_s0_m10_bc5a6c384fe9.json").read_text())
    server.add("/api/query", Reply(200, atom["body"].encode("latin-1"), ATOM, delay=SLOW))
    first = (OAI_RAW / "ListRecordsResponse.xml").read_bytes()
    second = (OAI_ARXIV / "arxiv-physics-hep-th.xml").read_bytes()
    server.add("/oai", Reply(200, first, XML, delay=SLOW))
    server.add("/oai", Reply(200, second, XML, delay=SLOW), params=NEXT)
    server.add("/rss/cs.CL", Reply(200, _rss_body(30), XML, delay=SLOW))
    day = (HF_DAILY / "api-2026-03_2026-08" / "2026-04-07.json").read_bytes()
    server.add("/hfapi/daily_papers", Reply(200, day, JSON, delay=SLOW))
    return server


class GatedReplay(Replay):
    """Holds the first request until the test opens the gate."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate

    def _pick(self, path: str, params: dict[str, str]) -> Reply | None:
        if not self.gate.wait(timeout=120):
            raise RuntimeError("the gate was never opened")
        return super()._pick(path, params)


def requests_per_path(server: Replay) -> Counter[str]:
    return Counter(seen.path for seen in server.seen)


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, str]]]:
    """Environments for two fresh databases: one raced on, one for the single run."""
    if request.param == "sqlite":
        yield [{}, {}]
        return
    url = os.environ.get("DAILYPAPERS_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = LOCAL_POSTGRES
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {url.split('@')[-1]}: {exc}")
    # scratch_database reads the server from the environment of this process.
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", url)
    with scratch_database() as raced, scratch_database() as single:
        yield [raced, single]


WORKER = ("worker", "--once", *(arg for s in SOURCES for arg in ("--job", f"sync.{s}")))


def dump(data: Path, env: dict[str, str]) -> dict[str, Any]:
    done = cli(data, "shell", "-c", DUMP, env=env)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def single_run(
    tmp_path: Path, db_env: dict[str, str], *args: str
) -> tuple[dict[str, Any], Counter[str]]:
    server = upstream()
    try:
        env = hub_env(server, db_env)
        data = tmp_path / "single"
        prepared(data, env)
        process = start(data, env, *args)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out, err)
        return dump(data, env), requests_per_path(server)
    finally:
        server.close()


def _job_lines(output: str) -> dict[str, str]:
    lines = {}
    for line in output.splitlines():
        job, _, summary = line.partition(": ")
        if job.startswith("sync."):
            lines[job.removeprefix("sync.")] = summary
    return lines


def test_two_workers_at_once_run_each_source_once(
    tmp_path: Path, databases: list[dict[str, str]]
) -> None:
    raced_db, single_db = databases
    server = upstream()
    try:
        env = hub_env(server, raced_db)
        data = tmp_path / "raced"
        prepared(data, env)
        workers = [start(data, env, *WORKER) for _ in range(2)]
        outputs = [w.communicate(timeout=300) for w in workers]
        raced = dump(data, env)
        seen = requests_per_path(server)
    finally:
        server.close()
    assert [w.returncode for w in workers] == [0, 0], outputs

    # Each source was run by exactly one of the two; the other found it taken.
    reports = [_job_lines(out) for out, _ in outputs]
    for source in SOURCES:
        said = sorted(report[source] for report in reports)
        ran = [s for s in said if s.startswith(("ok", "partial"))]
        passed = [s for s in said if s.startswith(("not due", f"{source} is being synced"))]
        assert len(ran) == 1 and len(passed) == 1, (source, said)
    runs = Counter(run[0] for run in raced["runs"])
    assert runs == Counter(SOURCES), raced["runs"]
    assert all(run[2] > 0 for run in raced["runs"]), raced["runs"]  # new papers from each

    # No paper twice, and everything as one worker alone would have left it.
    ids = [paper[0] for paper in raced["papers"]]
    # 10 from the arXiv API, 9 by OAI-PMH, 30 announced, 19 on the daily list.
    assert len(ids) == len(set(ids)) == 10 + 9 + 30 + 19
    expected, expected_seen = single_run(tmp_path, single_db, *WORKER)
    assert raced == expected
    assert seen == expected_seen and set(seen) == set(PATHS)


def test_two_syncs_of_one_source_at_once_fetch_it_once(
    tmp_path: Path, databases: list[dict[str, str]]
) -> None:
    raced_db, single_db = databases
    gate = threading.Event()
    server = upstream(gate)
    try:
        env = hub_env(server, raced_db)
        data = tmp_path / "raced"
        prepared(data, env)
        syncs = [start(data, env, "sync", "oai") for _ in range(2)]
        # Whichever claimed the source is held at its first request until the other
        # has given up, so the two truly overlap however the machine schedules them.
        deadline = time.monotonic() + 120
        while all(s.poll() is None for s in syncs):
            assert time.monotonic() < deadline, "neither sync ended while the other was held"
            time.sleep(0.05)
        gate.set()
        outputs = [s.communicate(timeout=300) for s in syncs]
        raced = dump(data, env)
        seen = requests_per_path(server)
    finally:
        gate.set()
        server.close()
    codes = sorted(s.returncode for s in syncs)
    assert codes == [0, 4], outputs  # 4: another worker is syncing this source
    busy = next(err for (_, err), s in zip(outputs, syncs, strict=True) if s.returncode == 4)
    assert "oai is being synced by another worker" in busy
    assert [run[0] for run in raced["runs"]] == ["oai"] and raced["runs"][0][2] == 9
    expected, expected_seen = single_run(tmp_path, single_db, "sync", "oai")
    assert raced == expected
    assert seen == expected_seen == Counter({"/oai": 2})
