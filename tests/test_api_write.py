"""The write API: each endpoint with a write token, a read token, no token, and a
logged-in session (which must send a CSRF token), through the same services and
rate limits as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dailypapers.accounts import services as accounts
from dailypapers.community.models import Collection, CollectionItem, Comment
from dailypapers.community.services import collections
from dailypapers.config import Rate
from dailypapers.papers.models import Paper, Submission, Upvote
from tests.support.factories import paper
from tests.support.replay import Replay

pytestmark = pytest.mark.django_db

PAPER = "2604.00001"


def member(name: str = "ada", hours: float = 72) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", "a long passphrase")
    user.date_joined = timezone.now() - dt.timedelta(hours=hours)
    user.save(update_fields=["date_joined"])
    return user


@pytest.fixture
def ada() -> User:
    return member()


@pytest.fixture
def stored() -> Paper:
    return paper(PAPER, title="Diffusion for proteins", upvotes=3)


class Api:
    """A script calling the API with one token (or none)."""

    def __init__(self, token: str = "") -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, url: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            url, json.dumps(data or {}), content_type="application/json", headers=self.headers
        )

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)


@pytest.fixture
def writer(ada: User) -> Api:
    return Api(accounts.create_token(ada, "w", "write")[1])


@pytest.fixture
def reader(ada: User) -> Api:
    return Api(accounts.create_token(ada, "r", "read")[1])


def limit(settings: Any, name: str, per_account: int) -> None:
    setattr(settings, name, Rate(per_account=per_account, per_ip=100, seconds=600))


# -- who may write ----------------------------------------------------------------------------

WRITES = [
    ("post", f"/api/papers/{PAPER}/upvote", {}),
    ("delete", f"/api/papers/{PAPER}/upvote", None),
    ("post", "/api/papers", {"paper": PAPER}),
    ("post", f"/api/papers/{PAPER}/comments", {"body": "Nice."}),
    ("post", "/api/collections", {"name": "Reading"}),
    ("delete", "/api/collections/1", None),
    ("post", "/api/collections/1/papers", {"paper": PAPER}),
    ("delete", f"/api/collections/1/papers/{PAPER}", None),
]


def _call(api: Api, method: str, url: str, data: dict[str, Any] | None) -> Any:
    return api.post(url, data) if method == "post" else api.delete(url)


def _nothing_written() -> bool:
    return not (
        Upvote.objects.exists()
        or Submission.objects.exists()
        or Comment.objects.exists()
        or Collection.objects.filter(name="Reading").exists()
        or CollectionItem.objects.exists()
    )


@pytest.mark.parametrize(("method", "url", "data"), WRITES)
def test_without_a_token_nothing_is_written(
    stored: Paper, method: str, url: str, data: dict[str, Any] | None
) -> None:
    response = _call(Api(), method, url, data)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="dailypapers"'
    response = _call(Api("dp_revoked-or-never-made"), method, url, data)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert _nothing_written()


@pytest.mark.parametrize(("method", "url", "data"), WRITES)
def test_a_read_token_cannot_write(
    reader: Api, ada: User, stored: Paper, method: str, url: str, data: dict[str, Any] | None
) -> None:
    collections.create(ada.pk, "Mine")
    response = _call(reader, method, url, data)
    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="write"' in response["WWW-Authenticate"]
    assert _nothing_written()


def test_a_session_must_send_the_csrf_token(ada: User, stored: Paper) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada)
    url = f"/api/papers/{PAPER}/upvote"
    refused = browser.post(url)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    assert not Upvote.objects.exists()
    browser.get(f"/papers/{PAPER}")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    assert browser.post(url, HTTP_X_CSRFTOKEN=token).json()["voted"] is True
    assert browser.delete(url).status_code == 403
    assert browser.delete(url, HTTP_X_CSRFTOKEN=token).json()["voted"] is False


def test_a_token_needs_no_csrf_token_even_with_a_session_cookie(
    ada: User, stored: Paper, writer: Api
) -> None:
    writer.client = Client(enforce_csrf_checks=True)
    writer.client.force_login(member("bob"))
    response = writer.post(f"/api/papers/{PAPER}/upvote")
    assert response.status_code == 200
    # The token's account votes, not the session's.
    assert list(Upvote.objects.values_list("user__username", flat=True)) == ["ada"]


def test_other_methods_get_405_with_allow(writer: Api, stored: Paper) -> None:
    response = writer.client.get(f"/api/papers/{PAPER}/upvote", headers=writer.headers)
    assert response.status_code == 405 and response["Allow"] == "POST, DELETE"
    assert writer.delete("/api/papers").status_code == 405


# -- upvotes ----------------------------------------------------------------------------------


def test_upvoting_is_idempotent(writer: Api, ada: User, stored: Paper) -> None:
    url = f"/api/papers/{PAPER}/upvote"
    first = writer.post(url)
    assert first.status_code == 200
    assert first.json() == {"paper": PAPER, "voted": True, "upvotes": 4}
    assert writer.post(url).json() == {"paper": PAPER, "voted": True, "upvotes": 4}
    assert Upvote.objects.filter(user=ada).count() == 1
    assert writer.delete(url).json() == {"paper": PAPER, "voted": False, "upvotes": 3}
    assert writer.delete(url).json() == {"paper": PAPER, "voted": False, "upvotes": 3}
    assert Paper.objects.get(arxiv_id=PAPER).upvotes_local == 0


def test_upvoting_a_missing_paper_is_404(writer: Api) -> None:
    for ref in ("2604.99999", "not-an-id"):
        response = writer.post(f"/api/papers/{ref}/upvote")
        assert response.status_code == 404 and response.json()["error"]


def test_upvotes_share_the_pages_rate_limit(writer: Api, stored: Paper, settings: Any) -> None:
    limit(settings, "UPVOTE_RATE_LIMIT", 3)
    url = f"/api/papers/{PAPER}/upvote"
    statuses = [writer.post(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = writer.post(url)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "too many" in response.json()["error"]


# -- submitting -------------------------------------------------------------------------------


def test_submitting_puts_a_stored_paper_on_today_s_list(writer: Api, ada: User) -> None:
    paper("2604.00042", published_at=timezone.now() - dt.timedelta(days=2))
    data = {"paper": "arXiv:2604.00042", "project": "https://example.org/project"}
    response = writer.post("/api/papers", data)
    assert response.status_code == 201
    answer = response.json()
    assert answer["created"] is True and answer["paper"]["id"] == "2604.00042"
    stored = Paper.objects.get(arxiv_id="2604.00042")
    assert stored.submission.submitter_id == ada.pk
    assert stored.project_page == "https://example.org/project"
    again = writer.post("/api/papers", {"paper": "2604.00042"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert Submission.objects.count() == 1


def test_submitting_fetches_an_unknown_paper_from_arxiv(
    writer: Api, replay: Replay, settings: Any
) -> None:
    replay.add_recorded_arxiv()
    settings.SUBMIT_MAX_PAPER_AGE_DAYS = 100_000
    settings.SUBMIT_ARXIV_TIMEOUT = 0.5
    settings.SUBMIT_ARXIV_RETRIES = 1
    response = writer.post("/api/papers", {"paper": "1605.08386"})
    assert response.status_code == 201
    assert response.json()["paper"]["title"] == "Heat-bath random walks with Markov bases"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "paper"),
        ({"paper": "not an id"}, "paper"),
        ({"paper": PAPER, "github": "https://gitlab.com/x/y"}, "github"),
        ({"paper": 2604.00001}, None),
    ],
)
def test_bad_submissions_say_which_field(writer: Api, data: dict[str, Any], field: str) -> None:
    response = writer.post("/api/papers", data)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"]
    if field:
        assert answer["fields"][field]
    assert not Submission.objects.exists()


def test_new_accounts_are_refused_as_on_the_page() -> None:
    newcomer = member("newcomer", hours=1)
    api = Api(accounts.create_token(newcomer, "w", "write")[1])
    paper("2604.00042", published_at=timezone.now() - dt.timedelta(days=2))
    response = api.post("/api/papers", {"paper": "2604.00042"})
    assert response.status_code == 403
    assert "New accounts can submit papers" in response.json()["error"]


def test_a_body_that_is_not_a_json_object_is_400(writer: Api) -> None:
    for raw in ("[1, 2]", "{not json", '"text"'):
        response = writer.client.post(
            "/api/papers", raw, content_type="application/json", headers=writer.headers
        )
        assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_hostile_bodies_are_refused_with_json_errors(writer: Api, settings: Any) -> None:
    """Nested past Python's recursion limit, or larger than a request may be: a 400 in
    JSON, never a server error, and nothing written."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 300_000
    deep = "[" * 200_000 + "]" * 100_000
    big = json.dumps({"paper": "2604.01234", "github": "x" * 400_000})
    for raw in (deep, big):
        response = writer.client.post(
            "/api/papers", raw, content_type="application/json", headers=writer.headers
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json" and response.json()["error"]
    assert _nothing_written()


# -- comments ---------------------------------------------------------------------------------


def test_commenting_and_replying(writer: Api, ada: User, stored: Paper) -> None:
    url = f"/api/papers/{PAPER}/comments"
    response = writer.post(url, {"body": "A **clear** paper. <script>x</script>"})
    assert response.status_code == 201
    made = response.json()
    assert made["author"] == "ada" and made["parent"] is None and made["paper"] == PAPER
    comment = Comment.objects.get(pk=made["id"])
    assert "<script>" not in comment.body_html and "<strong>clear</strong>" in comment.body_html
    reply = writer.post(url, {"body": "Agreed.", "parent": made["id"]}).json()
    assert reply["parent"] == made["id"]
    assert Paper.objects.get(pk=stored.pk).comments_local == 2


def test_bad_comments_are_refused(writer: Api, stored: Paper) -> None:
    url = f"/api/papers/{PAPER}/comments"
    empty = writer.post(url, {"body": "   "})
    assert empty.status_code == 400 and empty.json()["fields"]["body"]
    assert writer.post(url, {"body": "x", "parent": "first"}).status_code == 400
    assert writer.post(url, {"body": "x", "parent": 999}).status_code == 400
    # Not ASCII digits, not a whole number, or past what the database holds.
    for parent in ("③", "١٢", True, 1.5, 2**70, -1, [1]):
        refused = writer.post(url, {"body": "x", "parent": parent})
        assert refused.status_code == 400, parent
        assert "parent" in refused.json()["error"]
    Paper.objects.filter(pk=stored.pk).update(discussion_locked=True)
    locked = writer.post(url, {"body": "Still here?"})
    assert locked.status_code == 403 and "locked" in locked.json()["error"]
    assert not Comment.objects.exists()


def test_comments_share_the_pages_rate_limit(writer: Api, stored: Paper, settings: Any) -> None:
    limit(settings, "COMMENT_RATE_LIMIT", 2)
    url = f"/api/papers/{PAPER}/comments"
    statuses = [writer.post(url, {"body": f"c{i}"}).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    assert Comment.objects.count() == 2


# -- collections ------------------------------------------------------------------------------


def test_a_collection_s_whole_life(writer: Api, ada: User, stored: Paper) -> None:
    made = writer.post("/api/collections", {"name": "To read", "description": "Later."})
    assert made.status_code == 201
    collection = made.json()
    assert collection["isPublic"] is True and collection["slug"] == "to-read"
    assert collection["url"].endswith("/users/ada/collections/to-read")
    items = f"/api/collections/{collection['id']}/papers"
    assert writer.post(items, {"paper": PAPER}).json()["added"] is True
    assert writer.post(items, {"paper": PAPER}).json()["added"] is False
    assert CollectionItem.objects.count() == 1
    assert writer.delete(f"{items}/{PAPER}").json()["removed"] is True
    assert writer.delete(f"{items}/{PAPER}").json()["removed"] is False
    assert writer.delete(f"/api/collections/{collection['id']}").json()["deleted"] is True
    assert writer.delete(f"/api/collections/{collection['id']}").status_code == 404
    assert not Collection.objects.exists()


def test_a_private_collection(writer: Api) -> None:
    made = writer.post("/api/collections", {"name": "Secret", "isPublic": False}).json()
    assert made["isPublic"] is False
    assert writer.post("/api/collections", {"name": "x", "isPublic": "no"}).status_code == 400


def test_bad_collections_say_which_field(writer: Api) -> None:
    response = writer.post("/api/collections", {"name": " "})
    assert response.status_code == 400
    assert response.json()["fields"]["name"] == ["Give the collection a name."]
    long = writer.post("/api/collections", {"name": "n", "description": "d" * 3000})
    assert long.status_code == 400 and long.json()["fields"]["description"]
    assert not Collection.objects.exists()


def test_someone_else_s_collection_cannot_be_changed(writer: Api, stored: Paper) -> None:
    theirs = collections.create(member("bob").pk, "Bob's")
    collections.add_paper(theirs, stored)
    assert writer.post(f"/api/collections/{theirs.pk}/papers", {"paper": PAPER}).status_code == 404
    assert writer.delete(f"/api/collections/{theirs.pk}/papers/{PAPER}").status_code == 404
    assert writer.delete(f"/api/collections/{theirs.pk}").status_code == 404
    assert CollectionItem.objects.filter(collection=theirs).count() == 1


def test_adding_needs_a_known_paper(writer: Api, ada: User) -> None:
    mine = collections.create(ada.pk, "Mine")
    missing = writer.post(f"/api/collections/{mine.pk}/papers", {"paper": "2604.99999"})
    assert missing.status_code == 404
    unnamed = writer.post(f"/api/collections/{mine.pk}/papers", {})
    assert unnamed.status_code == 400 and unnamed.json()["fields"]["paper"]


def test_collections_share_the_pages_rate_limit(writer: Api, settings: Any) -> None:
    limit(settings, "COLLECTION_RATE_LIMIT", 2)
    statuses = [writer.post("/api/collections", {"name": f"c{i}"}).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    assert Collection.objects.count() == 2
