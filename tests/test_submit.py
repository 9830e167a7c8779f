"""Submitting a paper to the daily list, against a local server replaying recorded arXiv answers.

The recorded papers are years old, so tests that expect a submission to go through
raise the paper-age limit (``SUBMIT_MAX_PAPER_AGE_DAYS``) in settings; the age rule
itself is tested with the default limit, and at its boundary through the service's
``now`` parameter.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.models import AuthorClaim
from dailypapers.config import Rate
from dailypapers.core import periods
from dailypapers.core.models import RateLimitCounter
from dailypapers.ingest import submitting
from dailypapers.papers.models import Paper, PaperAuthor, Submission
from tests.support.factories import paper
from tests.support.races import race_on_sqlite
from tests.support.replay import ARXIV_2026, Replay, Reply, reset_intervals

PAPER = "1605.08386"
TITLE = "Heat-bath random walks with Markov bases"
PUBLISHED = dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=dt.UTC)
OTHER = "1707.08567"
QUERY = "/api/query"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


def recorded(name: str) -> Reply:
    data = json.loads((ARXIV_2026 / name).read_text())
    return Reply(
        data["status_code"],
        data["body"].encode("latin-1"),
        {"Content-Type": "application/atom+xml; charset=utf-8"},
    )


def id_params(ident: str) -> dict[str, str]:
    return {
        "id_list": ident,
        "sortBy": "relevance",
        "sortOrder": "descending",
        "start": "0",
        "max_results": "100",
    }


@pytest.fixture
def arxiv(replay: Replay, settings: Any) -> Replay:
    """The recorded arXiv API, asked without the politeness wait and with short timeouts."""
    replay.add_recorded_arxiv()
    settings.SYNC_ARXIV_INTERVAL = 0
    settings.SYNC_BACKOFF = 0.01
    settings.SUBMIT_ARXIV_TIMEOUT = 0.5
    settings.SUBMIT_ARXIV_RETRIES = 1
    return replay


@pytest.fixture
def old_papers_allowed(settings: Any) -> None:
    settings.SUBMIT_MAX_PAPER_AGE_DAYS = 100_000


def make_user(username: str = "ada", *, joined_hours_ago: float = 72, display: str = "") -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "a long passphrase")
    user.date_joined = timezone.now() - dt.timedelta(hours=joined_hours_ago)
    user.save(update_fields=["date_joined"])
    Profile.objects.create(user=user, display_name=display)
    return user


@pytest.fixture
def ada(db: None) -> User:
    return make_user("ada", display="Ada Lovelace")


@pytest.fixture
def client_ada(ada: User) -> Client:
    client = Client()
    client.force_login(ada)
    return client


def form(ref: str = PAPER, **extra: str) -> dict[str, str]:
    return {"paper": ref, "github": "", "project": "", **extra}


def nothing_written() -> bool:
    return not Paper.objects.exists() and not Submission.objects.exists()


pytestmark = pytest.mark.django_db


class TestSuccess:
    def test_a_submission_fetches_stores_and_lists_the_paper(
        self, client_ada: Client, ada: User, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        page = client_ada.get("/papers/submit")
        assert page.status_code == 200
        assert 'name="csrfmiddlewaretoken"' in body(page)
        assert '<label for="id_paper">arXiv id or URL</label>' in body(page)

        response = client_ada.post(
            "/papers/submit",
            form(
                f"https://arxiv.org/abs/{PAPER}v1",
                github="https://github.com/heat-bath/walks/",
                project="https://example.org/walks",
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == f"/papers/{PAPER}"

        stored = Paper.objects.get(arxiv_id=PAPER)
        assert stored.title == TITLE and stored.published_at == PUBLISHED
        assert stored.authors.exists() and stored.source == "arxiv-api"
        assert stored.github_repo == "https://github.com/heat-bath/walks"
        assert stored.project_page == "https://example.org/walks"
        sub = Submission.objects.get(paper=stored)
        assert (sub.submitter_id, sub.submitter_name, sub.submitter_fullname, sub.source) == (
            ada.pk,
            "ada",
            "Ada Lovelace",
            "local",
        )
        assert timezone.now() - sub.submitted_at < dt.timedelta(minutes=5)
        (asked,) = arxiv.requests_to(QUERY)
        assert asked.params["id_list"] == PAPER
        assert asked.headers["user-agent"].startswith("dailypapers/")

        today = periods.local_date(sub.submitted_at).isoformat()
        daily = body(Client().get(f"/papers/date/{today}"))
        assert TITLE in daily
        assert re.search(
            r'Submitted by <img [^>]*src="/media/avatar/user/ada"[^>]*> '
            r'<a href="/users/ada">Ada Lovelace</a>',
            daily,
        )
        detail = body(client_ada.get(f"/papers/{PAPER}"))
        # The submitter's avatar (drawn by the hub) comes before the name.
        assert re.search(
            r'<dt>Submitted by</dt><dd><img [^>]*src="/media/avatar/user/ada"[^>]*> '
            r'<a href="/users/ada">Ada Lovelace</a>',
            detail,
        )

    def test_a_complete_stored_paper_is_not_fetched_and_keeps_its_own_links(
        self, client_ada: Client, ada: User, arxiv: Replay
    ) -> None:
        paper(
            "2604.00042",
            published_at=timezone.now() - dt.timedelta(days=2),
            github_repo="https://github.com/theirs/code",
        )
        response = client_ada.post(
            "/papers/submit",
            form(
                "arXiv:2604.00042",
                github="https://github.com/mine/code",
                project="http://example.org/project",
            ),
        )
        assert response.status_code == 302
        stored = Paper.objects.get(arxiv_id="2604.00042")
        assert stored.github_repo == "https://github.com/theirs/code"
        assert stored.project_page == "http://example.org/project"
        assert stored.submission.submitter_id == ada.pk
        assert arxiv.requests_to(QUERY) == []

    def test_the_daily_list_links_to_the_form_for_members_only(self, client_ada: Client) -> None:
        paper(submitted_at=timezone.now())
        assert '<a href="/papers/submit">Submit a paper</a>' in body(client_ada.get("/papers"))
        visitor = body(Client().get("/papers"))
        assert "Submit a paper" not in visitor
        # The header's Submit is there for everyone: a visitor is asked to log in first.
        assert '<a href="/papers/submit" >Submit</a>' in visitor

    def test_an_upstream_submitter_name_is_not_linked(self, client: Client) -> None:
        paper("2604.00007", submitted_at=timezone.now())
        detail = body(client.get("/papers/2604.00007"))
        assert re.search(r"<dt>Submitted by</dt><dd>(<img [^>]*> )?Sub Mitter", detail)


class TestRules:
    def test_a_paper_already_on_the_list_is_shown_not_submitted_again(
        self, client_ada: Client, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        listed = paper("2604.00011", title="Listed before", submitted_at=timezone.now())
        response = client_ada.post("/papers/submit", form("2604.00011"))
        assert response.status_code == 200
        text = body(response)
        assert "Already submitted" in text
        assert '<a href="/papers/2604.00011">Listed before</a>' in text
        assert "submitted by Sub Mitter" in text
        sub = Submission.objects.get()
        assert sub.paper_id == listed.pk and sub.submitter_id is None
        assert arxiv.requests_to(QUERY) == []

    def test_an_old_paper_is_refused_and_nothing_is_stored(
        self, client_ada: Client, arxiv: Replay
    ) -> None:
        response = client_ada.post("/papers/submit", form(PAPER))
        assert response.status_code == 403
        text = body(response)
        assert "first published on arXiv on 2016-05-26" in text
        assert "last 14 days" in text
        assert f'value="{PAPER}"' in text
        assert nothing_written()

    def test_the_age_limit_counts_from_arxivs_first_version(self, arxiv: Replay) -> None:
        veteran = make_user("veteran")
        User.objects.filter(pk=veteran.pk).update(date_joined=PUBLISHED - dt.timedelta(days=900))
        veteran.refresh_from_db()
        late = PUBLISHED + dt.timedelta(days=14, seconds=1)
        with pytest.raises(submitting.Refused, match="last 14 days"):
            submitting.submit(veteran, PAPER, now=late)
        assert nothing_written()
        on_time = PUBLISHED + dt.timedelta(days=14)
        done = submitting.submit(veteran, PAPER, now=on_time)
        assert done.created and done.submission.submitted_at == on_time

    def test_a_new_account_waits_unless_it_has_a_confirmed_author_claim(
        self, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        newcomer = make_user("newcomer", joined_hours_ago=2)
        client = Client()
        client.force_login(newcomer)
        page = client.get("/papers/submit")
        assert body(page).count("24 hours after signing up") == 1
        assert "more paper" not in body(page)  # no "You can submit 3 more papers today"
        refused = client.post("/papers/submit", form(PAPER))
        assert refused.status_code == 403
        assert body(refused).count("24 hours after signing up") == 1
        assert nothing_written()

        own = paper("2604.00021", authors=("New Comer",))
        entry = PaperAuthor.objects.get(paper=own)
        claim = AuthorClaim.objects.create(author=entry, user=newcomer)
        assert client.post("/papers/submit", form(PAPER)).status_code == 403
        claim.status = AuthorClaim.Status.CONFIRMED
        claim.save()
        assert client.post("/papers/submit", form(PAPER)).status_code == 302
        assert Submission.objects.get(paper__arxiv_id=PAPER).submitter_id == newcomer.pk

    def test_the_daily_cap_counts_todays_submissions_in_utc(
        self, client_ada: Client, ada: User, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        now = timezone.now()
        start = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for ident, when in (
            ("2604.00031", start),
            ("2604.00032", now),
            ("2604.00033", start - dt.timedelta(seconds=1)),
        ):
            paper(ident, submitted_at=when)
            Submission.objects.filter(paper__arxiv_id=ident).update(submitter=ada)
        assert "1 more paper today" in body(client_ada.get("/papers/submit"))
        assert client_ada.post("/papers/submit", form(PAPER)).status_code == 302
        refused = client_ada.post("/papers/submit", form(OTHER))
        assert refused.status_code == 403
        assert "submitted 3 papers today" in body(refused)
        assert not Paper.objects.filter(arxiv_id=OTHER).exists()
        assert [s.params["id_list"] for s in arxiv.requests_to(QUERY)] == [PAPER]

    def test_an_inactive_account_cannot_submit(self, arxiv: Replay) -> None:
        gone = make_user("gone")
        gone.is_active = False
        with pytest.raises(submitting.Refused, match="not active"):
            submitting.submit(gone, PAPER)
        assert nothing_written() and arxiv.requests_to(QUERY) == []

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("paper", "not a paper", "Enter an arXiv id"),
            ("github", "https://gitlab.com/owner/repo", "https://github.com/owner/repository"),
            ("github", "http://github.com/owner/repo", "https://github.com/owner/repository"),
            ("github", "https://github.com/owner", "https://github.com/owner/repository"),
            ("project", "javascript:alert(1)", "starting with https://"),
            ("project", "ftp://example.org/x", "starting with https://"),
        ],
    )
    def test_bad_input_is_refused_with_the_text_kept(
        self, client_ada: Client, arxiv: Replay, field: str, value: str, message: str
    ) -> None:
        response = client_ada.post("/papers/submit", form(**{field: value}))
        assert response.status_code == 400
        text = body(response)
        assert message in text
        assert f'value="{value}"' in text
        assert nothing_written() and arxiv.requests_to(QUERY) == []


class TestArxivProblems:
    def test_an_id_arxiv_does_not_have_is_a_form_error(
        self, client_ada: Client, arxiv: Replay
    ) -> None:
        # The recorded answer to an id arXiv has no paper for: an empty feed.
        arxiv.add(
            QUERY,
            recorded("id_0000.0000_s0_m100_8b51d9633a68.json"),
            params=id_params("2604.99999"),
        )
        response = client_ada.post("/papers/submit", form("2604.99999"))
        assert response.status_code == 400
        assert "arXiv has no paper 2604.99999" in body(response)
        assert 'value="2604.99999"' in body(response)
        assert nothing_written()

    def test_an_error_entry_is_a_form_error(self, client_ada: Client, arxiv: Replay) -> None:
        arxiv.add(
            QUERY, recorded("id_abc_s0_m100_b79c8dcf6bc3.json"), params=id_params("2604.99998")
        )
        response = client_ada.post("/papers/submit", form("2604.99998"))
        assert response.status_code == 400
        assert "arXiv does not know the paper 2604.99998" in body(response)
        assert nothing_written()

    @pytest.mark.parametrize(
        ("reply", "message"),
        [
            (Reply(500, b"<html>Internal Server Error</html>"), "did not answer the lookup"),
            (Reply(503, b"", {"Retry-After": "0"}), "did not answer the lookup"),
            (Reply(200, b"", delay=1.5), "timed out"),
            (Reply(200, b"", fault="reset"), "could not be reached"),
        ],
    )
    def test_an_upstream_failure_keeps_what_was_typed_and_writes_nothing(
        self, client_ada: Client, arxiv: Replay, reply: Reply, message: str, settings: Any
    ) -> None:
        arxiv.add(QUERY, reply)
        typed = form(
            f"https://arxiv.org/abs/{PAPER}",
            github="https://github.com/heat-bath/walks",
            project="https://example.org/walks",
        )
        response = client_ada.post("/papers/submit", typed)
        assert response.status_code == 502
        text = body(response)
        assert message in text and "try again" in text
        for value in typed.values():
            assert f'value="{value}"' in text
        assert len(arxiv.requests_to(QUERY)) == 1 + settings.SUBMIT_ARXIV_RETRIES
        assert nothing_written()


class TestSafety:
    def test_visitors_are_sent_to_log_in(self, client: Client, arxiv: Replay) -> None:
        for response in (client.get("/papers/submit"), client.post("/papers/submit", form())):
            assert response.status_code == 302
            assert response["Location"] == "/login?next=/papers/submit"
        assert nothing_written() and arxiv.requests_to(QUERY) == []

    def test_a_post_without_the_csrf_token_is_refused(
        self, ada: User, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(ada)
        assert strict.post("/papers/submit", form()).status_code == 403
        assert nothing_written() and arxiv.requests_to(QUERY) == []
        page = strict.get("/papers/submit")
        token = page.cookies["csrftoken"].value
        done = strict.post("/papers/submit", {**form(), "csrfmiddlewaretoken": token})
        assert done.status_code == 302

    def test_get_and_head_change_nothing(
        self, client_ada: Client, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        for method in (client_ada.get, client_ada.head):
            assert method(f"/papers/submit?paper={PAPER}").status_code == 200
        assert nothing_written()
        assert arxiv.requests_to(QUERY) == [] and not RateLimitCounter.objects.exists()
        assert client_ada.put("/papers/submit").status_code == 405

    def test_posts_are_rate_limited_per_user(
        self, client_ada: Client, arxiv: Replay, settings: Any
    ) -> None:
        settings.SUBMIT_RATE_LIMIT = Rate(per_account=2, per_ip=100, seconds=3600)
        for _ in range(2):
            assert client_ada.post("/papers/submit", form("nonsense")).status_code == 400
        limited = client_ada.post("/papers/submit", form(PAPER))
        assert limited.status_code == 429
        assert 0 < int(limited["Retry-After"]) <= 3600
        assert "Too many attempts" in body(limited) and f'value="{PAPER}"' in body(limited)
        assert nothing_written() and arxiv.requests_to(QUERY) == []

    def test_posts_are_rate_limited_per_ip(
        self, client_ada: Client, arxiv: Replay, settings: Any
    ) -> None:
        settings.SUBMIT_RATE_LIMIT = Rate(per_account=100, per_ip=2, seconds=3600)
        grace = Client()
        grace.force_login(make_user("grace"))
        assert client_ada.post("/papers/submit", form("nonsense")).status_code == 400
        assert grace.post("/papers/submit", form("nonsense")).status_code == 400
        assert grace.post("/papers/submit", form(PAPER)).status_code == 429
        other_ip = grace.post("/papers/submit", form("nonsense"), REMOTE_ADDR="198.51.100.7")
        assert other_ip.status_code == 400


# -- two submissions of one paper at once ------------------------------------------------


def race(usernames: list[str]) -> dict[str, Any]:
    """Every user submits PAPER twice at once (a double click), all on parallel connections."""

    def act(username: str) -> tuple[bool, int]:
        try:
            user = User.objects.get(username=username)
            done = submitting.submit(user, PAPER)
            return done.created, done.submission.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(usernames) * 2) as pool:
        results = list(pool.map(act, usernames * 2))
    return {
        "created": sum(created for created, _ in results),
        "entries": len({pk for _, pk in results}),
        "rows": Submission.objects.count(),
        "papers": Paper.objects.filter(arxiv_id=PAPER).count(),
    }


def race_on_a_fresh_database() -> dict[str, Any]:
    """The race in a process of its own (see tests/support/races.py)."""
    names = [f"member{i}" for i in range(6)]
    User.objects.bulk_create([User(username=name) for name in names])
    return race(names)


RACE_RESULT = {"created": 1, "entries": 1, "rows": 1, "papers": 1}


@pytest.fixture
def raw_arxiv() -> Iterator[Replay]:
    server = Replay()
    server.add_recorded_arxiv()
    reset_intervals()
    yield server
    server.close()


def test_parallel_submissions_on_sqlite_make_one_entry(raw_arxiv: Replay, tmp_path: Path) -> None:
    result = race_on_sqlite(
        race_on_a_fresh_database,
        tmp_path,
        DAILYPAPERS_ARXIV_API_URL=f"{raw_arxiv.url}{QUERY}",
        DAILYPAPERS_SYNC_ARXIV_INTERVAL="0",
        DAILYPAPERS_SUBMIT_MAX_PAPER_AGE_DAYS="100000",
        DAILYPAPERS_SUBMIT_MIN_ACCOUNT_HOURS="0",
    )
    assert result == RACE_RESULT
    assert len(raw_arxiv.requests_to(QUERY)) >= 1


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_on_postgresql_make_one_entry(
    arxiv: Replay, settings: Any, old_papers_allowed: None
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the SQLite race runs in its own process above)")
    settings.SUBMIT_MIN_ACCOUNT_HOURS = 0
    names = [f"member{i}" for i in range(6)]
    User.objects.bulk_create([User(username=name) for name in names])
    assert race(names) == RACE_RESULT


# -- the command line -----------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("papers", "submit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


class TestCommand:
    def test_submit_then_again_then_unknown_user(
        self, ada: User, arxiv: Replay, old_papers_allowed: None
    ) -> None:
        code, out, _ = run_cli(PAPER, "--user", "ada", "--github", "https://github.com/o/r")
        assert code == 0 and f"Submitted {PAPER}" in out
        sub = Submission.objects.get()
        assert sub.submitter_id == ada.pk and sub.paper.github_repo == "https://github.com/o/r"
        code, _, err = run_cli(PAPER, "--user", "ada")
        assert code == 1 and "already on the list" in err
        code, _, err = run_cli(OTHER, "--user", "nobody")
        assert code == 2 and "No user 'nobody'" in err
        assert Submission.objects.count() == 1

    def test_exit_codes_name_the_reason(self, ada: User, arxiv: Replay) -> None:
        assert run_cli("nonsense", "--user", "ada")[0] == 2
        assert run_cli(PAPER, "--user", "ada", "--github", "https://gitlab.com/o/r")[0] == 2
        assert run_cli(PAPER, "--user", "ada")[0] == 4  # too old
        arxiv.add(
            QUERY,
            recorded("id_0000.0000_s0_m100_8b51d9633a68.json"),
            params=id_params("2604.99999"),
        )
        assert run_cli("2604.99999", "--user", "ada")[0] == 3
        arxiv.add(QUERY, Reply(500, b"down"), params=id_params(OTHER))
        assert run_cli(OTHER, "--user", "ada")[0] == 5
        assert nothing_written()
