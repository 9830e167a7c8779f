"""The live server answers as /api/openapi.json says: schemathesis generates requests
from the description, sends them over HTTP and checks every answer.

Both valid requests and requests that break the description are sent. Bounded (a few
dozen examples per endpoint and kind) so that it runs in well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dailypapers.api import openapi
from dailypapers.community.models import Collection, CollectionItem, Comment
from dailypapers.papers.models import Submission, Upvote
from dailypapers.search import index
from tests.support.factories import paper, utc

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(live_server: Any, settings: Any) -> Any:
    settings.BASE_URL = str(live_server.url)
    paper(
        "2604.00001",
        title="Diffusion models for protein design",
        authors=("Ada Lovelace", "Alan Turing"),
        submitted_at=utc(2026, 4, 7, 9),
        published_at=utc(2026, 4, 6),
        upvotes=40,
        organization="Acme",
        github_repo="https://github.com/example/protein",
    )
    paper("2604.00002", title="Scaling laws", submitted_at=utc(2026, 4, 7, 10), upvotes=9)
    paper("2604.00003", title="Not on a list", published_at=utc(2026, 4, 1))
    index.catch_up()
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


# Examples generated per endpoint and mode: a few hundred requests in all.
EXAMPLES = 40


def _has_parameters(path: str, method: str) -> bool:
    operation = openapi.description()["paths"][path][method.lower()]
    return bool(operation.get("parameters") or operation.get("requestBody"))


def _html_404(response: Any) -> bool:
    return bool(
        response.status_code == 404
        # schemathesis keeps headers with lower-case names and lists of values.
        and any(v.startswith("text/html") for v in response.headers.get("content-type", []))
    )


def _written() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Upvote, Submission, Comment, Collection, CollectionItem)
    )


def test_the_api_answers_as_described(api_schema: Any, live_server: Any) -> None:
    """Valid requests (positive) and requests that break the description (negative:
    out of range, wrong type, malformed) both get a described answer, never a 5xx."""
    base = str(live_server.url)
    before = _written()
    sent: dict[str, int] = {}
    statuses: dict[int, int] = {}
    failures: list[str] = []
    html_404s: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        modes = [GenerationMode.POSITIVE]
        if _has_parameters(operation.path, operation.method):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case: Any) -> None:
                response = case.call(base_url=base, timeout=30)
                label = case.operation.label
                sent[label] = sent.get(label, 0) + 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if _html_404(response):
                    html_404s.append(f"{label} {case.path_parameters}")
                    return
                try:
                    case.validate_response(response, checks=CHECKS)
                except AssertionError as exc:  # schemathesis raises a subclass, with every check
                    failures.append(f"{label} {case.path_parameters} {case.query}: {exc}")

            run()
    print(f"schemathesis: {sum(sent.values())} requests, by status {sorted(statuses.items())}")
    assert set(sent) == {op.ok().label for op in api_schema.get_all_operations()}
    assert not any(status >= 500 for status in statuses)
    assert failures == []
    # The write endpoints need a token, which the description cannot give.
    assert _written() == before
    if html_404s:
        # A path no /api route matches (a reference holding a newline, say) gets the
        # site's HTML 404; JSON 404s for all of /api are issue 14's item 6.
        pytest.xfail(f"{len(html_404s)} unmatched /api addresses got an HTML 404")
