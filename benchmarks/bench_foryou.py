"""For you at scale: the worker recomputing every reader's profile, and the For-you page.

    .venv/bin/python benchmarks/bench_foryou.py                      # 100k papers, 100k readers
    .venv/bin/python benchmarks/bench_foryou.py --readers 20000 --requests 50

1. The data folder of bench_pages.py (the generated corpus imported; cached in
   benchmarks/out/), copied once to its own folder, gets what the page and the worker
   read: a vector for every paper (random around 64 topic centres, unit length, 384
   dimensions: the model's size; written as the search worker writes them, then
   copied to the node's store by ``dense.sync``), ``--readers`` readers signed in
   yesterday with 1 to ``2 * --signals`` upvotes each from one or two topics, one in
   five with "less like this" marks, and one reader with 300 upvotes for the page.
2. Deletes every stored profile and times the worker's own function,
   ``foryou.services.refresh_profiles``, until all readers have one: a full run, in
   this one process, as the worker job runs it.
3. Starts the production server (``dailypapers serve``, as bench_pages.py does) and
   times the For-you pages of the reader with 300 upvotes, one request at a time
   (``--requests`` each, after a warm-up): the newest day, the largest day, its week
   and its month, and the plain daily list for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import shutil
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
import bench_pages
import results

TOPICS = 64
DIM = 384
PAGE_READER = "foryou-bench-reader"
TARGETS = {"recompute 100k s": 600.0, "page p50 ms": 40.0}


def prepare(papers: int, seed: int) -> Path:
    source = bench_pages.ensure_data(papers, seed)
    target = _common.OUT_DIR / f"foryou-{source.name}"
    marker = source / "imported.sha256"
    if (target / "imported.sha256").exists() and (target / "imported.sha256").read_text() == (
        marker.read_text()
    ):
        return target
    shutil.rmtree(target, ignore_errors=True)
    print(f"Copying {source} to {target} (the readers are added there)...")
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("dailypapers.sqlite3*", marker.name)
    )
    # SQLite's own backup: a consistent copy even of a database in WAL mode.
    src = sqlite3.connect(source / "dailypapers.sqlite3")
    dst = sqlite3.connect(target / "dailypapers.sqlite3")
    with closing(src), closing(dst):
        src.backup(dst)
    (target / marker.name).write_text(marker.read_text())  # complete: reused next time
    return target


def setup_django(data_dir: Path) -> None:
    os.environ["DAILYPAPERS_DATA_DIR"] = str(data_dir)
    os.environ.pop("DAILYPAPERS_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dailypapers.settings")
    import django

    django.setup()


def seed(data_dir: Path, readers: int, signals: int, rng: np.random.Generator) -> None:
    """Vectors for every paper and ``readers`` readers with upvotes (once per folder)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from dailypapers.papers.models import Paper, Upvote
    from dailypapers.search import dense, encoder
    from dailypapers.search.models import Embedding

    marker = data_dir / f"foryou-seeded-{readers}-{signals}"
    if marker.exists():
        print(f"Using the readers already in {data_dir}")
        return
    now = timezone.now()
    started = time.perf_counter()
    ids = np.asarray(Paper.objects.order_by("pk").values_list("pk", flat=True), dtype=np.int64)
    centres = rng.normal(size=(TOPICS, DIM)).astype(np.float32)
    topic = ids % TOPICS
    Embedding.objects.all().delete()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        rows = centres[topic[start : start + 5000]] + 1.2 * rng.normal(
            size=(len(chunk), DIM)
        ).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        Embedding.objects.bulk_create(
            Embedding(
                paper_id=int(pk),
                model=encoder.MODEL_NAME,
                vector=row.astype("<f4").tobytes(),
                updated_at=now,
            )
            for pk, row in zip(chunk, rows, strict=True)
        )
    while dense.sync(graph_work=True):
        pass
    print(f"  vectors for {len(ids):,} papers ({time.perf_counter() - started:.0f} s)")
    by_topic = [ids[topic == t] for t in range(TOPICS)]
    password = make_password("foryou-bench-password")
    User.objects.filter(username__startswith="foryou-bench").delete()
    started = time.perf_counter()
    # Upvotes and marks straight into their tables (the ORM's objects cost more than the
    # profiles they are for); created at random moments of the last 120 days.
    votes_sql = (
        "INSERT OR IGNORE INTO papers_upvote (user_id, paper_id, created_at) VALUES (%s, %s, %s)"
    )
    less_sql = (
        "INSERT OR IGNORE INTO foryou_lesslike (user_id, paper_id, created_at) VALUES (%s, %s, %s)"
    )
    moments = [
        (now - dt.timedelta(days=float(d))).strftime("%Y-%m-%d %H:%M:%S.%f")
        for d in rng.uniform(0, 120, 4096)
    ]
    for start in range(0, readers + 1, 5000):
        count = min(5000, readers + 1 - start)
        with transaction.atomic(), connection.cursor() as cursor:
            users = User.objects.bulk_create(
                User(
                    username=PAGE_READER if start + n == readers else f"foryou-bench-{start + n}",
                    password=password,
                    last_login=now - dt.timedelta(days=1),
                )
                for n in range(count)
            )
            votes: list[tuple[int, int, str]] = []
            less: list[tuple[int, int, str]] = []
            for user in users:
                many = 300 if user.username == PAGE_READER else int(rng.integers(1, 2 * signals))
                chosen = np.concatenate(
                    [rng.choice(by_topic[int(t)], many) for t in rng.integers(0, TOPICS, 2)]
                )[:many]
                when = rng.integers(0, len(moments), len(chosen))
                votes += [
                    (user.pk, int(pk), moments[w]) for pk, w in zip(chosen, when, strict=True)
                ]
                if rng.random() < 0.2:
                    less += [
                        (user.pk, int(pk), moments[0])
                        for pk in rng.choice(ids, int(rng.integers(1, 4)))
                    ]
            cursor.executemany(votes_sql, votes)
            cursor.executemany(less_sql, less)
    print(
        f"  {readers:,} readers, {Upvote.objects.count():,} upvotes "
        f"({time.perf_counter() - started:.0f} s)"
    )
    marker.write_text("seeded\n")


def recompute() -> tuple[int, float, float]:
    """(readers, wall seconds, CPU seconds of this process) of a full recomputation."""
    from django.utils import timezone

    from dailypapers.foryou import services
    from dailypapers.foryou.models import Profile

    Profile.objects.all().delete()
    started, cpu = time.perf_counter(), time.process_time()
    done = services.refresh_profiles(timezone.now())
    return done, time.perf_counter() - started, time.process_time() - cpu


def session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=PAGE_READER))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def page_paths() -> list[tuple[str, str, int]]:
    """(label, path, papers on it): the newest day, the largest day, its week and month."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from dailypapers.core import periods
    from dailypapers.papers import queries as paper_queries
    from dailypapers.papers.models import Submission

    newest = paper_queries.latest_day()
    assert newest is not None
    largest = (
        Submission.objects.visible()
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("-n", "-day")
        .first()
    )
    assert largest is not None
    day: dt.date = largest["day"]
    week = periods.containing("week", day)
    month = periods.containing("month", day)

    def size(period: periods.Period) -> int:
        return paper_queries.daily_list(period, offset=0, limit=1).total

    return [
        ("for you, newest day", "/for-you", size(periods.day(newest))),
        ("for you, largest day", f"/for-you/date/{day}", size(periods.day(day))),
        ("for you, its week", f"/for-you/week/{week.key}", size(week)),
        ("for you, its month", f"/for-you/month/{month.key}", size(month)),
        ("plain list, largest day", f"/papers/date/{day}", size(periods.day(day))),
    ]


def time_pages(
    server: bench_pages.Server, cookie: str, paths: list[tuple[str, str, int]], requests: int
) -> list[list[object]]:
    """p50/p90 latency and the server's CPU time per request (which, unlike latency,
    does not grow with how busy the rest of the machine is)."""
    rows: list[list[object]] = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Cookie": cookie, "Host": "localhost"}
    for label, path, papers in paths:
        took = []
        cpu = 0.0
        for n in range(requests + 3):
            if n == 3:
                cpu = server.cpu_seconds()
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
            if path.startswith("/for-you") and b"less like this" not in body.lower():
                raise SystemExit(f"{path}: not the personal list")
            if n >= 3:
                took.append(1000 * (time.perf_counter() - started))
        cpu_ms = 1000 * (server.cpu_seconds() - cpu) / requests
        p50, p90 = np.percentile(took, 50), np.percentile(took, 90)
        print(
            f"  {label:<26} {path:<28} {papers:>6} {p50:>8.1f} {p90:>8.1f} {max(took):>8.1f} "
            f"{cpu_ms:>8.1f}"
        )
        rows.append([label, papers, round(float(p50), 1), round(float(p90), 1), round(cpu_ms, 1)])
    conn.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=100_000)
    parser.add_argument("--signals", type=int, default=25, help="mean upvotes per reader")
    parser.add_argument("--requests", type=int, default=100, help="per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pages-only", action="store_true", help="time the pages only (profiles as stored)"
    )
    args = parser.parse_args(argv)
    started = _common.print_machine()
    command = results.command_line(__file__, argv)  # before the data folder is set below
    data_dir = prepare(args.papers, args.seed)
    setup_django(data_dir)
    seed(data_dir, args.readers, args.signals, np.random.default_rng(args.seed))

    done, seconds, cpu = (0, 0.0, 0.0) if args.pages_only else recompute()
    per = 1000 * seconds / max(done, 1)
    if done:
        print(
            f"\nRecomputing every profile (foryou.services.refresh_profiles, one process): "
            f"{done:,} readers in {seconds:.1f} s wall ({cpu:.1f} s CPU of this process; "
            f"the database's work is in it, SQLite runs in-process), {per:.2f} ms per reader, "
            f"{done / seconds:,.0f} readers/s; load at the end: {os.getloadavg()[0]:.1f}"
        )
    cookie = session_cookie()
    paths = page_paths()
    server = bench_pages.Server(data_dir, bench_pages.free_port(), [])
    try:
        server.wait_ready()
        print(
            f"\nPages of a reader with 300 upvotes, one request at a time ({args.requests} each):"
        )
        print(
            f"  {'page':<26} {'path':<28} {'papers':>6} {'p50 ms':>8} {'p90 ms':>8} {'max ms':>8}"
        )
        rows = time_pages(server, cookie, paths, args.requests)
    finally:
        server.stop()
    if args.pages_only:
        return 0  # no result file: it holds a full run
    results.write(
        "foryou",
        title="bench_foryou.py: recomputing every reader's profile, and the For-you page "
        f"(targets: 100k readers ≤ {TARGETS['recompute 100k s']:.0f} s, "
        f"page p50 ≤ {TARGETS['page p50 ms']:.0f} ms)",
        command=command,
        tables=[
            results.table(
                ["papers", "readers", "mean upvotes", "wall s", "CPU s", "ms per reader"],
                [
                    [
                        args.papers,
                        done,
                        args.signals,
                        round(seconds, 1),
                        round(cpu, 1),
                        round(per, 2),
                    ]
                ],
            ),
            results.table(["page", "papers on it", "p50 ms", "p90 ms", "server CPU ms"], rows),
        ],
        started=started,
        notes="Full run, no extrapolation: every reader's profile computed by the worker's "
        "own function in one process; pages through the production server, one request "
        "at a time, for a reader with 300 upvotes whose profile is stored.",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
