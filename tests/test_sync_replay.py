"""The replay server of tests/support/replay.py answers as recorded and as told."""

from __future__ import annotations

from tests.support.replay import Replay, client


def test_the_replay_server_answers_recorded_queries_exactly(replay: Replay) -> None:
    replay.add_recorded_arxiv()
    got = client().get(
        f"{replay.url}/api/query",
        {
            "search_query": "",
            "id_list": "abc",
            "sortBy": "relevance",
            "sortOrder": "descending",
            "start": 0,
            "max_results": 100,
        },
    )
    assert got.status == 400
    assert b"incorrect id format for abc" in got.body
    assert client().get(f"{replay.url}/api/query", {"id_list": "nothing"}).status == 404
