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
        "/admin/papers/organization/",
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


def test_the_user_admin_refuses_a_name_or_address_another_account_has(client: Client) -> None:
    User.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    User.objects.create_user("ada", "ada@example.org")
    bob = User.objects.create_user("bob", "bob@example.org")
    client.login(username="admin", password="a-long-password-1")
    url = f"/admin/auth/user/{bob.pk}/change/"
    form = {
        "username": "bob",
        "email": "bob@example.org",
        "is_active": "on",
        "date_joined_0": "2026-04-07",
        "date_joined_1": "10:00:00",
    }
    client.raise_request_exception = False
    for change in ({"email": "ADA@example.org"}, {"username": "ADA"}):
        response = client.post(url, {**form, **change})
        assert response.status_code == 200, change
        assert "already" in response.content.decode(), change
    bob.refresh_from_db()
    assert (bob.username, bob.email) == ("bob", "bob@example.org")
    response = client.post(url, {**form, "email": "bob@new.example.org"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.email == "bob@new.example.org"


def test_the_user_admin_adds_no_second_name_in_another_case(client: Client) -> None:
    User.objects.create_superuser("admin", "admin@example.org", "a-long-password-1")
    User.objects.create_user("ada", "ada@example.org")
    client.login(username="admin", password="a-long-password-1")
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "Ada", "usable_password": "false"},
    )
    assert response.status_code == 200 and "already" in response.content.decode()
    assert User.objects.filter(username__iexact="ada").count() == 1
