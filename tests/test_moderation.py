"""Moderation: staff-only actions through the site, the CLI and the admin, each one logged;
flags on comments; the queue and the log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http.response import HttpResponseBase
from django.test import Client

from dailypapers.accounts.models import Profile
from dailypapers.community.models import (
    AuthorClaim,
    Comment,
    CommentFlag,
    ModerationAction,
)
from dailypapers.community.services import comments
from dailypapers.config import Rate
from dailypapers.papers.models import Paper, Submission
from tests.factories import paper, utc

pytestmark = pytest.mark.django_db

DAY = "2026-04-07"
PASSWORD = "a-long-password-1"
Kind = ModerationAction.Kind


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def make_user(name: str, **extra: Any) -> User:
    user = User.objects.create_user(name, f"{name}@example.org", PASSWORD, **extra)
    Profile.objects.create(user=user)
    return user


def logged_in(user: User, **client_args: Any) -> Client:
    client = Client(**client_args)
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    # Argon2 is slow on purpose; these tests log in dozens of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff() -> User:
    return make_user("mod", is_staff=True)


@pytest.fixture
def reader() -> User:
    return make_user("reader")


@pytest.fixture
def writer() -> User:
    return make_user("writer")


@pytest.fixture
def listed() -> Paper:
    return paper("2604.00001", title="Listed paper", submitted_at=utc(2026, 4, 7, 9))


@pytest.fixture
def comment(listed: Paper, writer: User) -> Comment:
    return comments.post(writer, listed, "A comment worth *reading*.")


def actions() -> list[tuple[str, str | None, str, str]]:
    return [
        (a.kind, a.moderator.username if a.moderator else None, a.target_id, a.reason)
        for a in ModerationAction.objects.order_by("id")
    ]


# -- papers ------------------------------------------------------------------------


def test_staff_hides_a_paper_from_the_lists_and_api_and_shows_it_again(
    staff: User, listed: Paper
) -> None:
    other = paper("2604.00002", title="Other paper", submitted_at=utc(2026, 4, 7, 10))
    visitor = Client()
    assert "Listed paper" in body(visitor.get(f"/papers/date/{DAY}"))
    mod = logged_in(staff)

    response = mod.post(
        "/moderation/papers/2604.00001/hide",
        {"reason": "spam submission", "next": f"/papers/date/{DAY}"},
    )
    assert response.status_code == 302 and response["Location"] == f"/papers/date/{DAY}"
    assert Submission.objects.get(paper=listed).hidden
    page = body(visitor.get(f"/papers/date/{DAY}"))
    assert "Listed paper" not in page and "Other paper" in page
    api = body(visitor.get(f"/api/daily_papers?date={DAY}"))
    assert "2604.00001" not in api and "2604.00002" in api
    # The paper's own page stays, without the daily-list entry.
    assert visitor.get("/papers/2604.00001").status_code == 200
    assert actions() == [(Kind.HIDE_PAPER, "mod", str(listed.pk), "spam submission")]

    # Hiding again changes and logs nothing.
    mod.post("/moderation/papers/2604.00001/hide", {"reason": "again"})
    assert len(actions()) == 1

    mod.post("/moderation/papers/2604.00001/show", {"reason": "a mistake"})
    assert not Submission.objects.get(paper=listed).hidden
    assert "Listed paper" in body(visitor.get(f"/papers/date/{DAY}"))
    assert "2604.00001" in body(visitor.get(f"/api/daily_papers?date={DAY}"))
    assert actions()[-1] == (Kind.SHOW_PAPER, "mod", str(listed.pk), "a mistake")
    assert other.pk != listed.pk


def test_hiding_moves_the_paper_forward_for_the_search_index(staff: User, listed: Paper) -> None:
    before = Paper.objects.get(pk=listed.pk).modified_at
    logged_in(staff).post("/moderation/papers/2604.00001/hide", {"reason": "x"})
    assert Paper.objects.get(pk=listed.pk).modified_at > before


def test_a_paper_that_is_not_on_the_list_cannot_be_hidden(staff: User) -> None:
    paper("2604.00009", title="Never listed")
    response = logged_in(staff).post("/moderation/papers/2604.00009/hide", {"reason": "x"})
    assert response.status_code == 400
    assert "not on the daily list" in body(response)
    assert actions() == []


def test_staff_locks_and_unlocks_a_discussion(staff: User, writer: User, listed: Paper) -> None:
    mod = logged_in(staff)
    response = mod.post("/moderation/papers/2604.00001/lock", {"reason": "flame war"})
    assert response.status_code == 302 and response["Location"] == "/papers/2604.00001"
    assert Paper.objects.get(pk=listed.pk).discussion_locked
    with pytest.raises(comments.DiscussionLocked):
        comments.post(writer, Paper.objects.get(pk=listed.pk), "One more word")
    assert actions() == [(Kind.LOCK_DISCUSSION, "mod", str(listed.pk), "flame war")]

    mod.post("/moderation/papers/2604.00001/unlock", {"reason": "calmer now"})
    assert not Paper.objects.get(pk=listed.pk).discussion_locked
    comments.post(writer, Paper.objects.get(pk=listed.pk), "One more word")
    assert actions()[-1] == (Kind.UNLOCK_DISCUSSION, "mod", str(listed.pk), "calmer now")


def test_paper_page_shows_the_moderation_forms_to_staff_only(
    staff: User, reader: User, listed: Paper
) -> None:
    page = body(logged_in(staff).get("/papers/2604.00001"))
    assert 'action="/moderation/papers/2604.00001/hide"' in page
    assert 'action="/moderation/papers/2604.00001/lock"' in page
    assert page.count('name="reason"') >= 2
    for client in (Client(), logged_in(reader)):
        assert "/moderation/papers/" not in body(client.get("/papers/2604.00001"))


def test_actions_return_only_to_pages_of_this_site(staff: User, listed: Paper) -> None:
    mod = logged_in(staff)
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = mod.post("/moderation/papers/2604.00001/lock", {"next": evil})
        assert response["Location"] == "/papers/2604.00001"
        mod.post("/moderation/papers/2604.00001/unlock")


# -- who may act -------------------------------------------------------------------


def _action_urls(comment: Comment) -> list[str]:
    return [
        *(f"/moderation/papers/2604.00001/{a}" for a in ("hide", "show", "lock", "unlock")),
        *(f"/moderation/comments/{comment.pk}/{a}" for a in ("remove", "restore", "dismiss")),
        *(f"/moderation/users/writer/{a}" for a in ("suspend", "unsuspend")),
    ]


def _state(listed: Paper, comment: Comment, writer: User) -> tuple[object, ...]:
    return (
        Submission.objects.get(paper=listed).hidden,
        Paper.objects.get(pk=listed.pk).discussion_locked,
        Comment.objects.get(pk=comment.pk).removed_at,
        User.objects.get(pk=writer.pk).is_active,
        Profile.objects.get(user=writer).suspended_at,
        CommentFlag.objects.filter(resolved_at__isnull=True).count(),
        ModerationAction.objects.count(),
    )


def test_nobody_but_staff_can_moderate_and_get_changes_nothing(
    staff: User, reader: User, writer: User, listed: Paper, comment: Comment
) -> None:
    CommentFlag.objects.create(comment=comment, user=reader, reason="spam")
    before = _state(listed, comment, writer)
    inactive_staff = make_user("gone", is_staff=True)
    clients = {"visitor": Client(), "reader": logged_in(reader)}
    clients["inactive staff"] = logged_in(inactive_staff)
    inactive_staff.is_active = False
    inactive_staff.save()
    for who, client in clients.items():
        for url in _action_urls(comment):
            response = client.post(url, {"reason": "trying"})
            assert response.status_code == 404, (who, url, response.status_code)
    for url in _action_urls(comment):
        assert logged_in(staff).get(url).status_code == 405, url
    for page in ("/moderation", "/moderation/log"):
        assert clients["visitor"].get(page).status_code == 404
        assert clients["reader"].get(page).status_code == 404
    assert _state(listed, comment, writer) == before


def test_actions_need_the_csrf_token(staff: User, listed: Paper) -> None:
    mod = logged_in(staff, enforce_csrf_checks=True)
    refused = mod.post("/moderation/papers/2604.00001/hide", {"reason": "no token"})
    assert refused.status_code == 403
    assert not Submission.objects.get(paper=listed).hidden
    page = body(mod.get("/papers/2604.00001"))
    form = re.search(
        r'action="/moderation/papers/2604.00001/hide">\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    assert form, page
    done = mod.post(
        "/moderation/papers/2604.00001/hide",
        {"reason": "with token", "csrfmiddlewaretoken": form.group(1)},
    )
    assert done.status_code == 302
    assert Submission.objects.get(paper=listed).hidden


# -- comments ----------------------------------------------------------------------


def test_staff_removes_a_flagged_comment_and_restores_it(
    staff: User, reader: User, listed: Paper, comment: Comment
) -> None:
    CommentFlag.objects.create(comment=comment, user=reader, reason="abuse")
    assert Paper.objects.get(pk=listed.pk).comments_local == 1
    mod = logged_in(staff)
    response = mod.post(
        f"/moderation/comments/{comment.pk}/remove", {"reason": "insults", "next": "/moderation"}
    )
    assert response.status_code == 302 and response["Location"] == "/moderation"
    removed = Comment.objects.get(pk=comment.pk)
    assert removed.removed_at is not None and removed.removed_by_id == staff.pk
    assert Paper.objects.get(pk=listed.pk).comments_local == 0
    flag = CommentFlag.objects.get(comment=comment)
    assert flag.resolved_at is not None and flag.resolved_by_id == staff.pk
    assert actions() == [(Kind.REMOVE_COMMENT, "mod", str(comment.pk), "insults")]

    response = mod.post(f"/moderation/comments/{comment.pk}/restore", {"reason": "appeal"})
    assert response["Location"] == f"/papers/2604.00001#comment-{comment.pk}"
    assert Comment.objects.get(pk=comment.pk).removed_at is None
    assert Paper.objects.get(pk=listed.pk).comments_local == 1
    assert actions()[-1] == (Kind.RESTORE_COMMENT, "mod", str(comment.pk), "appeal")


# -- users -------------------------------------------------------------------------


def test_a_suspended_user_is_logged_out_and_cannot_log_in_until_unsuspended(
    staff: User, writer: User
) -> None:
    session = logged_in(writer)
    other_session = logged_in(writer)
    bystander = logged_in(make_user("bystander"))
    assert 'href="/users/writer"' in body(session.get("/papers"))
    mod = logged_in(staff)

    response = mod.post("/moderation/users/writer/suspend", {"reason": "spam account"})
    assert response.status_code == 302 and response["Location"] == "/users/writer"
    writer.refresh_from_db()
    assert not writer.is_active
    assert Profile.objects.get(user=writer).suspended_at is not None
    for client in (session, other_session):
        assert 'href="/users/writer"' not in body(client.get("/papers"))
    assert 'href="/users/bystander"' in body(bystander.get("/papers"))
    assert all(
        s.get_decoded().get("_auth_user_id") != str(writer.pk) for s in Session.objects.all()
    )
    login = Client().post("/login", {"username": "writer", "password": PASSWORD})
    assert login.status_code == 400
    assert actions() == [(Kind.SUSPEND_USER, "mod", str(writer.pk), "spam account")]

    mod.post("/moderation/users/writer/unsuspend", {"reason": "appeal accepted"})
    writer.refresh_from_db()
    assert writer.is_active and Profile.objects.get(user=writer).suspended_at is None
    assert Client().login(username="writer", password=PASSWORD)
    assert actions()[-1] == (Kind.UNSUSPEND_USER, "mod", str(writer.pk), "appeal accepted")


def test_staff_cannot_suspend_themselves_or_a_superuser(staff: User) -> None:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    mod = logged_in(staff)
    for name in ("mod", "root"):
        response = mod.post(f"/moderation/users/{name}/suspend", {"reason": "x"})
        assert response.status_code == 403
        assert User.objects.get(username=name).is_active
    assert actions() == []


def test_unsuspending_someone_never_suspended_changes_nothing(staff: User) -> None:
    dormant = make_user("dormant")
    dormant.is_active = False
    dormant.save()
    logged_in(staff).post("/moderation/users/dormant/unsuspend", {"reason": "x"})
    assert not User.objects.get(pk=dormant.pk).is_active
    assert actions() == []


# -- flags -------------------------------------------------------------------------


def test_flags_are_one_per_user_and_comment(reader: User, comment: Comment) -> None:
    client = logged_in(reader)
    first = client.post(
        f"/comments/{comment.pk}/flag", {"reason": "spam", "note": "selling things"}
    )
    assert first.status_code == 302
    assert first["Location"] == f"/papers/2604.00001#comment-{comment.pk}"
    again = client.post(f"/comments/{comment.pk}/flag", {"reason": "abuse"})
    assert again.status_code == 302
    (flag,) = CommentFlag.objects.all()
    assert (flag.user_id, flag.reason, flag.note) == (reader.pk, "spam", "selling things")


def test_nobody_flags_their_own_comment_and_visitors_are_sent_to_log_in(
    writer: User, comment: Comment
) -> None:
    own = logged_in(writer).post(f"/comments/{comment.pk}/flag", {"reason": "spam"})
    assert own.status_code == 403
    visitor = Client().post(f"/comments/{comment.pk}/flag", {"reason": "spam"})
    assert visitor.status_code == 302 and visitor["Location"].startswith("/login?next=")
    assert not CommentFlag.objects.exists()


def test_a_flag_without_a_reason_keeps_the_note(reader: User, comment: Comment) -> None:
    response = logged_in(reader).post(
        f"/comments/{comment.pk}/flag", {"reason": "nonsense", "note": "my <careful> note"}
    )
    assert response.status_code == 400
    page = body(response)
    assert "Choose a reason." in page
    assert "my &lt;careful&gt; note" in page
    assert not CommentFlag.objects.exists()


def test_the_flag_form_page(reader: User, comment: Comment) -> None:
    page = body(logged_in(reader).get(f"/comments/{comment.pk}/flag"))
    assert 'action="/comments/' in page and 'name="csrfmiddlewaretoken"' in page
    for value in ("spam", "abuse", "off-topic", "other"):
        assert f'value="{value}"' in page
    assert not CommentFlag.objects.exists()


def test_flags_are_rate_limited_per_user(
    settings: Any, reader: User, writer: User, listed: Paper
) -> None:
    settings.COMMENT_FLAG_RATE_LIMIT = Rate(per_account=2, per_ip=100, seconds=3600)
    targets = [comments.post(writer, listed, f"comment {n}") for n in range(3)]
    client = logged_in(reader)
    for target in targets[:2]:
        assert client.post(f"/comments/{target.pk}/flag", {"reason": "spam"}).status_code == 302
    limited = client.post(f"/comments/{targets[2].pk}/flag", {"reason": "spam"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert CommentFlag.objects.count() == 2


def test_flags_are_rate_limited_per_address(
    settings: Any, reader: User, writer: User, listed: Paper
) -> None:
    settings.COMMENT_FLAG_RATE_LIMIT = Rate(per_account=100, per_ip=2, seconds=3600)
    target = comments.post(writer, listed, "a comment")
    users = [make_user(f"flagger{n}") for n in range(3)]
    statuses = [
        logged_in(u).post(f"/comments/{target.pk}/flag", {"reason": "spam"}).status_code
        for u in users
    ]
    assert statuses == [302, 302, 429]
    assert CommentFlag.objects.count() == 2


# -- queue and log -----------------------------------------------------------------


def test_the_queue_lists_flagged_comments_and_dismisses_their_flags(
    staff: User, reader: User, writer: User, listed: Paper, comment: Comment
) -> None:
    quiet = comments.post(writer, listed, "Nobody minds this one.")
    other = make_user("other")
    logged_in(reader).post(f"/comments/{comment.pk}/flag", {"reason": "spam", "note": "ads"})
    logged_in(other).post(f"/comments/{comment.pk}/flag", {"reason": "spam"})
    author = listed.authors.first()
    assert author is not None
    AuthorClaim.objects.create(author=author, user=reader)
    mod = logged_in(staff)

    page = body(mod.get("/moderation"))
    assert "A comment worth *reading*." in page
    assert "Nobody minds this one." not in page
    assert "2 open flags" in page and "Spam × 2" in page and "ads" in page
    assert f'href="/papers/2604.00001#comment-{comment.pk}"' in page
    assert f'action="/moderation/comments/{comment.pk}/remove"' in page
    assert f'action="/moderation/comments/{comment.pk}/dismiss"' in page
    assert "Author claims waiting: 1" in page and 'href="/authors/claims"' in page

    response = mod.post(
        f"/moderation/comments/{comment.pk}/dismiss", {"reason": "fine", "next": "/moderation"}
    )
    assert response["Location"] == "/moderation"
    assert not CommentFlag.objects.filter(resolved_at__isnull=True).exists()
    assert Comment.objects.get(pk=comment.pk).visible
    assert "A comment worth *reading*." not in body(mod.get("/moderation"))
    assert actions() == [(Kind.DISMISS_FLAGS, "mod", str(comment.pk), "fine")]
    assert quiet.visible


def test_the_queue_runs_the_same_queries_however_many_comments_are_flagged(
    staff: User, writer: User, listed: Paper, django_assert_max_num_queries: Any
) -> None:
    flaggers = [make_user(f"f{n}") for n in range(3)]

    def flag_some(count: int) -> None:
        for n in range(count):
            target = comments.post(writer, listed, f"flagged {n}")
            for user in flaggers:
                CommentFlag.objects.create(comment=target, user=user, reason="spam")

    mod = logged_in(staff)
    flag_some(2)
    with django_assert_max_num_queries(12) as few:
        assert mod.get("/moderation").status_code == 200
    flag_some(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = body(mod.get("/moderation"))
    assert page.count('action="/moderation/comments/') == 2 * 22


def test_the_log_shows_who_did_what_and_why_page_by_page(
    staff: User, listed: Paper, django_assert_max_num_queries: Any
) -> None:
    mod = logged_in(staff)
    for n in range(30):
        mod.post("/moderation/papers/2604.00001/lock", {"reason": f"lock {n}"})
        mod.post("/moderation/papers/2604.00001/unlock", {"reason": f"unlock {n}"})
    call_command("moderate", "hide", "2604.00001", "--reason", "from the terminal")
    with django_assert_max_num_queries(12):
        first = body(mod.get("/moderation/log"))
    assert "from the terminal" in first and "command line" in first
    assert "unlock 29" in first and "lock 0" not in first
    assert 'href="/papers/2604.00001"' in first
    assert 'href="?page=2"' in first
    second = body(mod.get("/moderation/log?page=2"))
    assert "lock 0" in second and "from the terminal" not in second


# -- command line ------------------------------------------------------------------


def test_the_cli_moderates_through_the_same_services(
    staff: User, writer: User, listed: Paper, comment: Comment, capsys: Any
) -> None:
    call_command("moderate", "hide", "2604.00001", "--reason", "dupe")
    assert Submission.objects.get(paper=listed).hidden
    call_command("moderate", "show", "arXiv:2604.00001v2", "--reason", "ok", "--as", "mod")
    assert not Submission.objects.get(paper=listed).hidden
    call_command("moderate", "lock", "2604.00001", "--as", "mod")
    assert Paper.objects.get(pk=listed.pk).discussion_locked
    call_command("moderate", "remove", str(comment.pk), "--reason", "rude")
    assert Comment.objects.get(pk=comment.pk).removed_at is not None
    call_command("moderate", "suspend", "writer", "--reason", "spam")
    assert not User.objects.get(pk=writer.pk).is_active
    assert actions() == [
        (Kind.HIDE_PAPER, None, str(listed.pk), "dupe"),
        (Kind.SHOW_PAPER, "mod", str(listed.pk), "ok"),
        (Kind.LOCK_DISCUSSION, "mod", str(listed.pk), ""),
        (Kind.REMOVE_COMMENT, None, str(comment.pk), "rude"),
        (Kind.SUSPEND_USER, None, str(writer.pk), "spam"),
    ]
    call_command("moderate", "unsuspend", "writer")
    assert User.objects.get(pk=writer.pk).is_active
    call_command("moderate", "log", "--limit", "2")
    out = capsys.readouterr().out
    assert "unsuspend-user" in out and "suspend-user" in out and "dupe" not in out


def test_the_cli_refuses_and_reports_with_exit_statuses(staff: User, listed: Paper) -> None:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    make_user("plain")
    with pytest.raises(CommandError):
        call_command("moderate", "hide", "2604.00001", "--as", "plain")
    with pytest.raises(CommandError):
        call_command("moderate", "hide", "not-an-id")
    cases = [
        (("suspend", "root"), 4),
        (("hide", "2604.99999"), 3),
        (("suspend", "nobody"), 3),
        (("restore", "12345"), 3),
        (("show", "2604.00001"), 1),
    ]
    for args, status in cases:
        with pytest.raises(SystemExit) as exited:
            call_command("moderate", *args)
        assert exited.value.code == status, args
    assert User.objects.get(username="root").is_active
    assert actions() == []


# -- admin -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [
        "papers/organization",
        "community/membership",
        "community/comment",
        "community/commentflag",
        "community/moderationaction",
        "community/authorclaim",
        "community/collection",
        "community/collectionitem",
    ],
)
def test_every_community_model_is_in_the_admin(model: str, comment: Comment) -> None:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin = logged_in(User.objects.get(username="root"))
    assert admin.get(f"/admin/{model}/").status_code == 200


def test_old_admin_links_to_organizations_lead_to_their_new_place(comment: Comment) -> None:
    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin = logged_in(User.objects.get(username="root"))
    response = admin.get("/admin/community/organization/1/change/?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/admin/papers/organization/1/change/?x=1"


def test_the_admin_cannot_edit_the_log_and_its_actions_are_logged(
    reader: User, listed: Paper, comment: Comment
) -> None:
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    admin = logged_in(root)
    assert admin.get("/admin/community/moderationaction/add/").status_code == 403
    response = admin.post(
        "/admin/community/comment/",
        {"action": "remove_comments", "_selected_action": [str(comment.pk)]},
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).removed_at is not None
    author = listed.authors.first()
    assert author is not None
    claim = AuthorClaim.objects.create(author=author, user=reader)
    admin.post(
        "/admin/community/authorclaim/",
        {"action": "confirm_claims", "_selected_action": [str(claim.pk)]},
    )
    assert AuthorClaim.objects.get(pk=claim.pk).status == AuthorClaim.Status.CONFIRMED
    assert [(k, who) for k, who, _, _ in actions()] == [
        (Kind.REMOVE_COMMENT, "root"),
        (Kind.CONFIRM_CLAIM, "root"),
    ]
    action = ModerationAction.objects.first()
    assert action is not None
    change = admin.post(
        f"/admin/community/moderationaction/{action.pk}/change/", {"reason": "rewritten"}
    )
    assert change.status_code == 403
    assert ModerationAction.objects.get(pk=action.pk).reason != "rewritten"
