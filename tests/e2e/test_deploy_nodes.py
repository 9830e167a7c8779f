"""The scaled setup of docs/deploy.md: two web nodes and one worker on one PostgreSQL.

Each web node keeps its own search index, following the shared database; the worker
does the background work for all. A paper imported through one node is found through
the other within the delay the deploy guide promises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hub import (
    Server,
    clean_env,
    cli,
    daily_file,
    get,
    scratch_database,
    start_server,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("DAILYPAPERS_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the scaled setup shares one PostgreSQL database",
)

# docs/deploy.md: "within a few seconds" (the search follow interval, 2 s, plus a request).
PROMISED_DELAY = 10.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[Server]]]:
    with scratch_database() as db_env:
        env = clean_env(
            DAILYPAPERS_SECRET_KEY="one-key-for-every-node-" + "x" * 40,
            # Each web node builds its own search model at start; the worker embeds.
            DAILYPAPERS_SEARCH_MODEL_AUTOBUILD="1",
            **db_env,
        )
        nodes: list[Server] = []
        worker = None
        try:
            nodes = [
                start_server(tmp_path / f"node-{n}", tmp_path / f"node-{n}.log", env=env)
                for n in ("a", "b")
            ]
            worker = subprocess.Popen(
                [sys.executable, "-m", "dailypapers", "--data-dir", str(tmp_path / "w"), "worker"],
                env=env,
                stdout=(tmp_path / "worker.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
            yield env, nodes
        finally:
            for node in nodes:
                node.stop()
            if worker is not None:
                worker.terminate()
                worker.wait(30)


def _search(node: Server, query: str) -> list[str]:
    status, _, body = get(f"{node.url}/api/papers/search?{urllib.parse.urlencode({'q': query})}")
    assert status == 200, body
    return [hit["paper"]["id"] for hit in json.loads(body)]


def test_a_paper_imported_through_one_node_is_found_through_the_other(
    cluster: tuple[dict[str, str], list[Server]], tmp_path: Path
) -> None:
    env, (node_a, node_b) = cluster
    day = daily_file("2026-04-07")
    entry = json.loads(day.read_text())[0]
    arxiv_id, title = entry["paper"]["id"], entry["paper"]["title"]
    assert arxiv_id not in _search(node_b, title)

    done = cli(tmp_path / "node-a", "import", str(day), env=env)
    assert done.returncode == 0, done.stderr
    imported_at = time.monotonic()
    while arxiv_id not in _search(node_b, title):
        assert time.monotonic() - imported_at < PROMISED_DELAY, "node b did not follow in time"
        time.sleep(0.5)
    assert arxiv_id in _search(node_a, title)
    status, _, page = get(f"{node_b.url}/papers/{arxiv_id}")
    assert status == 200 and entry["paper"]["title"].split()[0] in page

    # By meaning too, once the worker has embedded the day (the model takes ~10 s to
    # build on the worker's first start, then a day embeds in seconds).
    query = urllib.parse.urlencode({"q": title})
    deadline = time.monotonic() + 180
    while True:
        status, _, html = get(f"{node_b.url}/search?{query}")
        if "by words and meaning" in html and "indexed by meaning so far" not in html:
            break
        assert time.monotonic() < deadline, "node b never searched by meaning"
        time.sleep(1)
    assert f"/papers/{arxiv_id}" in html
