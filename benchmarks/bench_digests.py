"""Digest sending: 100,000 subscribers, real `dailypapers digest send` processes, a local
SMTP sink, and one sender killed with SIGKILL in the middle.

    python benchmarks/bench_digests.py                        # 100k subscribers, 2 senders
    python benchmarks/bench_digests.py --subscribers 5000 --senders 1
    python benchmarks/bench_digests.py --database-url postgres://postgres@127.0.0.1:5432/postgres

A fresh data folder (SQLite) or a scratch PostgreSQL database is seeded with a day
of papers and the subscribers (a third with no topics, a third following arXiv
categories, a third following organizations), all due at the same slot. The senders
run as subprocesses, exactly as `dailypapers worker` would; when 40% of the mail has
arrived one sender is killed with SIGKILL and a replacement started. The sink
(aiosmtpd on 127.0.0.1, in this process) counts messages per recipient.

Printed: wall time, messages/s, peak RSS of a sender process, and the check that
matters: no subscriber got two digests, and every subscriber got one except the
digests recorded as `unknown` (handed to SMTP when the kill came: at most once).
Targets (issue 6): at most 10 minutes and 1 GB, zero duplicates.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
SLOT = dt.datetime(2026, 4, 7, 8, tzinfo=dt.UTC)  # a Tuesday, 08:00 UTC
AT = SLOT + dt.timedelta(minutes=1)
CATEGORIES = ["cs.CV", "cs.CL", "cs.LG", "cs.AI", "cs.RO"]
ORGANIZATIONS = ["alpha-lab", "beta-ai", "gamma-research"]
TARGET_SECONDS = 600
TARGET_RSS_MB = 1024
DIGEST_COLUMNS = ["subscribers", "senders", "wall", "messages/s", "peak RSS per sender"]
DIGEST_COLUMNS += ["duplicates", "missing"]


class CountingHandler:
    def __init__(self) -> None:
        self.per_recipient: Counter[str] = Counter()
        self.total = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.per_recipient.update(envelope.rcpt_tos)
            self.total += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def sink() -> Iterator[tuple[CountingHandler, int]]:
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str | None]:
    """A scratch PostgreSQL database next to ``url``, dropped afterwards; None for SQLite."""
    if not url:
        yield None
        return
    import psycopg
    from psycopg import sql

    name = f"dailypapers_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def seed(subscribers: int, papers: int) -> None:
    """Papers of the day before the slot and the subscribers, written in this process."""
    import django

    django.setup()
    from django.core.management import call_command

    from dailypapers.digests.models import Subscription
    from dailypapers.papers.records import (
        AuthorRecord,
        OrganizationRecord,
        PaperRecord,
        SubmissionRecord,
    )
    from dailypapers.papers.services import upsert_papers

    call_command("migrate", verbosity=0)
    records = []
    for i in range(papers):
        submitted = SLOT - dt.timedelta(hours=23, minutes=50) + dt.timedelta(minutes=7 * i)
        org = ORGANIZATIONS[i % len(ORGANIZATIONS)]
        records.append(
            PaperRecord(
                arxiv_id=f"2604.{i + 1:05d}",
                title=f"A benchmark paper about topic {i}",
                source="hf-daily",
                location=f"bench:{i}",
                abstract="We study things at length. " * 20,
                authors=[AuthorRecord(f"Author {i}-{k}") for k in range(5)],
                upvotes=(i * 37) % 200,
                organization=OrganizationRecord(org, org.replace("-", " ").title()),
                submission=SubmissionRecord(submitted, "bench", "Bench Mark"),
                observed_at=submitted,
                categories=" ".join(CATEGORIES[i % 5 : i % 5 + 2]),
            )
        )
    upsert_papers(records)
    rows = []
    for i in range(subscribers):
        kind = i % 3
        rows.append(
            Subscription(
                email=f"reader{i:06d}@example.org",
                hour=8,
                time_zone="UTC",
                categories=[CATEGORIES[i % 5]] if kind == 1 else [],
                organizations=[ORGANIZATIONS[i % 3]] if kind == 2 else [],
                confirmed_at=SLOT - dt.timedelta(days=30),
                next_digest_at=SLOT,
            )
        )
    Subscription.objects.bulk_create(rows, batch_size=5000)


def sender(data: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dailypapers",
            "--data-dir",
            str(data),
            "digest",
            "send",
            "--at",
            AT.isoformat(),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def unknown_count() -> int:
    from dailypapers.digests.models import DigestSend

    return DigestSend.objects.filter(status="unknown").count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--papers", type=int, default=150)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction sent; 0: no kill")
    parser.add_argument("--database-url", default=os.environ.get("DAILYPAPERS_DATABASE_URL"))
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    import _common
    import results

    at_start = _common.print_machine(args.database_url)
    command = results.command_line(__file__, None)

    data = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    with database(args.database_url) as db_url, sink() as (handler, port):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
        env.update(
            DAILYPAPERS_DATA_DIR=str(data),
            DAILYPAPERS_EMAIL_URL=f"smtp://127.0.0.1:{port}",
            DAILYPAPERS_BASE_URL="https://papers.example.org",
            DJANGO_SETTINGS_MODULE="dailypapers.settings",
        )
        if db_url:
            env["DAILYPAPERS_DATABASE_URL"] = db_url
        os.environ.update(env)
        for key in [k for k in os.environ if k.startswith("DAILYPAPERS_") and k not in env]:
            del os.environ[key]

        started = time.monotonic()
        seed(args.subscribers, args.papers)
        print(
            f"seeded {args.subscribers} subscribers, {args.papers} papers "
            f"in {time.monotonic() - started:.1f}s ({'PostgreSQL' if db_url else 'SQLite'})"
        )

        started = time.monotonic()
        running = [sender(data, env) for _ in range(args.senders)]
        killed = False
        while any(p.poll() is None for p in running):
            if args.kill_at and not killed and handler.total >= args.kill_at * args.subscribers:
                running[0].send_signal(signal.SIGKILL)
                running[0].wait()
                killed = True
                print(f"killed a sender with SIGKILL after {handler.total} messages; restarting it")
                running.append(sender(data, env))
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        codes = [p.returncode for p in running]

        counts = handler.per_recipient
        duplicates = sum(1 for n in counts.values() if n > 1)
        unknown = unknown_count()
        missing = args.subscribers - len(counts)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rate = handler.total / elapsed if elapsed else 0.0
        print(f"messages:        {handler.total} to {len(counts)} subscribers")
        print(f"wall time:       {elapsed:.1f}s (target <= {TARGET_SECONDS}s)")
        print(f"messages/s:      {rate:.0f} with {args.senders} senders")
        print(f"peak RSS:        {peak_mb:.0f} MB per sender (target <= {TARGET_RSS_MB} MB)")
        print(f"duplicates:      {duplicates}")
        print(f"missing:         {missing} (unknown, at most once: {unknown})")
        print(f"exit codes:      {codes}")
        ok = (
            duplicates == 0
            and missing <= unknown
            and elapsed <= TARGET_SECONDS
            and peak_mb <= TARGET_RSS_MB
            and all(c in (0, -signal.SIGKILL) for c in codes)
        )
        print("result:          " + ("PASS" if ok else "FAIL"))
        row = [args.subscribers, args.senders, f"{elapsed:.0f} s", round(rate)]
        row += [f"{peak_mb:.0f} MB", duplicates, f"{missing} ({unknown} unknown)"]
        results.write(
            "digests" + ("-postgresql" if db_url else ""),
            title="bench_digests.py: digests through a local SMTP sink, one sender killed "
            f"at {args.kill_at:.0%} (targets: ≤ {TARGET_SECONDS // 60} minutes, "
            f"≤ {TARGET_RSS_MB // 1024} GB, zero duplicates)",
            command=command,
            tables=[results.table(DIGEST_COLUMNS, [row])],
            started=at_start,
            database_url=args.database_url,
            notes="PASS" if ok else "FAIL: see the targets in the title",
        )
    shutil.rmtree(data, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    raise SystemExit(main())
