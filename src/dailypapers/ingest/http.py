"""A polite HTTP client for the upstream services.

arXiv asks for at most one request every three seconds per host and a
descriptive User-Agent; every service asks clients to back off when it is busy.
So each request here:

- waits until ``min_interval`` has passed since the previous request to the
  same host (shared by every client in the process, so two syncs running in one
  worker still take turns);
- retries 429, 5xx, timeouts, resets and truncated bodies with exponential
  backoff and full jitter, honouring ``Retry-After`` when the server sends it;
- ends a request that has not fully arrived within its deadline (wall-clock,
  connecting, headers and body together: a server sending a byte now and then
  never trips a socket timeout), and gives up when the run's total time budget
  would be exceeded, also in the middle of a request;
- refuses bodies larger than ``MAX_BODY``, counted as they arrive and again as a
  gzip body is unpacked, so neither a huge body nor a gzip bomb fills memory;
- sends ``If-None-Match`` / ``If-Modified-Since`` from the validators of the
  previous response to the same URL, so an unchanged feed costs the server nothing.

Only the standard library is used; the clock and sleep are injectable for tests.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Larger than any real response (the all-archives RSS feed is about 3 MB, an arXiv
# API page of 2,000 results about 8 MB); a runaway body must not fill memory, and an
# XML body's tree takes several times its size. Applies to the bytes received and,
# for a gzip body, to the bytes unpacked.
MAX_BODY = 32 << 20
# Bytes asked of the connection at a time.
_CHUNK = 64 << 10
# A Retry-After longer than this is the server saying "not today"; give up.
MAX_RETRY_AFTER = 3600.0

_last_request: dict[str, float] = {}
_host_lock = threading.Lock()


class FetchError(Exception):
    """The request could not be completed; the message names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class BudgetExceeded(FetchError):
    """Waiting any longer would overrun the run's time budget."""


class OffLimits(FetchError):
    """The address (asked for, or redirected to) is on a host the client may not reach."""


class TooLarge(FetchError):
    """The body is larger than the client takes: asking again would not help."""


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class Validators:
    """ETag and Last-Modified of a URL's previous response (empty when unknown)."""

    etag: str = ""
    last_modified: str = ""


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass
class PoliteClient:
    user_agent: str
    min_interval: float = 3.0
    timeout: float = 30.0  # without a byte for this long, a connection has timed out
    request_deadline: float = 120.0  # a whole request, from connecting to the last byte
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 120.0
    budget: float = 600.0
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    validators: dict[str, Validators] = field(default_factory=dict)
    requests: int = 0
    # The largest body taken (received, and unpacked when gzip); at most MAX_BODY.
    max_body: int = MAX_BODY
    # When set, only addresses it allows are asked for, redirects included.
    may_fetch: Callable[[str], bool] | None = None

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.budget

    # -- waiting ----------------------------------------------------------------

    def _wait(self, seconds: float, url: str, why: str) -> None:
        if seconds <= 0:
            return
        if self.clock() + seconds > self.deadline:
            raise BudgetExceeded(url, f"time budget of {self.budget:g}s used up ({why})")
        self.sleep(seconds)

    def _take_turn(self, host: str, url: str) -> None:
        """Wait for this host's interval, then claim the slot for this request."""
        while True:
            with _host_lock:
                last = _last_request.get(host)
                now = self.clock()
                due = now if last is None else last + self.min_interval
                if due <= now:
                    _last_request[host] = now
                    return
            self._wait(due - now, url, "waiting for the per-host interval")

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many clients over the whole window.
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    # -- requests ---------------------------------------------------------------

    def get(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        conditional: bool = False,
        accept: str = "*/*",
    ) -> Response:
        """GET ``url`` with ``params``; any final HTTP status is returned, not raised.

        Raises FetchError when no response arrived after the retries, and
        BudgetExceeded when the budget ran out first.
        """
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        if self.may_fetch is not None and not self.may_fetch(url):
            raise OffLimits(url, "an address the hub does not fetch from")
        host = urllib.parse.urlsplit(url).netloc.lower()
        headers = {
            "User-Agent": self.user_agent,
            "Accept": accept,
            "Accept-Encoding": "gzip",
        }
        known = self.validators.get(url) if conditional else None
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        attempt = 0
        while True:
            self._take_turn(host, url)
            self.requests += 1
            try:
                response = self._once(url, headers)
            except (BudgetExceeded, TooLarge, OffLimits):
                raise
            except FetchError as exc:
                if attempt >= self.max_retries:
                    raise FetchError(url, f"{exc.reason} (after {attempt + 1} attempts)") from exc
                self._wait(self._backoff(attempt), url, exc.reason)
                attempt += 1
                continue
            response.attempts = attempt + 1
            if response.status not in RETRY_STATUSES or attempt >= self.max_retries:
                break
            delay = parse_retry_after(response.headers.get("retry-after"), self.wall())
            if delay is not None and delay > MAX_RETRY_AFTER:
                break
            self._wait(
                self._backoff(attempt) if delay is None else delay,
                url,
                f"HTTP {response.status}",
            )
            attempt += 1
        if conditional and response.ok:
            etag = response.headers.get("etag", "")
            modified = response.headers.get("last-modified", "")
            if etag or modified:
                self.validators[url] = Validators(etag, modified)
        return response

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        left = self.deadline - self.clock()
        if left <= 0:
            raise BudgetExceeded(url, f"time budget of {self.budget:g}s used up")
        seconds = min(self.request_deadline, left)
        watch = _Watch(seconds)
        opener = urllib.request.build_opener(
            _Http(watch), _Https(watch), _Redirects(self.may_fetch)
        )
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) settings
        try:
            with watch:
                response = self._exchange(
                    opener, request, url, min(self.timeout, seconds), min(self.max_body, MAX_BODY)
                )
        except Exception:
            if not watch.fired:
                raise
        if not watch.fired:
            return response
        # Whatever the cut connection raised (or seemed to answer: headers cut short
        # read as complete ones), the reason is the deadline.
        if seconds < self.request_deadline:
            raise BudgetExceeded(
                url, f"time budget of {self.budget:g}s used up (waiting for a response)"
            )
        raise FetchError(url, f"no complete response within {seconds:g}s (deadline)")

    def _exchange(
        self,
        opener: urllib.request.OpenerDirector,
        request: urllib.request.Request,
        url: str,
        timeout: float,
        limit: int,
    ) -> Response:
        try:
            with opener.open(request, timeout=timeout) as raw:
                status = raw.status
                got = {k.lower(): v for k, v in raw.headers.items()}
                body = _read(raw, got, url, limit)
        except urllib.error.HTTPError as exc:
            status = exc.code
            got = {k.lower(): v for k, v in exc.headers.items()}
            try:
                body = _read(exc, got, url, limit)
            finally:
                exc.close()
        except TimeoutError:
            raise FetchError(url, "timed out") from None
        except urllib.error.URLError as exc:
            raise FetchError(url, f"cannot connect ({exc.reason})") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise FetchError(url, f"connection failed ({type(exc).__name__}: {exc})") from None
        return Response(url, status, got, body)


class _Watch:
    """Cuts a request's connection when its time is up, wherever the request waits.

    A socket timeout bounds one wait for data; this bounds the whole request. The
    connection is shut down under the reader, whose next read then ends at once.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def __enter__(self) -> _Watch:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()

    def attach(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.fired:
                _cut(sock)

    def _fire(self) -> None:
        with self.lock:
            self.fired = True
            for sock in self.sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for a TLS socket: the TLS layer's would
    # drop its state under the thread still reading from it.
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watched(base: type[http.client.HTTPConnection], watch: _Watch) -> Any:
    def connection(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        made = base(*args, **kwargs)
        connect = made.connect

        def watched_connect() -> None:
            connect()
            watch.attach(made.sock)

        made.connect = watched_connect  # type: ignore[method-assign]
        return made

    return connection


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an http(s) address (never ftp:, which urllib would
    follow), and only to one ``may_fetch`` allows when it is set."""

    def __init__(self, may_fetch: Callable[[str], bool] | None) -> None:
        super().__init__()
        self.may_fetch = may_fetch

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        web = urllib.parse.urlsplit(newurl).scheme.lower() in ("http", "https")
        if not web or (self.may_fetch is not None and not self.may_fetch(newurl)):
            fp.close()
            raise OffLimits(newurl, "redirected to an address the hub does not fetch from")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Http(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        return super().do_open(_watched(http_class, self.watch), req, **kwargs)


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch) -> None:
        super().__init__()
        self.watch = watch

    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> Any:
        return super().do_open(_watched(http_class, self.watch), req, **kwargs)


def _chunks(raw: object, url: str) -> Iterator[bytes]:
    """The body as it arrives: each piece as soon as the connection has it."""
    read = getattr(raw, "read1", None) or getattr(raw, "read")  # noqa: B009
    while True:
        try:
            chunk: bytes = read(_CHUNK)
        except http.client.IncompleteRead as exc:
            raise FetchError(url, f"truncated body ({len(exc.partial)} bytes)") from None
        except TimeoutError:
            raise FetchError(url, "timed out while reading the body") from None
        except (ConnectionError, OSError) as exc:
            raise FetchError(url, f"connection lost while reading ({exc})") from None
        if not chunk:
            return
        yield chunk


class _Unpacker:
    """Unpacks a gzip body piece by piece, never past ``limit`` bytes."""

    def __init__(self, url: str, limit: int = MAX_BODY) -> None:
        self.url = url
        self.limit = limit
        self.member = zlib.decompressobj(wbits=31)
        self.size = 0

    def feed(self, data: bytes) -> list[bytes]:
        out = []
        while data:
            # A step at a time: zlib grows one buffer for the whole output of a call.
            room = self.limit + 1 - self.size
            piece = self.member.decompress(data, min(_CHUNK * 16, room))
            self.size += len(piece)
            if self.size > self.limit:
                raise TooLarge(self.url, f"body larger than {self.limit} bytes once unpacked")
            out.append(piece)
            data = self.member.unconsumed_tail
            if not data and self.member.eof and self.member.unused_data:
                # Another gzip member follows, as gzip.decompress allows.
                data = self.member.unused_data
                self.member = zlib.decompressobj(wbits=31)
        return out

    def finish(self) -> None:
        if not self.member.eof:
            raise FetchError(self.url, "broken gzip body (it ends before its end mark)")


def _read(raw: object, headers: dict[str, str], url: str, limit: int = MAX_BODY) -> bytes:
    """The body, unpacked when it is gzip, within ``limit`` bytes either way."""
    gzip = headers.get("content-encoding", "").lower() == "gzip"
    length = headers.get("content-length", "")
    if not gzip and length.isascii() and length.isdigit() and int(length) > limit:
        # Said up front: refused without reading it.
        raise TooLarge(url, f"body larger than {limit} bytes")
    unpacker = _Unpacker(url, limit) if gzip else None
    parts: list[bytes] = []
    received = 0
    try:
        for chunk in _chunks(raw, url):
            received += len(chunk)
            if received > limit:
                raise TooLarge(url, f"body larger than {limit} bytes")
            parts.extend(unpacker.feed(chunk) if unpacker else (chunk,))
    except zlib.error as exc:
        raise FetchError(url, f"broken gzip body ({exc})") from None
    if length.isascii() and length.isdigit() and int(length) != received:
        raise FetchError(url, f"truncated body ({received} of {length} bytes)")
    if unpacker and received:
        unpacker.finish()
    return b"".join(parts)
