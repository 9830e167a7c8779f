import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import paper, utc

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/papers/paper/",
        "/admin/papers/submission/",
        "/admin/community/organization/",
        "/admin/papers/paper/?q=Findable",
    ],
)
def test_staff_can_browse_papers_in_the_admin(client: Client, path: str) -> None:
    p = paper("2604.00001", title="Findable", submitted_at=utc(2026, 4, 7), organization="Org")
    User.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    client.login(username="admin", password="a-long-password-1")
    response = client.get(path)
    assert response.status_code == 200
    assert "Findable" in response.content.decode() or "Org" in response.content.decode()
    assert client.get(f"/admin/papers/paper/{p.pk}/change/").status_code == 200


def test_the_admin_is_closed_to_visitors(client: Client) -> None:
    response = client.get("/admin/papers/paper/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
