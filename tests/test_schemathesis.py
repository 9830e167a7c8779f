"""The live server answers as /api/openapi.json says: schemathesis generates requests
from the description, sends them over HTTP and checks every answer.

Bounded (a few dozen examples per endpoint) so that it runs in well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dailypapers.search import index
from tests.factories import paper, utc

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


# Examples generated per endpoint: a few hundred requests in all.
EXAMPLES = 40


def test_the_api_answers_as_described(api_schema: Any, live_server: Any) -> None:
    base = str(live_server.url)
    sent: dict[str, int] = {}
    statuses: dict[int, int] = {}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case: Any) -> None:
            response = case.call(base_url=base, timeout=30)
            sent[case.operation.label] = sent.get(case.operation.label, 0) + 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except AssertionError as exc:  # schemathesis raises a subclass, with every check
                failures.append(f"{case.operation.label}: {exc}")

        run()
    print(f"schemathesis: {sum(sent.values())} requests, by status {sorted(statuses.items())}")
    assert set(sent) == {op.ok().label for op in api_schema.get_all_operations()}
    assert not any(status >= 500 for status in statuses)
    assert failures == []
