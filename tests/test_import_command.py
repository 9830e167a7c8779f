"""``dailypapers import``: summary, exit status, progress bar, and surviving a kill."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from dailypapers.papers.models import Paper
from tests.support.commands import run_import_command
from tests.support.shared import SHARED_DATA

HF = SHARED_DATA / "hf-daily-papers"
DAILY_2026 = HF / "api-2026-03_2026-08"
REPO = Path(__file__).resolve().parent.parent


def entry(arxiv_id: str, title: str = "A title") -> dict[str, Any]:
    return {
        "paper": {
            "id": arxiv_id,
            "title": title,
            "summary": "An abstract.",
            "authors": [{"name": "Ada Lovelace"}],
            "publishedAt": "2026-04-06T00:00:00.000Z",
            "submittedOnDailyAt": "2026-04-07T02:00:00.000Z",
            "upvotes": 3,
        }
    }


# -- summary and exit status ------------------------------------------------------------


@pytest.mark.django_db
def test_summary_and_exit_status_0() -> None:
    day = DAILY_2026 / "2026-04-07.json"
    count = len(json.loads(day.read_text()))
    status, out, err = run_import_command(str(day))
    assert status == 0
    assert out.strip() == f"Imported 1 files: {count} new, 0 updated, 0 unchanged, 0 skipped."
    assert "skipped" not in err
    status, out, _ = run_import_command(str(day))
    assert status == 0
    assert out.strip() == f"Imported 1 files: 0 new, 0 updated, {count} unchanged, 0 skipped."


@pytest.mark.django_db
def test_exit_status_1_when_something_was_skipped(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps(entry("2604.00001")) + "\n{not json\n" + json.dumps(entry("2604.00003")) + "\n"
    )
    status, out, err = run_import_command(str(path))
    assert status == 1
    assert out.strip() == "Imported 1 files: 2 new, 0 updated, 0 unchanged, 1 skipped."
    assert f"skipped {path}:2: malformed JSON line" in err
    assert "1 records skipped" in err
    assert Paper.objects.count() == 2


@pytest.mark.django_db
def test_exit_status_2_when_nothing_could_be_read(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    status, _, err = run_import_command(str(broken))
    assert status == 2
    assert f"skipped {broken}: malformed JSON" in err
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an import file")
    assert run_import_command(str(empty))[0] == 2


@pytest.mark.django_db
def test_a_missing_path_stops_before_anything_is_imported(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps([entry("2604.00001")]))
    missing = tmp_path / "typo.json"
    status, out, err = run_import_command(str(good), str(missing))
    assert status == 2
    assert f"{missing}: no such file or folder" in err
    assert out == ""
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_folders_are_read_recursively_and_hidden_files_ignored(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "day.json").write_text(json.dumps([entry("2604.00001")]))
    (tmp_path / "a" / "more.jsonl").write_text(json.dumps(entry("2604.00002")) + "\n")
    (tmp_path / ".hidden.json").write_text(json.dumps([entry("2604.00003")]))
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text(json.dumps([entry("2604.00004")]))
    status, out, _ = run_import_command(str(tmp_path))
    assert status == 0
    assert out.strip() == "Imported 2 files: 2 new, 0 updated, 0 unchanged, 0 skipped."
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["2604.00001", "2604.00002"]


# -- the progress bar --------------------------------------------------------------------


def _subprocess_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DAILYPAPERS_DATA_DIR"] = str(data_dir)
    # These runs check the command's own behaviour on its own SQLite file, whatever
    # database the test suite uses.
    env.pop("DAILYPAPERS_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


def _summary(stdout: str) -> str:
    """The command's summary line (other output, such as warnings, may surround it)."""
    lines = [line for line in stdout.splitlines() if line.startswith("Imported ")]
    assert len(lines) == 1, stdout
    return lines[0]


def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dailypapers", "--data-dir", str(data_dir), *args]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    day = str(DAILY_2026 / "2026-04-07.json")
    env = _subprocess_env(tmp_path)
    plain = subprocess.run(_cli(tmp_path, "import", day), env=env, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert "Importing" not in plain.stderr
    assert _summary(plain.stdout).startswith("Imported 1 files: ")
    forced = subprocess.run(
        _cli(tmp_path, "import", day, "--progress"), env=env, capture_output=True, text=True
    )
    assert forced.returncode == 0
    assert "Importing: 100%" in forced.stderr


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    day = str(DAILY_2026 / "2026-04-07.json")
    leader, follower = pty.openpty()
    # A new pseudo-terminal is 0 columns wide; give it the size of a real one.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        _cli(tmp_path, "import", day),
        env=_subprocess_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    drawn = b""
    try:
        # Read while the command runs: a terminal holds only a little unread output.
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
        process.communicate(timeout=120)
    assert process.returncode == 0
    assert b"Importing: 100%" in drawn
    assert b"new=" in drawn  # committed counts are shown on the bar


# -- kill safety -----------------------------------------------------------------------------


class Database:
    """The database of one ``dailypapers`` process started by this test."""

    def env(self, data_dir: Path) -> dict[str, str]:
        return _subprocess_env(data_dir)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def drop(self) -> None:
        pass


class SqliteDatabase(Database):
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "dailypapers.sqlite3"

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        # Read-only, so polling never holds up the importer's writes.
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchall()


class PostgresDatabase(Database):
    def __init__(self, server_url: str) -> None:
        import psycopg

        self.server_url = server_url
        self.name = f"dailypapers_kill_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.url = urlunsplit(urlsplit(server_url)._replace(path=f"/{self.name}"))

    def env(self, data_dir: Path) -> dict[str, str]:
        env = _subprocess_env(data_dir)
        env["DAILYPAPERS_DATABASE_URL"] = self.url
        return env

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql).fetchall()

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _setups() -> list[tuple[str, str]]:
    """(database, where files are parsed) for the kill test.

    SQLite is always checked: a file in a fresh data folder, exactly what a user
    gets. PostgreSQL too when the suite runs against it, in scratch databases
    created next to the test database.
    """
    found = [("sqlite", "inline"), ("sqlite", "process")]
    if os.environ.get("DAILYPAPERS_DATABASE_URL", "").startswith("postgres"):
        found.append(("postgresql", "process"))
    return found


@pytest.fixture
def databases(backend: str, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two empty databases: one for the killed import, one for an uninterrupted one."""
    made: list[Database] = []
    for name in ("killed", "whole"):
        (tmp_path / name).mkdir()
        if backend == "sqlite":
            made.append(SqliteDatabase(tmp_path / name))
        else:
            made.append(PostgresDatabase(os.environ["DAILYPAPERS_DATABASE_URL"]))
    try:
        yield made[0], made[1]
    finally:
        for db in made:
            db.drop()


def _big_file(folder: Path, copies: int) -> tuple[Path, dict[str, int]]:
    """Every real 2026 daily entry ``copies`` times over, with unique ids, as JSON Lines.

    Returns the file and the number of authors each paper must end up with.
    """
    path = folder / "big.jsonl"
    authors: dict[str, int] = {}
    number = 0
    with path.open("w") as out:
        for day in sorted(DAILY_2026.glob("*.json")):
            for original in json.loads(day.read_text()):
                for copy in range(copies):
                    number += 1
                    item = json.loads(json.dumps(original))
                    paper = item["paper"]
                    paper["id"] = f"26{1 + copy:02d}.{number:05d}"
                    paper["authors"] = [
                        {"name": a["name"], "hidden": a.get("hidden", False), "user": a.get("user")}
                        for a in paper["authors"]
                    ]
                    for key in ("thumbnail", "mediaUrls", "submittedBy"):
                        item.pop(key, None)
                    authors[paper["id"]] = sum(
                        1 for a in paper["authors"] if a["name"].strip() and not a["hidden"]
                    )
                    out.write(json.dumps(item) + "\n")
    return path, authors


_DUMP = {
    "papers": """
        SELECT p.arxiv_id, p.version, p.title, p.abstract, p.published_at, p.categories,
               p.github_repo, p.github_stars, p.project_page, p.ai_summary,
               CAST(p.ai_keywords AS TEXT), p.upvotes_imported, p.upvotes_local,
               p.comments_imported, p.source, p.observed_at, o.slug
        FROM papers_paper p LEFT JOIN community_organization o ON o.id = p.organization_id
        ORDER BY p.arxiv_id""",
    "authors": """
        SELECT p.arxiv_id, a.position, a.name, a.slug, a.hf_user
        FROM papers_paperauthor a JOIN papers_paper p ON p.id = a.paper_id
        ORDER BY p.arxiv_id, a.position""",
    "submissions": """
        SELECT p.arxiv_id, s.submitted_at, s.submitter_name, s.submitter_fullname, s.source,
               s.hidden
        FROM papers_submission s JOIN papers_paper p ON p.id = s.paper_id
        ORDER BY p.arxiv_id""",
    "organizations": "SELECT slug, name, avatar_url FROM community_organization ORDER BY slug",
}


def _dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {name: db.rows(sql) for name, sql in _DUMP.items()}


def _paper_count(db: Database) -> int:
    try:
        return int(db.rows("SELECT COUNT(*) FROM papers_paper")[0][0])
    except Exception:  # not created or not migrated yet
        return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


@pytest.mark.parametrize(("backend", "reader"), _setups())
def test_a_killed_import_loses_nothing_and_a_rerun_finishes_it(
    tmp_path: Path, databases: tuple[Database, Database], reader: str
) -> None:
    killed, whole = databases
    batch = 50
    big, authors = _big_file(tmp_path, copies=3)
    total = len(authors)
    argv = ["import", str(big), "--batch-size", str(batch), "--no-progress", "--reader", reader]

    process = subprocess.Popen(
        _cli(tmp_path / "killed", *argv),
        env=killed.env(tmp_path / "killed"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while _paper_count(killed) == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no batch was committed in time"
        time.sleep(0.01)
    readers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL

    # A reader process, when there is one, ends with the importer.
    assert len(readers) == (1 if reader == "process" else 0)
    for pid in readers:
        deadline = time.monotonic() + 30
        while not _gone(pid):
            assert time.monotonic() < deadline, f"reader process {pid} outlived the import"
            time.sleep(0.05)

    # What was committed is whole: full batches of complete papers, nothing half-written.
    stored = _paper_count(killed)
    assert 0 < stored < total, "the import finished before it was killed"
    assert stored % batch == 0
    per_paper = dict(
        killed.rows(
            "SELECT p.arxiv_id, COUNT(a.id) FROM papers_paper p "
            "LEFT JOIN papers_paperauthor a ON a.paper_id = p.id GROUP BY p.arxiv_id"
        )
    )
    assert per_paper == {arxiv_id: authors[arxiv_id] for arxiv_id in per_paper}
    assert killed.rows(
        "SELECT COUNT(*) FROM papers_paper p WHERE NOT EXISTS "
        "(SELECT 1 FROM papers_submission s WHERE s.paper_id = p.id)"
    ) == [(0,)]

    rerun = subprocess.run(
        _cli(tmp_path / "killed", *argv),
        env=killed.env(tmp_path / "killed"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert _summary(rerun.stdout) == (
        f"Imported 1 files: {total - stored} new, 0 updated, {stored} unchanged, 0 skipped."
    )

    uninterrupted = subprocess.run(
        _cli(tmp_path / "whole", *argv),
        env=whole.env(tmp_path / "whole"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _summary(uninterrupted.stdout) == (
        f"Imported 1 files: {total} new, 0 updated, 0 unchanged, 0 skipped."
    )
    assert _dump(killed) == _dump(whole)
