"""The polite HTTP client, against the local replay server."""

from __future__ import annotations

import random

import pytest

from dailypapers.ingest import http
from tests.support.replay import Replay, Reply, client


class Waits:
    """Stands in for time.sleep: records the waits and lets the clock move on."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_requests_to_one_host_are_spaced_by_the_interval(replay: Replay) -> None:
    # The clock is the client's own (injected), so the check does not depend on how
    # busy the machine is; the replay server still answers every request for real.
    replay.add("/a", Reply(200, b"ok"))
    waits = Waits()
    polite = client(min_interval=0.15, sleep=waits.sleep, clock=waits.clock)
    for _ in range(4):
        assert polite.get(f"{replay.url}/a").body == b"ok"
    assert len(replay.requests_to("/a")) == 4
    assert waits.waits == pytest.approx([0.15, 0.15, 0.15])


def test_two_clients_share_the_interval_of_a_host(replay: Replay) -> None:
    replay.add("/a", Reply(200, b"ok"))
    waits = Waits()
    first, second = (
        client(min_interval=0.15, sleep=waits.sleep, clock=waits.clock) for _ in range(2)
    )
    first.get(f"{replay.url}/a")
    waits.now += 0.05  # some time passes between the two
    second.get(f"{replay.url}/a")
    assert waits.waits == pytest.approx([0.10])
    assert len(replay.requests_to("/a")) == 2


def test_user_agent_names_the_hub_and_its_contact(replay: Replay) -> None:
    replay.add("/a", Reply(200, b"ok"))
    client().get(f"{replay.url}/a")
    assert "mailto:admin@hub.example" in replay.seen[0].headers["user-agent"]


def test_redirects_go_to_web_addresses_only(replay: Replay) -> None:
    port = replay.url.rsplit(":", 1)[1]
    replay.add("/to-ftp", Reply(302, b"", {"Location": f"ftp://127.0.0.1:{port}/x"}))
    with pytest.raises(http.OffLimits):
        client(timeout=1.0).get(f"{replay.url}/to-ftp")
    assert len(replay.requests_to("/to-ftp")) == 1  # refused at once, not tried again


def test_retry_after_is_honoured_on_503(replay: Replay) -> None:
    replay.add("/busy", Reply(503, b"busy", {"Retry-After": "7"}), Reply(200, b"done"))
    waits = Waits()
    got = client(sleep=waits.sleep, clock=waits.clock).get(f"{replay.url}/busy")
    assert (got.status, got.body, got.attempts) == (200, b"done", 2)
    assert waits.waits == [7.0]


def test_429_backs_off_exponentially_with_jitter(replay: Replay) -> None:
    replay.add("/limited", Reply(429), Reply(429), Reply(429), Reply(200, b"done"))
    waits = Waits()
    got = client(sleep=waits.sleep, clock=waits.clock, backoff_base=1.0, rng=random.Random(5)).get(
        f"{replay.url}/limited"
    )
    assert got.body == b"done"
    assert len(waits.waits) == 3
    for attempt, waited in enumerate(waits.waits):
        assert 0 <= waited <= 2**attempt
    assert len(set(waits.waits)) == 3  # jittered, not a fixed schedule


def test_a_reset_a_truncated_body_and_a_slow_answer_are_retried(replay: Replay) -> None:
    replay.add(
        "/flaky",
        Reply(fault="reset"),
        Reply(200, b"0123456789", fault="truncate"),
        Reply(200, b"late", delay=0.5),
        Reply(200, b"whole"),
    )
    got = client(timeout=0.2, max_retries=4).get(f"{replay.url}/flaky")
    assert got.body == b"whole"
    assert got.attempts == 4


def test_giving_up_after_the_retries_names_the_url_and_reason(replay: Replay) -> None:
    replay.add("/down", Reply(fault="reset"))
    with pytest.raises(http.FetchError, match="/down") as caught:
        client(max_retries=1).get(f"{replay.url}/down")
    assert "after 2 attempts" in str(caught.value)


def test_a_final_5xx_is_returned_for_the_caller_to_judge(replay: Replay) -> None:
    replay.add("/broken", Reply(502, b"bad gateway"))
    assert client(max_retries=1).get(f"{replay.url}/broken").status == 502


def test_the_time_budget_stops_waiting(replay: Replay) -> None:
    replay.add("/busy", Reply(503, headers={"Retry-After": "120"}))
    waits = Waits()
    with pytest.raises(http.BudgetExceeded):
        client(sleep=waits.sleep, clock=waits.clock, budget=60).get(f"{replay.url}/busy")
    assert waits.waits == []


def test_conditional_requests_use_the_etag(replay: Replay) -> None:
    replay.add("/feed", Reply(200, b"<rss/>", {"ETag": '"v1"'}))
    polite = client()
    assert polite.get(f"{replay.url}/feed", conditional=True).body == b"<rss/>"
    again = polite.get(f"{replay.url}/feed", conditional=True)
    assert again.not_modified
    assert replay.seen[1].headers["if-none-match"] == '"v1"'


def test_retry_after_as_an_http_date() -> None:
    assert http.parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0) == 10.0
    assert http.parse_retry_after("soon", 0.0) is None
