"""The repositories citing a paper, as the API, the official client and the paper page show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dailypapers.ingest import hf_repos, sync_repos
from dailypapers.papers import repos
from tests.support.factories import paper, utc
from tests.support.replay import HF_REPOS
from tests.support.web import hang_up_on_live_server

pytestmark = pytest.mark.django_db


def _mirrored(arxiv_id: str, fixture: str | None = None) -> None:
    """The paper, with the recorded answer ``fixture`` stored the way the sync stores it."""
    found = paper(arxiv_id, title=f"Paper {arxiv_id}", submitted_at=utc(2026, 4, 7, 2))
    answer = hf_repos.parse((HF_REPOS / f"{fixture or arxiv_id}.json").read_bytes(), "")
    assert not answer.error
    now = timezone.now()
    holder, mine = sync_repos.claim_due({found.pk: arxiv_id}, now, dt.timedelta(days=1))
    assert mine == [found.pk]
    assert repos.store(found.pk, answer.repos, answer.totals, now, holder)


def test_repos_answer_in_the_hub_shape_most_liked_first() -> None:
    _mirrored("2604.04707")
    data = Client().get("/api/arxiv/2604.04707/repos").json()
    assert [m["id"] for m in data["models"]][:3] == [
        "OpenDCAI/OpenWorldLib-7B",
        "OpenDCAI/OpenWorldLib-1.5B",
        "bartowski/OpenWorldLib-7B-GGUF",
    ]
    assert data["models"][0] == {
        "id": "OpenDCAI/OpenWorldLib-7B",
        "author": "OpenDCAI",
        "private": False,
        "likes": 412,
        "downloads": 18840,
        "lastModified": "2026-04-20T09:12:44.000Z",
    }
    assert len(data["datasets"]) == 2
    assert data["spaces"][0]["id"] == "OpenDCAI/OpenWorldLib-demo"
    assert "downloads" not in data["spaces"][0]


def test_the_paper_carries_its_linked_repositories_and_totals() -> None:
    _mirrored("2604.04707")
    info = Client().get("/api/papers/2604.04707").json()
    assert (info["numTotalModels"], info["numTotalDatasets"], info["numTotalSpaces"]) == (7, 2, 3)
    assert len(info["linkedModels"]) == 7
    assert info["linkedDatasets"][0]["id"] == "OpenDCAI/OpenWorldBench"
    assert info["linkedSpaces"][0]["likes"] == 133


def test_a_paper_never_asked_about_answers_empty_lists() -> None:
    paper("2604.09999", title="Not asked yet")
    assert Client().get("/api/arxiv/2604.09999/repos").json() == {
        "models": [],
        "datasets": [],
        "spaces": [],
    }
    info = Client().get("/api/papers/2604.09999").json()
    assert info["linkedModels"] == [] and info["numTotalModels"] == 0


def test_the_paper_page_shows_the_most_liked_with_links_and_counts() -> None:
    _mirrored("2604.04707")
    html = Client().get("/papers/2604.04707").content.decode()
    assert "Models citing this paper" in html and "(7)" in html
    assert 'href="https://huggingface.co/OpenDCAI/OpenWorldLib-7B"' in html
    assert 'href="https://huggingface.co/datasets/OpenDCAI/OpenWorldBench"' in html
    assert 'href="https://huggingface.co/spaces/OpenDCAI/OpenWorldLib-demo"' in html
    assert "412 likes · 18840 downloads" in html
    # Five models of seven: the two least liked are left to the Hub's own page.
    assert "QuantFactory/OpenWorldLib-1.5B-GGUF" in html
    assert "someone/owl-7b-lora-robotics" not in html
    assert "student-lab/owl-distilled" not in html
    assert "All 7 models on huggingface.co" in html
    assert "All 2 datasets" not in html  # both are shown


def test_a_paper_page_without_linked_repositories_has_no_such_section() -> None:
    _mirrored("2604.04708")
    html = Client().get("/papers/2604.04708").content.decode()
    assert "citing this paper" not in html
    assert "On the Hugging Face Hub" not in html


@pytest.fixture
def live_hub(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    try:
        yield str(live_server.url)
    finally:
        hang_up_on_live_server()


@pytest.mark.django_db(transaction=True)
def test_the_official_client_reads_the_linked_repositories(live_hub: str) -> None:
    from huggingface_hub import HfApi

    _mirrored("2604.04707")
    info = HfApi(endpoint=live_hub, token=False).paper_info("2604.04707")
    assert info.num_total_models == 7 and info.num_total_datasets == 2
    assert info.linked_models is not None and info.linked_spaces is not None
    top = info.linked_models[0]
    assert (top.id, top.author, top.likes, top.downloads) == (
        "OpenDCAI/OpenWorldLib-7B",
        "OpenDCAI",
        412,
        18840,
    )
    assert top.last_modified == utc(2026, 4, 20, 9, 12, 44)
    assert info.linked_datasets is not None
    assert [d.id for d in info.linked_datasets] == [
        "OpenDCAI/OpenWorldBench",
        "OpenDCAI/OpenWorldLib-traces",
    ]
    assert info.linked_spaces[0].id == "OpenDCAI/OpenWorldLib-demo"
    assert info.linked_spaces[0].likes == 133


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/api/papers/{ref}", "/api/arxiv/{ref}/repos"])
def test_the_answers_match_the_openapi_description(live_hub: str, settings: Any, path: str) -> None:
    import schemathesis
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance

    settings.BASE_URL = live_hub
    _mirrored("2604.04707")
    schema = schemathesis.openapi.from_url(f"{live_hub}/api/openapi.json")
    case = schema[path]["GET"].Case(path_parameters={"ref": "2604.04707"})
    response = case.call(base_url=live_hub, timeout=30)
    assert response.status_code == 200
    case.validate_response(response, checks=[response_schema_conformance])
    # A repository without its required keys is refused by the description.
    broken = response.json()
    key = "models" if path.endswith("repos") else "linkedModels"
    del broken[key][0]["likes"]
    with pytest.raises(FailureGroup, match="Response violates schema"):
        case.validate_response(
            _replaced_body(response, broken), checks=[response_schema_conformance]
        )


def _replaced_body(response: Any, data: Any) -> Any:
    """The same response with another JSON body."""
    import json

    from schemathesis.core.transport import Response

    return Response(
        status_code=response.status_code,
        headers=response.headers,
        content=json.dumps(data).encode(),
        request=response.request,
        elapsed=response.elapsed,
        verify=response.verify,
    )
