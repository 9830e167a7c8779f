"""A polite HTTP client for the upstream services.

arXiv asks for at most one request every three seconds per host and a
descriptive User-Agent; every service asks clients to back off when it is busy.
So each request here:

- waits until ``min_interval`` has passed since the previous request to the
  same host (shared by every client in the process, so two syncs running in one
  worker still take turns);
- retries 429, 5xx, timeouts, resets and truncated bodies with exponential
  backoff and full jitter, honouring ``Retry-After`` when the server sends it;
- gives up when the run's total time budget would be exceeded;
- sends ``If-None-Match`` / ``If-Modified-Since`` from the validators of the
  previous response to the same URL, so an unchanged feed costs the server nothing.

Only the standard library is used; the clock and sleep are injectable for tests.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Larger than any real response (the all-archives RSS feed is about 3 MB); a
# runaway body must not fill memory.
MAX_BODY = 64 << 20
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
    timeout: float = 30.0
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
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) settings
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as raw:  # noqa: S310
                status = raw.status
                got = {k.lower(): v for k, v in raw.headers.items()}
                body = _read(raw, got, url)
        except urllib.error.HTTPError as exc:
            status = exc.code
            got = {k.lower(): v for k, v in exc.headers.items()}
            try:
                body = _read(exc, got, url)
            finally:
                exc.close()
        except TimeoutError:
            raise FetchError(url, "timed out") from None
        except urllib.error.URLError as exc:
            raise FetchError(url, f"cannot connect ({exc.reason})") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise FetchError(url, f"connection failed ({type(exc).__name__}: {exc})") from None
        return Response(url, status, got, body)


def _read(raw: object, headers: dict[str, str], url: str) -> bytes:
    reader = getattr(raw, "read")  # noqa: B009 - HTTPResponse and HTTPError alike
    try:
        body: bytes = reader(MAX_BODY + 1)
    except http.client.IncompleteRead as exc:
        raise FetchError(url, f"truncated body ({len(exc.partial)} bytes)") from None
    except TimeoutError:
        raise FetchError(url, "timed out while reading the body") from None
    except (ConnectionError, OSError) as exc:
        raise FetchError(url, f"connection lost while reading ({exc})") from None
    if len(body) > MAX_BODY:
        raise FetchError(url, f"body larger than {MAX_BODY} bytes")
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) != len(body):
        raise FetchError(url, f"truncated body ({len(body)} of {length} bytes)")
    if headers.get("content-encoding", "").lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:
            raise FetchError(url, f"broken gzip body ({exc})") from None
    return body


def reset_intervals() -> None:
    """Forget when each host was last asked (tests start from a clean slate)."""
    with _host_lock:
        _last_request.clear()
