"""A local HTTP server that replays recorded upstream responses and injects faults.

Each route answers a path (and optionally exact query parameters) with a sequence of
replies; the last one repeats. The server records when each request arrived and
its headers, so tests can check politeness from the server's side. The ``replay``
fixture (registered in tests/conftest.py) points the hub's upstream URLs at one.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dailypapers.ingest import http
from tests.support.shared import SHARED_DATA

UPSTREAM = SHARED_DATA / "upstream"
ARXIV_2026 = UPSTREAM / "arxiv-api" / "recorded_2026"
ARXIV_2016 = UPSTREAM / "arxiv-api" / "legacy_2016"
OAI_RAW = UPSTREAM / "arxiv-oai-pmh" / "mikesaelim_arXivOAIHarvester"
OAI_ARXIV = UPSTREAM / "arxiv-oai-pmh" / "inspirehep_hepcrawl"
RSS = UPSTREAM / "arxiv-rss"
HF_DAILY = SHARED_DATA / "hf-daily-papers"
# Answers of /api/arxiv/<id>/repos written for the tests from the documented shape, one
# file per paper (named by its id) and later answers of the same paper ("<id>.later").
HF_REPOS = Path(__file__).resolve().parent.parent / "fixtures" / "hf-repos"
_PAPER_FILE = re.compile(r"[0-9]{4}\.[0-9]{4,5}")

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
XML = {"Content-Type": "text/xml; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
# The recorded OAI-PMH first page (arXivRaw, set physics) and the token it ends with;
# the hep-th recording stands in for page two.
FIRST = {
    "verb": "ListRecords",
    "metadataPrefix": "arXivRaw",
    "set": "physics",
    "from": "2014-10-01",
}
NEXT = {"verb": "ListRecords", "resumptionToken": "726959|1001"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: str = ""  # "reset": close without answering; "truncate": half the body


@dataclass
class Seen:
    at: float
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class _Route:
    path: str
    params: dict[str, str] | None
    replies: list[Reply]
    served: int = 0


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Injected faults (resets, clients timing out on slow replies) break
        # connections on purpose; the tests assert on what the client saw.
        pass


class Replay:
    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                replay._handle(self)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, path: str, *replies: Reply, params: dict[str, str] | None = None) -> None:
        with self.lock:
            self.routes.insert(0, _Route(path, params, list(replies)))

    def add_recorded_arxiv(self, path: str = "/api/query") -> None:
        """Every 2026 recording, answered for the exact query it was recorded with."""
        for file in sorted(ARXIV_2026.glob("*.json")):
            data = json.loads(file.read_text())
            query = urllib.parse.urlsplit(data["url"]).query
            params = {k: v for k, v in urllib.parse.parse_qsl(query) if v}
            body = data["body"].encode("latin-1")
            headers = {"Content-Type": "application/atom+xml; charset=utf-8"}
            self.add(path, Reply(data["status_code"], body, headers), params=params)

    def add_recorded_repos(self, prefix: str = "/hfapi") -> None:
        """Each paper's answer under tests/fixtures/hf-repos, at ``<prefix>/arxiv/<id>/repos``."""
        for file in sorted(HF_REPOS.glob("*.json")):
            if _PAPER_FILE.fullmatch(file.stem):
                self.add(f"{prefix}/arxiv/{file.stem}/repos", Reply(200, file.read_bytes(), JSON))

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _pick(self, path: str, params: dict[str, str]) -> Reply | None:
        with self.lock:
            for route in self.routes:
                if route.path == path and (route.params is None or route.params == params):
                    reply = route.replies[min(route.served, len(route.replies) - 1)]
                    route.served += 1
                    return reply
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        params = {k: v for k, v in urllib.parse.parse_qsl(split.query) if v}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            self.seen.append(Seen(time.monotonic(), split.path, params, headers))
        reply = self._pick(split.path, params)
        if reply is None:
            reply = Reply(404, b'{"error":"no such recording"}')
        if reply.delay:
            time.sleep(reply.delay)
        if reply.fault == "reset":
            # An RST instead of a FIN: the client sees a reset connection.
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            handler.close_connection = True
            return
        etag = reply.headers.get("ETag")
        if etag and headers.get("if-none-match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        body = reply.body[: len(reply.body) // 2] if reply.fault == "truncate" else reply.body
        handler.wfile.write(body)
        handler.close_connection = True


@pytest.fixture
def replay(settings: Any) -> Iterator[Replay]:
    """A replay server; the hub's upstream URLs point at it and waits are short."""
    server = Replay()
    settings.ARXIV_API_URL = f"{server.url}/api/query"
    settings.ARXIV_OAI_URL = f"{server.url}/oai"
    settings.ARXIV_RSS_URL = f"{server.url}/rss"
    settings.HF_API_URL = f"{server.url}/hfapi"
    settings.SYNC_ARXIV_INTERVAL = 0.05
    settings.SYNC_HF_INTERVAL = 0.0
    settings.SYNC_BACKOFF = 0.01
    settings.SYNC_TIMEOUT = 2.0
    settings.SYNC_MAX_RETRIES = 2
    settings.SYNC_BUDGET = 60
    settings.SYNC_CONTACT = "admin@hub.example"
    # An hf turn asks no linked repositories unless a test says so (test_sync_repos):
    # the days' recordings come without them.
    settings.SYNC_HF_REPOS_EVERY = 0
    reset_intervals()
    yield server
    server.close()


def client(**kwargs: Any) -> http.PoliteClient:
    options: dict[str, Any] = {
        "user_agent": "dailypapers-tests (mailto:admin@hub.example)",
        "min_interval": 0.0,
        "timeout": 2.0,
        "max_retries": 3,
        "backoff_base": 0.01,
        "budget": 30,
    }
    options.update(kwargs)
    return http.PoliteClient(**options)


def reset_intervals() -> None:
    """Forget when the polite HTTP client last asked each host: a test's first request
    does not wait for the interval that an earlier test's requests started."""
    with http._host_lock:
        http._last_request.clear()
