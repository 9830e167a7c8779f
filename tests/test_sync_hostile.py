"""Hostile upstreams: a gzip bomb, a server that trickles bytes, endless lists, huge text.

Every server here is a real local HTTP server. Memory is measured with tracemalloc;
time is never measured tightly: a server that trickles stops after a minute on its
own, so without a deadline the run would end, succeed, and fail the assertions.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dailypapers.ingest import http, sync, xmlsafe
from dailypapers.ingest.models import SyncRun
from dailypapers.papers import records
from dailypapers.papers.models import Paper
from tests.support.replay import Replay, Reply, client

MiB = 1 << 20
JSON = {"Content-Type": "application/json; charset=utf-8"}


def _bomb(unpacked: int) -> bytes:
    """A gzip body of ``unpacked`` zero bytes (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * MiB
    parts = [packer.compress(block) for _ in range(unpacked // MiB)]
    parts.append(packer.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_refused_while_it_is_unpacked(replay: Replay) -> None:
    body = _bomb(4 * http.MAX_BODY)
    assert len(body) < http.MAX_BODY // 100
    replay.add("/bomb", Reply(200, body, {**JSON, "Content-Encoding": "gzip"}))
    tracemalloc.start()
    try:
        with pytest.raises(http.FetchError, match="larger than") as caught:
            client(max_retries=0).get(f"{replay.url}/bomb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "unpacked" in str(caught.value)
    assert peak < http.MAX_BODY + 8 * MiB


def test_a_gzip_body_within_the_limit_is_unpacked(replay: Replay) -> None:
    data = json.dumps([{"n": n} for n in range(5000)]).encode()
    replay.add("/fine", Reply(200, gzip.compress(data), {**JSON, "Content-Encoding": "gzip"}))
    assert client().get(f"{replay.url}/fine").body == data


class Trickle:
    """A server that answers one byte at a time, ``every`` seconds apart.

    ``where`` is "headers" (the status line and headers come slowly) or "body".
    After ``limit`` bytes it sends the rest at once, so a client without a
    deadline ends after about ``limit * every`` seconds, with a complete response.
    """

    def __init__(self, body: bytes, where: str, every: float = 0.05, limit: int = 1200) -> None:
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                slow, fast = (head, b"") if where == "headers" else (b"", head)
                self.wfile.write(fast)
                sent = 0
                data = slow + body if where == "headers" else body
                try:
                    while sent < len(data):
                        if sent < limit:
                            self.wfile.write(data[sent : sent + 1])
                            self.wfile.flush()
                            sent += 1
                            time.sleep(every)
                        else:
                            self.wfile.write(data[sent:])
                            sent = len(data)
                except OSError:
                    pass  # the client hung up, as it should

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def day_body() -> bytes:
    return json.dumps(
        [
            {
                "paper": {
                    "id": "2604.00001",
                    "title": "A paper",
                    "publishedAt": "2026-04-06T00:00:00.000Z",
                    "submittedOnDailyAt": "2026-04-07T01:00:00.000Z",
                }
            }
        ]
    ).encode()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_request_that_trickles_is_stopped_at_its_deadline(day_body: bytes, where: str) -> None:
    server = Trickle(day_body, where)
    try:
        with pytest.raises(http.FetchError, match="deadline") as caught:
            client(request_deadline=0.5, max_retries=0).get(f"{server.url}/daily_papers")
    finally:
        server.close()
    assert "no complete response within 0.5s" in str(caught.value)


def _day() -> dt.date:
    return dt.date(2026, 4, 7)


def _sync_day_from(server: Trickle, settings: Any) -> tuple[SyncRun, Trickle]:
    settings.HF_API_URL = server.url
    try:
        return sync.run("hf", sync.Request(since=_day(), until=_day())), server
    finally:
        server.close()


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_sync_run_stops_at_its_time_budget(
    replay: Replay, settings: Any, day_body: bytes, where: str
) -> None:
    settings.SYNC_REQUEST_DEADLINE = 60.0  # longer than the run may take
    settings.SYNC_BUDGET = 2
    settings.SYNC_MAX_RETRIES = 5
    done, _ = _sync_day_from(Trickle(day_body, where), settings)
    assert done.status == SyncRun.Status.FAILED
    assert "time budget of 2s used up" in done.summary
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_each_request_has_a_deadline_and_is_retried(
    replay: Replay, settings: Any, day_body: bytes
) -> None:
    settings.SYNC_REQUEST_DEADLINE = 0.3
    settings.SYNC_MAX_RETRIES = 2
    done, server = _sync_day_from(Trickle(day_body, "body"), settings)
    assert done.status == SyncRun.Status.FAILED
    assert "no complete response within 0.3s (deadline)" in done.summary
    assert "after 3 attempts" in done.summary
    assert server.requests == 3


def _hf_day(replay: Replay, body: bytes) -> None:
    replay.add(
        "/hfapi/daily_papers", Reply(200, body, JSON), params={"date": "2026-04-07", "limit": "100"}
    )


@pytest.mark.django_db
def test_a_day_of_endless_integers_is_cut_short(replay: Replay) -> None:
    _hf_day(replay, ("[" + ",".join(str(n) for n in range(200_000)) + "]").encode())
    tracemalloc.start()
    try:
        done = sync.run("hf", sync.Request(since=_day(), until=_day()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done.status == SyncRun.Status.PARTIAL
    assert done.skipped <= 1001
    assert any("more entries than any day has" in e for e in done.errors)
    assert peak < 32 * MiB


@pytest.mark.django_db
def test_overlong_upstream_text_is_cut_and_reported(replay: Replay) -> None:
    limits = records.TEXT_LIMITS
    entry = {
        "paper": {
            "id": "2604.00001",
            "title": "T" * (limits["title"] * 3),
            "summary": "a " * limits["abstract"],
            "publishedAt": "2026-04-06T00:00:00.000Z",
            "submittedOnDailyAt": "2026-04-07T01:00:00.000Z",
        }
    }
    _hf_day(replay, json.dumps([entry]).encode())
    done = sync.run("hf", sync.Request(since=_day(), until=_day()))
    assert done.status == SyncRun.Status.PARTIAL
    assert done.new == 1 and done.skipped == 0
    assert "1 shortened" in done.summary
    assert any("title cut" in e for e in done.errors)
    paper = Paper.objects.get()
    assert len(paper.title) == limits["title"]
    assert len(paper.abstract) <= limits["abstract"]


@pytest.mark.django_db
def test_xml_with_more_tags_than_any_response_is_refused(replay: Replay) -> None:
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        + b"<e/>" * (xmlsafe.MAX_TAGS + 1)
        + b"</feed>"
    )
    replay.add("/api/query", Reply(200, body, {"Content-Type": "application/atom+xml"}))
    tracemalloc.start()
    try:
        done = sync.run("arxiv", sync.Request(ids=["2401.00001"]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done.status == SyncRun.Status.FAILED
    assert "more than 1,000,000 tags" in done.summary
    assert peak < 4 * len(body)
