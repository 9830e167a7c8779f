"""A real `dailypapers sync` killed with SIGKILL mid-harvest, then run again.

Each case kills the process at a known point: while the replay server holds a chosen
request (the pages before it are committed), or inside the transaction that writes a
page (its papers written, its watermark not yet). A trap on the watermark update holds
that transaction open: on PostgreSQL it waits for an advisory lock the test holds, on
SQLite it spins until killed. The rerun of the same command must finish at once (the
dead process's claim must not stand in its way, and no claim timeout is lowered), and
the database must equal the one a single uninterrupted run leaves, started from the
same freshly migrated database. Both run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from dailypapers.core import claims
from dailypapers.ingest import sync
from dailypapers.ingest.models import SyncRun, SyncState
from tests.support import replay as recorded
from tests.support.claims import ended_pid, holder_for
from tests.support.hub import LOCAL_POSTGRES, clean_env, hub_env, prepared, scratch_database, start
from tests.support.replay import ATOM, JSON, NEXT, XML, Replay, Reply

WAIT = 60.0  # seconds before a case gives up waiting for its kill point
SPIN = 0.2  # CPU seconds a trapped SQLite writer must have spun in the trap
TRAP_KEY = 7_240_001  # the advisory lock a trapped PostgreSQL writer waits for
COMMANDS = {
    "oai": ("sync", "oai"),
    "hf": ("sync", "hf", "--since", "2026-04-06", "--until", "2026-04-08"),
    "arxiv": ("sync", "arxiv", "--query", "testing"),
}
HF_DAYS = ("2026-04-06", "2026-04-07", "2026-04-08")  # 8, 19 and 20 papers
ARXIV_PAGES = 5  # 10 papers each, asked for 100 at a time up to the run's 500


# -- the upstream -------------------------------------------------------------------


class HeldReplay(Replay):
    """Holds request number ``hold`` (counting from 1) until ``release`` is set."""

    def __init__(self, hold: int = 0) -> None:
        super().__init__()
        self.hold = hold
        self.count = 0
        self.arrived = threading.Event()
        self.release = threading.Event()

    def _pick(self, path: str, params: dict[str, str]) -> Reply | None:
        with self.lock:
            self.count += 1
            number = self.count
        if number == self.hold:
            self.arrived.set()
            if not self.release.wait(timeout=2 * WAIT):
                raise RuntimeError("the held request was never released")
        return super()._pick(path, params)


def _arxiv_routes(server: Replay) -> None:
    # The run asks for 100 results a page; the recordings of 10 stand in for them.
    for page in range(ARXIV_PAGES):
        file = next(recorded.ARXIV_2026.glob(f"q_testing_s{10 * page}_m10_*.json"))
        data = json.loads(file.read_text())
        query = urllib.parse.urlsplit(data["url"]).query
        params = {k: v for k, v in urllib.parse.parse_qsl(query) if v}
        params.update(sortBy="relevance", start=str(100 * page), max_results="100")
        server.add("/api/query", Reply(200, data["body"].encode("latin-1"), ATOM), params=params)


def upstream(source: str, hold: int = 0) -> HeldReplay:
    server = HeldReplay(hold)
    if source == "oai":
        page_one = (recorded.OAI_RAW / "ListRecordsResponse.xml").read_bytes()  # 6 papers
        page_two = (recorded.OAI_ARXIV / "arxiv-physics-hep-th.xml").read_bytes()  # 3 papers
        server.add("/oai", Reply(200, page_one, XML))
        server.add("/oai", Reply(200, page_two, XML), params=NEXT)
    elif source == "hf":
        for day in HF_DAYS:
            body = (recorded.HF_DAILY / "api-2026-03_2026-08" / f"{day}.json").read_bytes()
            params = {"date": day, "limit": "100"}
            server.add("/hfapi/daily_papers", Reply(200, body, JSON), params=params)
    else:
        _arxiv_routes(server)
    return server


# -- the databases --------------------------------------------------------------------


@dataclass
class Hub:
    """A data folder and its database (SQLite in the folder, or a PostgreSQL one)."""

    backend: str
    data: Path
    db_env: dict[str, str]
    pristine: Path  # the SQLite database as migrated
    empty: list[str]  # the tables migrating left empty

    def connect(self) -> Any:
        if self.backend == "sqlite":
            return sqlite3.connect(self.data / "dailypapers.sqlite3", timeout=30)
        import psycopg

        return psycopg.connect(self.db_env["DAILYPAPERS_DATABASE_URL"], autocommit=True)

    def fresh(self) -> Hub:
        """Back to the migrated database (migrating again would take seconds)."""
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.data / f"dailypapers.sqlite3{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.pristine, self.data / "dailypapers.sqlite3")
        else:
            with closing(self.connect()) as connection:
                tables = ", ".join(f'"{table}"' for table in self.empty)
                connection.execute(f"TRUNCATE {tables} RESTART IDENTITY")
        return self


def _postgres_url() -> str:
    url = os.environ.get("DAILYPAPERS_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else LOCAL_POSTGRES


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One migrated hub per database engine; each user calls ``fresh()`` first."""
    backend: str = request.param
    data = tmp_path_factory.mktemp(f"hub-{backend}")
    with ExitStack() as stack:
        env: dict[str, str] = {}
        if backend == "postgresql":
            import psycopg

            url = _postgres_url()
            try:
                psycopg.connect(url, connect_timeout=3).close()
            except psycopg.OperationalError as exc:
                pytest.skip(f"no PostgreSQL at {url.split('@')[-1]}: {exc}")
            patch = stack.enter_context(pytest.MonkeyPatch.context())
            # scratch_database reads the server from the environment of this process.
            patch.setenv("DAILYPAPERS_DATABASE_URL", url)
            env = stack.enter_context(scratch_database())
        prepared(data, clean_env(**env))
        pristine = data.parent / f"{data.name}-pristine.sqlite3"
        made = Hub(backend, data, env, pristine, [])
        if backend == "sqlite":
            shutil.copyfile(data / "dailypapers.sqlite3", pristine)
        with closing(made.connect()) as connection:
            cursor = connection.cursor()
            made.empty.extend(t for t, n in _counts(cursor, backend).items() if n == 0)
        yield made


# -- what a run leaves ---------------------------------------------------------------------

# Columns the clock or the order of inserts decides; everything else must match.
VOLATILE = {"id", "paper_id", "organization_id", "created_at", "modified_at", "created_by_id"}


def _rows(cursor: Any, query: str) -> list[dict[str, Any]]:
    cursor.execute(query)
    names = [column[0] for column in cursor.description]
    return [
        {k: v for k, v in zip(names, row, strict=True) if k not in VOLATILE}
        for row in cursor.fetchall()
    ]


def _tables(cursor: Any, backend: str) -> list[str]:
    if backend == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(name for (name,) in cursor.fetchall() if not name.startswith("sqlite_"))


def _counts(cursor: Any, backend: str) -> dict[str, int]:
    """Rows per table, the migrations' own bookkeeping included."""
    counts = {}
    for table in _tables(cursor, backend):
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - the catalogue's names
        counts[table] = cursor.fetchone()[0]
    return counts


def snapshot(hub: Hub) -> dict[str, Any]:
    """Everything a sync writes, without row ids and clock times; runs summed up."""
    with closing(hub.connect()) as connection:
        cursor = connection.cursor()
        states = _rows(cursor, "SELECT * FROM ingest_syncstate ORDER BY source")
        for state in states:
            state["last_success_at"] = state["last_success_at"] is not None
        runs = _rows(cursor, "SELECT source, status, new FROM ingest_syncrun")
        counts = _counts(cursor, hub.backend)
        return {
            "papers": _rows(
                cursor,
                "SELECT p.*, o.slug AS organization FROM papers_paper p LEFT JOIN "
                "community_organization o ON o.id = p.organization_id ORDER BY p.arxiv_id",
            ),
            "authors": _rows(
                cursor,
                "SELECT p.arxiv_id, a.* FROM papers_paperauthor a JOIN papers_paper p "
                "ON p.id = a.paper_id ORDER BY p.arxiv_id, a.position",
            ),
            "submissions": _rows(
                cursor,
                "SELECT p.arxiv_id, s.* FROM papers_submission s JOIN papers_paper p "
                "ON p.id = s.paper_id ORDER BY p.arxiv_id",
            ),
            "organizations": _rows(cursor, "SELECT * FROM community_organization ORDER BY slug"),
            "states": states,
            # A killed run's row is not a success; successes and new papers must add up.
            "succeeded": Counter(
                (r["source"], r["status"]) for r in runs if r["status"] in ("ok", "partial")
            ),
            "new": sum(r["new"] for r in runs),
            "unfinished": Counter(
                r["status"] for r in runs if r["status"] not in ("ok", "partial")
            ),
            "tables": {t: n for t, n in counts.items() if t != "ingest_syncrun"},
        }


def run_to_end(hub: Hub, server: Replay, source: str) -> subprocess.CompletedProcess[str]:
    process = start(hub.data, hub_env(server, hub.db_env), *COMMANDS[source])
    out, err = process.communicate(timeout=5 * WAIT)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture(scope="module")
def clean(hub: Hub) -> Callable[[str], tuple[dict[str, Any], int]]:
    """The database and exit status of one uninterrupted run, per source."""
    done: dict[str, tuple[dict[str, Any], int]] = {}

    def of(source: str) -> tuple[dict[str, Any], int]:
        if source not in done:
            server = upstream(source)
            try:
                ended = run_to_end(hub.fresh(), server, source)
            finally:
                server.close()
            assert ended.returncode in (0, 1), (ended.stdout, ended.stderr)
            done[source] = snapshot(hub), ended.returncode
        return done[source]

    return of


# -- holding a writer inside its transaction -------------------------------------------------

SPIN_FOREVER = (
    "SELECT count(*) FROM (WITH RECURSIVE spin(i) AS "
    "(SELECT 1 UNION ALL SELECT i + 1 FROM spin) SELECT i FROM spin)"
)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sqlite_writing(path: Path) -> bool:
    """True while another connection holds the write lock."""
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as probe:
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return True
        probe.execute("ROLLBACK")
        return False


@contextmanager
def trap(hub: Hub, condition: str) -> Iterator[Callable[[subprocess.Popen[str]], None]]:
    """Hold the first watermark update meeting ``condition`` inside its transaction.

    Yields a function that returns once ``process`` is held there. The watermark is
    written after the page's papers, authors and submissions, in the same transaction.
    """
    connection = hub.connect()
    try:
        if hub.backend == "sqlite":
            connection.isolation_level = None
            connection.execute(
                "CREATE TRIGGER kill_trap BEFORE UPDATE OF watermark ON ingest_syncstate "
                f"WHEN {condition} BEGIN {SPIN_FOREVER}; END"
            )
            path = hub.data / "dailypapers.sqlite3"

            def held(process: subprocess.Popen[str]) -> None:
                # The lock alone could be any short write; held and spinning is the trap.
                start_cpu: float | None = None
                deadline = time.monotonic() + WAIT
                while time.monotonic() < deadline and process.poll() is None:
                    if not _sqlite_writing(path):
                        start_cpu = None
                    elif start_cpu is None:
                        start_cpu = _cpu_seconds(process.pid)
                    elif _cpu_seconds(process.pid) - start_cpu >= SPIN:
                        return
                    time.sleep(0.02)
                raise AssertionError(f"never held in the trap: {process.poll()=}")

        else:
            connection.execute(
                "CREATE FUNCTION kill_trap() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition} THEN PERFORM pg_advisory_xact_lock({TRAP_KEY}); END IF; "
                "RETURN NEW; END $$"
            )
            connection.execute(
                "CREATE TRIGGER kill_trap BEFORE UPDATE OF watermark ON ingest_syncstate "
                "FOR EACH ROW EXECUTE FUNCTION kill_trap()"
            )
            connection.execute(f"SELECT pg_advisory_lock({TRAP_KEY})")

            def held(process: subprocess.Popen[str]) -> None:
                deadline = time.monotonic() + WAIT
                while time.monotonic() < deadline and process.poll() is None:
                    waiting = connection.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    ).fetchone()[0]
                    if waiting:
                        return
                    time.sleep(0.02)
                raise AssertionError(f"never held in the trap: {process.poll()=}")

        yield held
    finally:
        if hub.backend == "sqlite":
            connection.execute("DROP TRIGGER IF EXISTS kill_trap")
        else:
            # The killed client's server process gets the lock, finds its client gone
            # and rolls back; dropping the trigger waits for that.
            connection.execute(f"SELECT pg_advisory_unlock({TRAP_KEY})")
            connection.execute("DROP TRIGGER IF EXISTS kill_trap ON ingest_syncstate")
            connection.execute("DROP FUNCTION IF EXISTS kill_trap()")
        connection.close()


# -- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    source: str
    where: str
    committed: int  # papers in the database once the kill has landed
    hold: int = 0  # kill while the upstream holds this request (from 1)
    over: int | None = None  # kill in the page store taking the papers over this many
    final: bool = False  # kill in the store of the watermark after the last page
    rerun_asks: int | None = None  # requests the rerun makes, when it resumes

    def condition(self, backend: str) -> str:
        if self.final:  # only the closing watermark has no "until"
            if backend == "sqlite":
                return "json_extract(NEW.watermark, '$.until') IS NULL"
            return "NOT (NEW.watermark ? 'until')"
        return f"(SELECT count(*) FROM papers_paper) > {self.over:d}"  # noqa: S608 - a number


CASES = [
    Case("oai", "before-the-first-page", committed=0, hold=1, rerun_asks=2),
    Case("oai", "between-pages", committed=6, hold=2, rerun_asks=1),
    Case("oai", "inside-the-second-page", committed=6, over=6, rerun_asks=1),
    Case("oai", "inside-the-closing-watermark", committed=9, final=True, rerun_asks=2),
    # The daily list: each day's papers, authors and submissions in one transaction.
    Case("hf", "inside-the-second-day", committed=8, over=8),
    Case("arxiv", "between-pages", committed=20, hold=3),
]


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=WAIT)
    assert process.returncode == -signal.SIGKILL


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate(timeout=WAIT)


def kill_at(case: Case, hub: Hub, server: HeldReplay) -> int:
    """Start the sync, SIGKILL it at the case's point; the pid it had."""
    env = hub_env(server, hub.db_env)
    with ExitStack() as stack:
        held = None
        if not case.hold:
            held = stack.enter_context(trap(hub, case.condition(hub.backend)))
        process = start(hub.data, env, *COMMANDS[case.source])
        stack.callback(server.release.set)
        stack.callback(_stop, process)
        if held:
            held(process)
        else:
            deadline = time.monotonic() + WAIT
            while not server.arrived.wait(0.05):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the held request never came"
        _kill(process)
        return process.pid


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.source}-{c.where}")
def test_a_killed_sync_then_a_rerun_equals_one_clean_run(
    case: Case, hub: Hub, clean: Callable[[str], tuple[dict[str, Any], int]]
) -> None:
    expected, status = clean(case.source)
    server = upstream(case.source, case.hold)
    try:
        pid = kill_at(case, hub.fresh(), server)
        killed = snapshot(hub)
        asked = len(server.seen)
        # The kill landed where meant: the pages before it are in, nothing of its page.
        assert len(killed["papers"]) == case.committed
        state = next(s for s in killed["states"] if s["source"] == case.source)
        assert f":{pid}:" in state["claimed_by"]  # the dead process still holds the source
        # No claim timeout is lowered: the rerun must find the claim's holder gone.
        rerun = run_to_end(hub, server, case.source)
        assert rerun.returncode == status, (rerun.stdout, rerun.stderr)
        again = snapshot(hub)
        rerun_asked = server.seen[asked:]
    finally:
        server.release.set()
        server.close()
    kept = ("papers", "authors", "submissions", "organizations", "states", "succeeded", "new")
    assert {k: again[k] for k in kept} == {k: expected[k] for k in kept}
    assert again["tables"] == expected["tables"]
    # The killed run's row is closed as failed, not left "running" for ever.
    assert expected["unfinished"] == Counter()
    assert again["unfinished"] == Counter({"failed": 1})
    if case.rerun_asks is not None:
        assert len(rerun_asked) == case.rerun_asks
        resumed = rerun_asked[0].params.get("resumptionToken") == NEXT["resumptionToken"]
        assert resumed == (case.rerun_asks == 1)


# -- the claim of a process that has ended ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("holder", ["ended", "earlier-process-with-our-pid"])
def test_the_claim_of_a_process_that_ended_here_is_taken_at_once(holder: str) -> None:
    gone = holder_for(ended_pid() if holder == "ended" else os.getpid())
    now = timezone.now()
    assert sync.claim("oai", gone, now)
    taker = claims.new_holder()
    assert sync.claim("oai", taker, now)
    assert not sync.claim("oai", claims.new_holder(), now)  # and the taker's claim holds


@pytest.mark.django_db
@pytest.mark.parametrize(
    "holder", ["alive", "this-process", "other-host", "other-pid-namespace", "older-format"]
)
def test_a_claim_stands_while_its_holder_may_be_alive(holder: str) -> None:
    host, _, _, run, place = claims.new_holder().split(":")
    ended = ended_pid()
    owner = {
        "alive": holder_for(os.getppid()),
        "this-process": claims.new_holder(),  # another run of this very process
        "other-host": f"elsewhere:{ended}:0:{run}:{place}",
        "other-pid-namespace": holder_for(ended, place="f" * len(place)),
        "older-format": f"{host}:{ended}:{run}:{place}",
    }[holder]
    now = timezone.now()
    assert sync.claim("hf", owner, now)
    assert not sync.claim("hf", claims.new_holder(), now)


@pytest.mark.django_db
def test_runs_left_running_are_closed_with_what_they_did() -> None:
    now = timezone.now()
    left = SyncRun.objects.create(source="oai", started_at=now, new=6, requests=1)
    other = SyncRun.objects.create(source="hf", started_at=now)
    done = SyncRun.objects.create(source="oai", started_at=now, status=SyncRun.Status.OK)
    assert sync.close_abandoned("oai", now) == 1
    left.refresh_from_db()
    assert left.status == SyncRun.Status.FAILED and left.finished_at == now
    assert left.summary.startswith("6 new, 0 updated") and "killed or crashed" in left.summary
    assert SyncRun.objects.get(pk=other.pk).status == SyncRun.Status.RUNNING
    assert SyncRun.objects.get(pk=done.pk).status == SyncRun.Status.OK


@pytest.mark.django_db
def test_a_turn_cut_short_by_a_kill_is_due_again_at_once(settings: Any) -> None:
    # The killed worker had moved next_due_at a whole interval on; a worker that finds
    # its claim held by a process that ended takes the turn now, a live one does not.
    settings.SYNC_SOURCES = ["hf"]
    settings.HF_API_URL = "http://127.0.0.1:9/api"  # nothing listens: fails at once, offline
    settings.SYNC_MAX_RETRIES = 0
    later = timezone.now() + dt.timedelta(hours=23)
    alive = holder_for(os.getppid())
    SyncState.objects.create(source="hf", next_due_at=later, claimed_by=alive)
    assert sync.run_if_due("hf", timezone.now(), lambda: True) == "not due"
    SyncState.objects.filter(source="hf").update(claimed_by=holder_for(ended_pid()))
    taken = sync.run_if_due("hf", timezone.now(), lambda: True)
    assert taken != "not due"
    # The turn was taken: a run was recorded and the schedule moved on from the kill's.
    state = SyncState.objects.get(source="hf")
    assert SyncRun.objects.filter(source="hf").exists(), taken
    assert state.next_due_at != later
