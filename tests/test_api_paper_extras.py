"""The paper as Markdown (``read_paper``) and its linked repositories, as the client reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.support.factories import paper, utc
from tests.support.web import hang_up_on_live_server

pytestmark = pytest.mark.django_db

HF_CLI = Path(sys.executable).with_name("hf")


def a_paper() -> None:
    paper(
        "2604.04707",
        title="OpenWorldLib <b>bold</b>",
        authors=("DataFlow Team", "Bohan Zeng"),
        abstract="First paragraph with $\\alpha_1$.\n  Second paragraph.",
        published_at=utc(2026, 4, 6),
        submitted_at=utc(2026, 4, 7, 2),
        upvotes=113,
        github_repo="https://github.com/OpenDCAI/OpenWorldLib",
        ai_summary="A unified codebase for world models.",
    )


def test_the_paper_as_markdown() -> None:
    a_paper()
    response = Client().get("/papers/2604.04707.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    text = response.content.decode()
    assert text.startswith("# OpenWorldLib \\<b\\>bold\\</b\\>\n")
    assert "**Authors:** DataFlow Team, Bohan Zeng" in text
    assert "**Published:** 2026-04-06" in text
    assert "<https://arxiv.org/abs/2604.04707>" in text
    assert "<https://github.com/OpenDCAI/OpenWorldLib>" in text
    assert "## Abstract\n\nFirst paragraph with $\\alpha_1$.\n\nSecond paragraph.\n" in text
    assert "## AI summary\n\nA unified codebase for world models." in text


def test_markdown_of_old_style_ids_and_unknown_papers() -> None:
    paper("hep-th/9901001", title="Old style", published_at=utc(1999, 1, 1))
    assert Client().get("/papers/hep-th/9901001.md").content.startswith(b"# Old style\n")
    missing = Client().get("/papers/2604.99999.md")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/plain")
    assert Client().get("/papers/not-an-id.md").status_code == 404
    # The paper page itself is still the paper page.
    assert Client().get("/papers/hep-th/9901001").status_code == 200


def test_linked_repositories_are_empty_but_in_the_upstream_shape() -> None:
    a_paper()
    response = Client().get("/api/arxiv/2604.04707/repos")
    assert response.status_code == 200
    assert response.json() == {"models": [], "datasets": [], "spaces": []}
    missing = Client().get("/api/arxiv/2604.99999/repos")
    assert missing.status_code == 404
    assert "error" in missing.json()
    info = Client().get("/api/papers/2604.04707").json()
    assert info["linkedModels"] == info["linkedDatasets"] == info["linkedSpaces"] == []
    assert info["numTotalModels"] == info["numTotalDatasets"] == info["numTotalSpaces"] == 0


@pytest.fixture
def live_hub(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    try:
        yield str(live_server.url)
    finally:
        hang_up_on_live_server()


@pytest.mark.django_db(transaction=True)
def test_the_official_client_reads_the_paper_and_its_links(live_hub: str) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    a_paper()
    api = HfApi(endpoint=live_hub, token=False)
    text = api.read_paper("2604.04707")
    assert text.startswith("# OpenWorldLib")
    assert "Second paragraph." in text
    info = api.paper_info("2604.04707")
    assert info.linked_models == [] and info.num_total_models == 0
    assert info.linked_datasets == [] and info.num_total_datasets == 0
    assert info.linked_spaces == []
    with pytest.raises(HfHubHTTPError) as missing:
        api.read_paper("2604.99999")
    assert missing.value.response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_hf_papers_read_prints_the_paper(live_hub: str) -> None:
    a_paper()
    env = {**os.environ, "HF_ENDPOINT": live_hub, "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_TOKEN", None)
    done = subprocess.run(
        [str(HF_CLI), "papers", "read", "2604.04707"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# OpenWorldLib")
    assert "## Abstract" in done.stdout
