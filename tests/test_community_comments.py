"""Paper discussions: Markdown that cannot carry scripts, threads one level deep, edits,
soft deletes, locks, badges, the comment counter, and the rules every write obeys."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.markdown import render, sanitize
from dailypapers.community.models import AuthorClaim, Comment, ModerationAction
from dailypapers.community.queries.comments import by_user
from dailypapers.community.services import comments as services
from dailypapers.community.views import comments as views
from dailypapers.config import Rate
from dailypapers.papers.models import Paper, PaperAuthor, Submission
from tests.factories import paper, utc

PAPER = "2604.00001"
PAGE = f"/papers/{PAPER}"
POST = f"{PAGE}/comments"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def comment_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


def make_user(name: str, password: str | None = None, **fields: object) -> User:
    # Without a password unless the test logs in with one: hashing costs time.
    return User.objects.create_user(name, f"{name}@example.org", password, **fields)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counted(arxiv_id: str = PAPER) -> int:
    return Paper.objects.get(arxiv_id=arxiv_id).comments_local


class TestMarkdown:
    def test_the_elements_a_comment_needs(self) -> None:
        out = render(
            "Some *emphasis*, **strong** and `code`.\nNext line.\n\n"
            "- one\n- two\n\n3. three\n\n> quoted\n\n```\nx = 1 < 2\n```\n\n"
            "[a link](https://example.org/a?b=1&c=2) and <https://example.org/auto>"
        )
        assert "<em>emphasis</em>" in out and "<strong>strong</strong>" in out
        assert "<code>code</code>" in out and "<br>" in out
        assert "<ul>\n<li>one</li>" in out and '<ol start="3">' in out
        assert "<blockquote>\n<p>quoted</p>" in out
        assert "<pre><code>x = 1 &lt; 2\n</code></pre>" in out
        assert (
            '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">a link</a>'
            in out
        )
        assert '<a href="https://example.org/auto" rel="nofollow ugc noopener">' in out
        assert '<a href="mailto:ada@example.org" rel="nofollow ugc noopener">' in render(
            "[mail](mailto:ada@example.org)"
        )

    @pytest.mark.parametrize(
        "source",
        [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            '<a href="https://example.org" onclick="alert(1)">x</a>',
            "<iframe src=https://example.org></iframe>",
            "<style>body{display:none}</style>",
            "<b onmouseover=alert(1)>bold</b>",
            "<!-- a comment --><div>block</div>",
        ],
    )
    def test_raw_html_is_shown_as_text(self, source: str) -> None:
        out = render(source)
        # Every "<" the writer typed is escaped: no element of theirs survives.
        assert out.count("<") == out.count("<p>") + out.count("</p>")
        assert htmllib.unescape(re.sub(r"</?p>", "", out)) == source

    @pytest.mark.parametrize(
        "source",
        [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](/relative/path)",
            "[x](//example.org/protocol-relative)",
        ],
    )
    def test_only_http_https_and_mailto_links_keep_their_address(self, source: str) -> None:
        out = render(source)
        assert "href" not in out

    def test_images_headings_and_rules_stay_text(self) -> None:
        out = render("![cat](https://example.org/cat.png)\n\n# Title\n\n***")
        assert "<img" not in out and "<h1" not in out and "<hr" not in out
        assert "# Title" in out and "***" in out

    def test_the_sanitizer_keeps_only_the_allow_list(self) -> None:
        # What the parser should never produce is still cleaned up by the second layer.
        dirty = (
            '<p title="t" class="c" style="color:red" onclick="x()">hi'
            "<script>alert(1)</script><style>p{}</style>"
            '<img src="https://example.org/i.png" onerror="x()">'
            '<iframe src="https://example.org"></iframe>'
            '<a href="javascript:alert(1)">js</a>'
            '<a href="https://example.org" rel="follow" target="_blank">ok</a></p>'
        )
        assert sanitize(dirty) == (
            '<p>hi<a rel="nofollow ugc noopener">js</a>'
            '<a href="https://example.org" rel="nofollow ugc noopener">ok</a></p>'
        )


@pytest.fixture
def ada(db: None) -> User:
    return make_user("ada")


@pytest.fixture
def alan(db: None) -> User:
    return make_user("alan")


@pytest.fixture
def mod(db: None) -> User:
    return make_user("mod", is_staff=True)


@pytest.fixture
def target(db: None) -> Paper:
    return paper(PAPER, submitted_at=utc(2026, 4, 7), num_comments=3)


@pytest.mark.django_db
class TestPosting:
    def test_post_shows_the_comment_and_counts_it(self, ada: User, target: Paper) -> None:
        client = client_for(ada)
        response = client.post(POST, {"body": "Nice **result**, see [code](https://x.org)."})
        comment = Comment.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
        assert (comment.author, comment.paper, comment.parent) == (ada, target, None)
        assert comment.body == "Nice **result**, see [code](https://x.org)."
        assert comment.body_html == (
            '<p>Nice <strong>result</strong>, see <a href="https://x.org" '
            'rel="nofollow ugc noopener">code</a>.</p>'
        )
        html = body(client.get(PAGE))
        assert f'id="comment-{comment.pk}"' in html and comment.body_html in html
        assert '<a class="comment-author" id="comment-' in html and ">ada</a>" in html
        assert counted() == 1
        refreshed = Paper.objects.get(pk=target.pk)
        assert refreshed.num_comments == 4  # three imported, one here
        day = body(client.get("/papers/date/2026-04-07"))
        assert "4 comments" in day

    def test_the_card_and_the_paper_page_give_one_count(self, ada: User, target: Paper) -> None:
        def heading(html: str) -> str:
            return re.sub(
                r"\s+",
                " ",
                htmllib.unescape(
                    re.sub(r"<[^>]+>", "", html.split('id="discussion-h">')[1].split("</h2>")[0])
                ),
            )

        day = body(Client().get("/papers/date/2026-04-07"))
        page = body(Client().get(PAGE))
        assert "3 comments" in day and heading(page) == "Discussion · 3 comments"
        assert "3 comments on huggingface.co" in page
        assert f'href="https://huggingface.co/papers/{PAPER}#community"' in page
        assert "No comments on this hub yet." in page
        services.post(ada, target, "First here")
        reader = client_for(ada)  # signed in: no cached page
        day = body(reader.get("/papers/date/2026-04-07"))
        page = body(reader.get(PAGE))
        assert "4 comments" in day and heading(page) == "Discussion · 4 comments"
        assert "1 here" in page and "No comments" not in page

    def test_a_paper_without_imported_comments_has_no_upstream_line(self, ada: User) -> None:
        paper("2604.07777", submitted_at=utc(2026, 4, 7))
        page = body(Client().get("/papers/2604.07777"))
        assert "huggingface.co/papers" not in page and "No comments yet." in page

    def test_replies_nest_one_level(self, ada: User, alan: User, target: Paper) -> None:
        top = services.post(ada, target, "Top")
        client = client_for(alan)
        client.post(POST, {"body": "Reply", "parent": str(top.pk)})
        reply = Comment.objects.get(body="Reply")
        assert reply.parent_id == top.pk
        response = client_for(ada).post(POST, {"body": "Reply to reply", "parent": str(reply.pk)})
        deeper = Comment.objects.get(body="Reply to reply")
        assert response["Location"] == f"{PAGE}#comment-{deeper.pk}"
        assert deeper.parent_id == top.pk
        html = body(client.get(PAGE))
        replies = html.split('<ol class="replies">', 1)[1]
        assert comment_ids(replies) == [reply.pk, deeper.pk]
        assert comment_ids(html) == [top.pk, reply.pk, deeper.pk]
        assert counted() == 3

    def test_a_reply_must_answer_a_comment_of_this_paper(self, ada: User, target: Paper) -> None:
        other = paper("2604.00002")
        elsewhere = services.post(ada, other, "Elsewhere")
        response = client_for(ada).post(POST, {"body": "Lost", "parent": str(elsewhere.pk)})
        assert response.status_code == 400
        assert "no longer there" in body(response)
        assert "Lost</textarea>" in body(response)
        assert not Comment.objects.filter(body="Lost").exists()

    def test_visitors_see_the_thread_and_a_login_link(
        self, client: Client, ada: User, target: Paper
    ) -> None:
        services.post(ada, target, "Visible to all")
        html = body(client.get(PAGE))
        assert "<p>Visible to all</p>" in html
        assert f'href="/login?next={PAGE}%23discussion">Log in to comment</a>' in html
        assert 'name="body"' not in html and "/flag" not in html
        response = client.post(POST, {"body": "Anonymous"})
        assert response.status_code == 302
        assert response["Location"] == f"/login?next={PAGE}%23discussion"
        assert Comment.objects.count() == 1

    def test_logging_in_from_the_link_comes_back_to_the_discussion(
        self, client: Client, target: Paper
    ) -> None:
        make_user("grace", "a long enough passphrase")
        link = re.search(r'href="(/login\?next=[^"]+)">Log in to comment', body(client.get(PAGE)))
        assert link
        response = client.post(
            link.group(1), {"username": "grace", "password": "a long enough passphrase"}
        )
        assert response.status_code == 302 and response["Location"] == f"{PAGE}#discussion"

    def test_inactive_users_cannot_post(self, target: Paper) -> None:
        sleeper = make_user("sleeper", is_active=False)
        with pytest.raises(services.NotAllowed):
            services.post(sleeper, target, "Hello")
        assert not Comment.objects.exists()

    def test_old_style_ids_take_comments(self, ada: User) -> None:
        paper("hep-th/9901001")
        response = client_for(ada).post("/papers/hep-th/9901001/comments", {"body": "Classic"})
        comment = Comment.objects.get()
        assert response["Location"] == f"/papers/hep-th/9901001#comment-{comment.pk}"
        assert "<p>Classic</p>" in body(client_for(ada).get("/papers/hep-th/9901001"))

    def test_unknown_papers(self, ada: User) -> None:
        assert client_for(ada).post("/papers/2605.99999/comments", {"body": "x"}).status_code == 404
        assert not Comment.objects.exists()

    def test_the_comment_route_wins_over_the_paper_page(self) -> None:
        assert resolve(POST).func is views.post_comment
        assert resolve("/papers/hep-th/9901001/comments").kwargs == {"ref": "hep-th/9901001"}
        assert resolve(PAGE).url_name == "paper"

    def test_user_text_is_escaped_around_the_comment(self, target: Paper) -> None:
        evil = make_user("evil")
        Profile.objects.create(user=evil, display_name="<script>x()</script>")
        services.post(evil, target, "hello")
        html = body(Client().get(PAGE))
        assert "<script>x()" not in html
        assert "&lt;script&gt;x()&lt;/script&gt;" in html


@pytest.mark.django_db
class TestFormErrors:
    def test_empty_comment_is_refused(self, ada: User, target: Paper) -> None:
        response = client_for(ada).post(POST, {"body": "   \n  "})
        assert response.status_code == 400
        assert "Write something before posting." in body(response)
        assert not Comment.objects.exists() and counted() == 0

    def test_too_long_keeps_the_text(self, ada: User, target: Paper) -> None:
        text = "<b>mine</b> " + "x" * 10_000
        response = client_for(ada).post(POST, {"body": text})
        html = body(response)
        assert response.status_code == 400
        assert "limited to 10,000 characters" in html
        assert f'aria-describedby="comment-help">{htmllib.escape(text)}</textarea>' in html
        assert not Comment.objects.exists()
        # Exactly the limit is fine.
        assert client_for(ada).post(POST, {"body": "y" * 10_000}).status_code == 302

    def test_a_reply_error_opens_that_reply_form_with_the_text(
        self, ada: User, target: Paper
    ) -> None:
        top = services.post(ada, target, "Top")
        response = client_for(ada).post(POST, {"body": "z" * 10_001, "parent": str(top.pk)})
        html = body(response)
        assert response.status_code == 400
        reply_form = html.split(f'id="reply-{top.pk}-body"', 1)[1].split("</textarea>", 1)[0]
        assert reply_form.endswith("z" * 10_001)
        assert '<details class="comment-reply" open>' in html

    def test_edit_error_keeps_the_text(self, ada: User, target: Paper) -> None:
        comment = services.post(ada, target, "First")
        response = client_for(ada).post(f"/comments/{comment.pk}/edit", {"body": "q" * 10_001})
        assert response.status_code == 400
        assert "limited to 10,000" in body(response) and "q" * 10_001 + "</textarea>" in body(
            response
        )
        assert Comment.objects.get().body == "First"


@pytest.mark.django_db
class TestEditing:
    def test_edit_own_comment_shows_the_mark(self, ada: User, target: Paper) -> None:
        comment = services.post(ada, target, "Frist")
        client = client_for(ada)
        page = client.get(f"/comments/{comment.pk}/edit")
        assert page.status_code == 200 and "Frist</textarea>" in body(page)
        assert f'href="/comments/{comment.pk}/edit">Edit</a>' in body(client.get(PAGE))
        assert 'class="edited' not in body(client.get(PAGE))
        response = client.post(f"/comments/{comment.pk}/edit", {"body": "First, *fixed*"})
        assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
        stored = Comment.objects.get()
        assert stored.body_html == "<p>First, <em>fixed</em></p>"
        assert stored.edited_at is not None
        html = body(client.get(PAGE))
        assert '<span class="edited muted">· edited <time datetime="' in html
        assert counted() == 1

    def test_nobody_edits_or_deletes_what_is_not_theirs(
        self, ada: User, alan: User, target: Paper
    ) -> None:
        comment = services.post(ada, target, "Mine")
        client = client_for(alan)
        assert client.get(f"/comments/{comment.pk}/edit").status_code == 403
        assert client.post(f"/comments/{comment.pk}/edit", {"body": "Yours"}).status_code == 403
        assert client.post(f"/comments/{comment.pk}/delete").status_code == 403
        stored = Comment.objects.get()
        assert (stored.body, stored.deleted_at, stored.removed_at) == ("Mine", None, None)
        html = body(client.get(PAGE))
        assert f"/comments/{comment.pk}/edit" not in html
        assert f"/comments/{comment.pk}/delete" not in html
        # Not even a moderator rewrites someone's words.
        mod = make_user("mod2", is_staff=True)
        assert (
            client_for(mod).post(f"/comments/{comment.pk}/edit", {"body": "x"}).status_code == 403
        )

    def test_deleted_comments_cannot_be_edited(self, ada: User, target: Paper) -> None:
        comment = services.post(ada, target, "Gone soon")
        services.delete(ada, comment.pk)
        response = client_for(ada).post(f"/comments/{comment.pk}/edit", {"body": "Back"})
        assert response.status_code == 404
        assert Comment.objects.get().body == "Gone soon"

    def test_edit_page_needs_login(self, client: Client, ada: User, target: Paper) -> None:
        comment = services.post(ada, target, "Mine")
        response = client.get(f"/comments/{comment.pk}/edit")
        assert response["Location"] == f"/login?next=/comments/{comment.pk}/edit"


@pytest.mark.django_db
class TestDeleting:
    def test_soft_delete_keeps_the_replies(self, ada: User, alan: User, target: Paper) -> None:
        top = services.post(ada, target, "Top secret")
        reply = services.post(alan, target, "A reply", top.pk)
        client = client_for(ada)
        response = client.post(f"/comments/{top.pk}/delete")
        assert response["Location"] == f"{PAGE}#comment-{top.pk}"
        stored = Comment.objects.get(pk=top.pk)
        assert stored.deleted_at is not None and stored.body == "Top secret"
        html = body(client.get(PAGE))
        assert "Top secret" not in html
        assert '<p class="comment-body muted">[deleted]</p>' in html
        assert comment_ids(html) == [top.pk, reply.pk] and "<p>A reply</p>" in html
        assert counted() == 1
        # Deleting again is harmless and does not count twice.
        client.post(f"/comments/{top.pk}/delete")
        assert counted() == 1
        # A deleted comment takes no new replies; its surviving replies still do.
        with pytest.raises(services.InvalidComment):
            services.post(alan, target, "Late", top.pk)
        response = client.post(POST, {"body": "Answer", "parent": str(reply.pk)})
        assert response.status_code == 302
        assert Comment.objects.get(body="Answer").parent_id == top.pk
        assert counted() == 2

    def test_staff_may_delete_and_it_is_logged(self, ada: User, mod: User, target: Paper) -> None:
        comment = services.post(ada, target, "Spam spam")
        response = client_for(mod).post(f"/comments/{comment.pk}/delete")
        assert response.status_code == 302
        stored = Comment.objects.get()
        assert stored.removed_by == mod and stored.deleted_at is None
        assert ModerationAction.objects.get().kind == ModerationAction.Kind.REMOVE_COMMENT
        html = body(Client().get(PAGE))
        assert "[removed by a moderator]" in html and "Spam spam" not in html
        assert counted() == 0

    def test_moderator_removal_and_recount(self, ada: User, mod: User, target: Paper) -> None:
        kept = services.post(ada, target, "Kept")
        removed = services.post(ada, target, "Rude")
        # The moderation app removes by itself and then asks for a recount.
        Comment.objects.filter(pk=removed.pk).update(removed_at=timezone.now(), removed_by=mod)
        assert counted() == 2
        assert services.recount(target.pk) == 1
        assert counted() == 1
        html = body(Client().get(PAGE))
        assert "[removed by a moderator]" in html and "Rude" not in html
        assert "<p>Kept</p>" in html and "· 4 comments<" in html  # three imported
        assert "1 here" in html
        Paper.objects.filter(pk=target.pk).update(comments_local=40)
        assert services.recount(target.pk) == 1
        Comment.objects.filter(pk=kept.pk).update(deleted_at=timezone.now())
        assert services.recount(target.pk) == 0
        assert services.recount(999_999) == 0


@pytest.mark.django_db
class TestLocked:
    def test_a_locked_discussion_takes_nothing_new(
        self, ada: User, alan: User, target: Paper
    ) -> None:
        top = services.post(ada, target, "Before the lock")
        Paper.objects.filter(pk=target.pk).update(discussion_locked=True)
        client = client_for(alan)
        html = body(client.get(PAGE))
        assert "This discussion is locked" in html
        assert 'name="body"' not in html and "Reply</summary>" not in html
        response = client.post(POST, {"body": "After the lock"})
        assert response.status_code == 403 and "This discussion is locked" in body(response)
        assert client.post(POST, {"body": "Reply", "parent": str(top.pk)}).status_code == 403
        edit = client_for(ada).post(f"/comments/{top.pk}/edit", {"body": "Changed"})
        assert edit.status_code == 403
        assert "Edit</a>" not in body(client_for(ada).get(PAGE))
        locked = Paper.objects.get(pk=target.pk)
        with pytest.raises(services.DiscussionLocked):
            services.post(ada, locked, "Via the service")
        with pytest.raises(services.DiscussionLocked):
            services.edit(ada, top.pk, "Via the service")
        assert list(Comment.objects.values_list("body", flat=True)) == ["Before the lock"]
        assert counted() == 1
        # People may still take their own words back.
        assert client_for(ada).post(f"/comments/{top.pk}/delete").status_code == 302
        assert counted() == 0


@pytest.mark.django_db
class TestRequestRules:
    def test_csrf_is_required(self, ada: User, target: Paper) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(ada)
        assert client.post(POST, {"body": "No token"}).status_code == 403
        assert not Comment.objects.exists()
        html = body(client.get(PAGE))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token
        response = client.post(POST, {"body": "With token", "csrfmiddlewaretoken": token.group(1)})
        assert response.status_code == 302
        comment = Comment.objects.get()
        for url in (f"/comments/{comment.pk}/edit", f"/comments/{comment.pk}/delete"):
            assert client.post(url, {"body": "x"}).status_code == 403
        assert Comment.objects.get().visible and Comment.objects.get().body == "With token"

    def test_get_changes_nothing(self, ada: User, target: Paper) -> None:
        comment = services.post(ada, target, "Stay")
        client = client_for(ada)
        assert client.get(POST, {"body": "x"}).status_code == 405
        assert client.get(f"/comments/{comment.pk}/delete").status_code == 405
        assert client.head(f"/comments/{comment.pk}/delete").status_code == 405
        assert client.get(f"/comments/{comment.pk}/edit", {"body": "x"}).status_code == 200
        stored = Comment.objects.get()
        assert (stored.body, stored.deleted_at, stored.edited_at) == ("Stay", None, None)
        assert counted() == 1

    def test_writes_are_limited_per_user(self, ada: User, target: Paper, settings: Any) -> None:
        settings.COMMENT_RATE_LIMIT = Rate(per_account=2, per_ip=100, seconds=600)
        client = client_for(ada)
        codes = [client.post(POST, {"body": f"Comment {i}"}).status_code for i in range(2)]
        limited = client.post(POST, {"body": "One too many"})
        assert codes == [302, 302] and limited.status_code == 429
        assert 0 < int(limited["Retry-After"]) <= 600
        assert "commenting too often" in body(limited)
        assert "One too many</textarea>" in body(limited)
        assert Comment.objects.count() == 2 and counted() == 2
        comment = Comment.objects.first()
        assert comment
        edit = client.post(f"/comments/{comment.pk}/edit", {"body": "Edited"})
        assert edit.status_code == 429 and "Edited</textarea>" in body(edit)
        assert client.post(f"/comments/{comment.pk}/delete").status_code == 429
        assert Comment.objects.get(pk=comment.pk).visible
        # Someone else is not held back by ada's writes.
        assert client_for(make_user("bob")).post(POST, {"body": "Hi"}).status_code == 302

    def test_writes_are_limited_per_ip(
        self, ada: User, alan: User, target: Paper, settings: Any
    ) -> None:
        settings.COMMENT_RATE_LIMIT = Rate(per_account=100, per_ip=2, seconds=600)
        assert client_for(ada).post(POST, {"body": "1"}).status_code == 302
        assert client_for(alan).post(POST, {"body": "2"}).status_code == 302
        response = client_for(make_user("carol")).post(POST, {"body": "3"})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert Comment.objects.count() == 2


@pytest.mark.django_db
class TestBadgesAndActions:
    def test_author_submitter_and_moderator_badges(
        self, ada: User, alan: User, mod: User, target: Paper
    ) -> None:
        first, second = PaperAuthor.objects.filter(paper=target).order_by("position")
        AuthorClaim.objects.create(author=second, user=ada, status=AuthorClaim.Status.CONFIRMED)
        # A pending claim earns nothing.
        AuthorClaim.objects.create(author=first, user=alan, status=AuthorClaim.Status.PENDING)
        Submission.objects.filter(paper=target).update(submitter=alan)
        plain = make_user("plain")
        # A confirmed claim on another paper's author earns nothing here.
        other = paper("2604.00002")
        AuthorClaim.objects.create(
            author=PaperAuthor.objects.filter(paper=other)[0],
            user=plain,
            status=AuthorClaim.Status.CONFIRMED,
        )
        for user in (ada, alan, mod, plain):
            services.post(user, target, f"By {user.username}")
        html = body(Client().get(PAGE))

        def badges(username: str) -> list[str]:
            head = html.split(f">{username}</a>", 1)[1].split("<time", 1)[0]
            return re.findall(r'<span class="badge[^"]*">([^<]+)</span>', head)

        assert badges("ada") == ["Author"]
        assert badges("alan") == ["Submitter"]
        assert badges("mod") == ["Moderator"]
        assert badges("plain") == []

    def test_flag_and_remove_forms(self, ada: User, alan: User, mod: User, target: Paper) -> None:
        own = services.post(ada, target, "Own")
        theirs = services.post(alan, target, "Theirs")
        html = body(client_for(ada).get(PAGE))
        assert f'action="/comments/{theirs.pk}/flag"' in html
        assert f'action="/comments/{own.pk}/flag"' not in html
        flag_form = html.split(f'action="/comments/{theirs.pk}/flag"', 1)[1].split("</form>")[0]
        assert 'name="csrfmiddlewaretoken"' in flag_form
        assert f'<input type="hidden" name="next" value="{PAGE}">' in flag_form
        assert re.findall(r'<option value="([^"]+)"', flag_form) == [
            "spam",
            "abuse",
            "off-topic",
            "other",
        ]
        assert "/moderation/comments/" not in html
        staff_html = body(client_for(mod).get(PAGE))
        remove_form = staff_html.split(f'action="/moderation/comments/{theirs.pk}/remove"', 1)[1]
        remove_form = remove_form.split("</form>")[0]
        assert 'type="text" name="reason"' in remove_form
        assert 'name="csrfmiddlewaretoken"' in remove_form
        assert f'<input type="hidden" name="next" value="{PAGE}">' in remove_form

    def test_by_user_lists_visible_comments_newest_first(
        self, ada: User, alan: User, target: Paper
    ) -> None:
        other = paper("2604.00002")
        first = services.post(ada, target, "First")
        gone = services.post(ada, other, "Gone")
        last = services.post(ada, other, "Last")
        services.post(alan, target, "Not ada's")
        services.delete(ada, gone.pk)
        with CaptureQueriesContext(connection) as queries:
            found = by_user(ada)
            titles = [c.paper.arxiv_id for c in found]
        assert [c.pk for c in found] == [last.pk, first.pk]
        assert titles == ["2604.00002", PAPER]
        assert len(queries) == 1


@pytest.mark.django_db
def test_a_long_thread_costs_no_more_queries(ada: User, mod: User, target: Paper) -> None:
    def page_queries() -> tuple[int, str]:
        client = client_for(ada)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        assert response.status_code == 200
        return len(queries), body(response)

    def add_comments(n: int, start: int) -> None:
        for i in range(start, start + n):
            user = make_user(f"user{i}")
            Profile.objects.create(user=user, display_name=f"User {i}")
            author = PaperAuthor.objects.filter(paper=target).first()
            if i == 3 and author:
                AuthorClaim.objects.create(
                    author=author, user=user, status=AuthorClaim.Status.CONFIRMED
                )
            top = services.post(user, target, f"Comment {i}")
            services.post(mod, target, f"Reply {i}", top.pk)

    add_comments(2, 0)
    few, _ = page_queries()
    add_comments(30, 2)
    many, html = page_queries()
    assert many == few
    assert len(comment_ids(html)) == 64 and "User 31" in html


@pytest.mark.django_db
def test_the_profile_shows_recent_comments_rendered_as_on_the_paper_page() -> None:
    writer = make_user("writer")
    services.post(writer, paper("2604.00042"), "**Bold** and `code` <script>alert(1)</script>")
    html = body(Client().get("/users/writer"))
    start = html.index('id="comments-h"')
    excerpt = html[start : html.index("</section>", start)]
    assert "<strong>Bold</strong>" in excerpt and "<code>code</code>" in excerpt
    assert "**Bold**" not in excerpt
    # The typed tag is shown as text, as on the paper page, never run.
    assert "<script>" not in excerpt and "&lt;script&gt;alert(1)" in excerpt
