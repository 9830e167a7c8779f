import pytest
from django.test import Client

from tests.factories import paper, utc

pytestmark = pytest.mark.django_db


def test_daily_list_shows_the_latest_day(client: Client) -> None:
    paper("2604.00001", title="Older", submitted_at=utc(2026, 4, 6, 10), upvotes=5)
    paper("2604.00002", title="Newest day", submitted_at=utc(2026, 4, 7, 1), upvotes=1)
    response = client.get("/papers")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Newest day" in body
    assert "Older" not in body
