"""Putting a paper on the daily list by its arXiv id or URL.

The submit page and ``dailypapers papers submit`` both call ``submit``. The rules
that need no upstream (an active, old-enough account, the daily cap, a paper not
on the list yet) are checked before arXiv is asked; the paper's age once its date
is known. Nothing is written until every rule has passed, and then the paper, its
daily-list entry and its links are written in one transaction. The entry's
one-per-paper unique constraint decides races: of two people submitting the same
paper at once, one gets the entry and the other is shown it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dailypapers.accounts.models import Profile
from dailypapers.community.queries.standing import new_account_refusal
from dailypapers.core import arxiv_ids
from dailypapers.ingest import arxiv_api, sync
from dailypapers.ingest.http import FetchError, PoliteClient
from dailypapers.papers.models import Paper, PaperAuthor, Submission
from dailypapers.papers.records import PaperRecord
from dailypapers.papers.services import LOCAL_SOURCE, upsert_papers
from dailypapers.papers.touch import touch

log = logging.getLogger(__name__)

_GITHUB_RE = re.compile(
    r"https://github\.com/(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<repo>[A-Za-z0-9._-]{1,100})"
)
_http_url = URLValidator(schemes=["http", "https"])
_PROJECT_MAX = 1000  # Paper.project_page's max_length


class SubmitError(Exception):
    """The submission cannot be made; the message is meant for the person submitting."""

    def __init__(self, message: str, field: str = "paper") -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field it concerns; "" for the form as a whole


class InvalidInput(SubmitError):
    """What was typed is not an arXiv id or an acceptable link."""


class Refused(SubmitError):
    """A rule says no: the account, the daily cap or the paper's age."""


class NotOnArxiv(SubmitError):
    """arXiv has no paper with this id."""


class ArxivUnavailable(SubmitError):
    """arXiv could not be asked, or its answer could not be read."""


@dataclass(frozen=True)
class Submitted:
    paper: Paper
    submission: Submission
    created: bool  # False: the paper was on the list already, and nothing changed


# -- input ------------------------------------------------------------------------


def parse_ref(text: str) -> arxiv_ids.ArxivId:
    parsed = arxiv_ids.parse(text or "")
    if parsed is None:
        raise InvalidInput(
            "Enter an arXiv id such as 2604.01234 or a link to an arXiv abstract page."
        )
    return parsed


def github_url(text: str) -> str:
    """The repository URL in its plain form, or InvalidInput; "" stays ""."""
    value = (text or "").strip()
    if not value:
        return ""
    value = value.removesuffix("/").removesuffix(".git")
    match = _GITHUB_RE.fullmatch(value)
    if match is None or match["repo"] in {".", ".."}:
        raise InvalidInput(
            "Enter a GitHub repository as https://github.com/owner/repository.", "github"
        )
    return value


def project_url(text: str) -> str:
    """An http(s) URL that fits the paper's project page column, or InvalidInput."""
    value = (text or "").strip()
    if not value:
        return ""
    try:
        _http_url(value)
    except ValidationError:
        raise InvalidInput(
            "Enter a project page address starting with https://.", "project"
        ) from None
    if len(value) > _PROJECT_MAX:
        raise InvalidInput("That project page address is too long.", "project")
    return value


# -- rules ------------------------------------------------------------------------


def _day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def submitted_today(user: AbstractBaseUser, now: dt.datetime) -> int:
    start, end = _day_bounds(now)
    return Submission.objects.filter(
        submitter_id=user.pk, submitted_at__gte=start, submitted_at__lt=end
    ).count()


def account_refusal(user: AbstractBaseUser, now: dt.datetime) -> str:
    """Why this account cannot submit at all right now; "" when it can."""
    return new_account_refusal(user, now, "submit papers")


def cap_refusal(user: AbstractBaseUser, now: dt.datetime) -> str:
    cap = settings.SUBMIT_PER_DAY
    if submitted_today(user, now) >= cap:
        return (
            f"You have submitted {cap} paper{'' if cap == 1 else 's'} today (UTC), "
            "the most one account can; please come back tomorrow."
        )
    return ""


def _age_refusal(arxiv_id: str, published: dt.datetime | None, now: dt.datetime) -> str:
    days = settings.SUBMIT_MAX_PAPER_AGE_DAYS
    if published is None:
        return f"arXiv gives no publication date for {arxiv_id}, so it cannot be submitted."
    if now - published > dt.timedelta(days=days):
        return (
            f"{arxiv_id} was first published on arXiv on {published:%Y-%m-%d}; only papers "
            f"published in the last {days} days can be put on the daily list."
        )
    return ""


# -- arXiv ------------------------------------------------------------------------


def make_client() -> PoliteClient:
    """A client for one lookup while a person waits: polite, but quick to give up."""
    return PoliteClient(
        user_agent=sync.user_agent(),
        min_interval=settings.SYNC_ARXIV_INTERVAL,
        timeout=settings.SUBMIT_ARXIV_TIMEOUT,
        max_retries=settings.SUBMIT_ARXIV_RETRIES,
        backoff_base=settings.SYNC_BACKOFF,
        budget=settings.SUBMIT_ARXIV_BUDGET,
    )


_TRY_LATER = "Please try again in a few minutes."


def fetch(arxiv_id: str, client: PoliteClient) -> PaperRecord:
    """The paper's record from the arXiv API; NotOnArxiv or ArxivUnavailable otherwise."""
    try:
        pages = list(arxiv_api.fetch_ids(client, settings.ARXIV_API_URL, [arxiv_id]))
    except FetchError as exc:
        log.warning("submit: arXiv lookup of %s failed: %s", arxiv_id, exc)
        raise ArxivUnavailable(f"arXiv could not be reached ({exc.reason}). {_TRY_LATER}") from None
    except arxiv_api.ArxivApiError as exc:
        log.warning("submit: arXiv lookup of %s failed: %s", arxiv_id, exc)
        # arXiv answers an id it does not accept with an error entry (and 400, or 200
        # in older responses); 5xx, 429 and anything unreadable mean "not now".
        unknown_id = bool(exc.entries) and exc.status < 500 and exc.status != 429
        if not unknown_id and not (400 <= exc.status < 500 and exc.status != 429):
            raise ArxivUnavailable(
                f"arXiv did not answer the lookup properly. {_TRY_LATER}"
            ) from None
        raise NotOnArxiv(f"arXiv does not know the paper {arxiv_id}.") from None
    for page in pages:
        for item in page.items:
            if isinstance(item, PaperRecord) and item.arxiv_id == arxiv_id:
                return item
        if page.items:
            log.warning("submit: arXiv's record of %s is unusable: %s", arxiv_id, page.items)
            raise ArxivUnavailable(f"arXiv's record of {arxiv_id} could not be read. {_TRY_LATER}")
    raise NotOnArxiv(f"arXiv has no paper {arxiv_id}.")


# -- the write --------------------------------------------------------------------


def _complete(paper: Paper | None) -> bool:
    """Stored with everything a card and the age rule need, so arXiv need not be asked."""
    return (
        paper is not None
        and bool(paper.title and paper.abstract)
        and paper.published_at is not None
        and PaperAuthor.objects.filter(paper_id=paper.pk).exists()
    )


def _store(record: PaperRecord) -> None:
    # On PostgreSQL new papers are written with COPY on the driver's own cursor, whose
    # errors reach here unwrapped by Django.
    duplicate = (IntegrityError, connection.Database.IntegrityError)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            upsert_papers([record])
    except duplicate:
        # Someone stored the same new paper a moment ago; now it is an update.
        upsert_papers([record])


def _existing(arxiv_id: str) -> Submitted | None:
    sub = Submission.objects.select_related("paper").filter(paper__arxiv_id=arxiv_id).first()
    return Submitted(sub.paper, sub, created=False) if sub else None


def _write(
    user: AbstractBaseUser,
    arxiv_id: str,
    record: PaperRecord | None,
    links: dict[str, str],
    now: dt.datetime,
) -> Submitted:
    with transaction.atomic():
        # One submission at a time per account, so parallel posts cannot pass the cap.
        list(
            get_user_model()
            .objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("pk", flat=True)
        )
        refusal = cap_refusal(user, now)
        if refusal:
            raise Refused(refusal, "")
        if record is not None:
            _store(record)
        paper = Paper.objects.get(arxiv_id=arxiv_id)
        display = Profile.objects.filter(user_id=user.pk).values_list("display_name", flat=True)
        try:
            with transaction.atomic():
                sub = Submission.objects.create(
                    paper=paper,
                    submitted_at=now,
                    submitter_id=user.pk,
                    submitter_name=user.get_username()[:100],
                    submitter_fullname=(display.first() or "")[:200],
                    source=LOCAL_SOURCE,
                )
        except IntegrityError:
            raced = _existing(arxiv_id)
            if raced is None:
                raise
            return raced
        # Links only fill what the paper lacks; modified_at tells the search index.
        touch([paper.pk])
        for name, value in links.items():
            if value:
                Paper.objects.filter(pk=paper.pk, **{name: ""}).update(**{name: value})
    paper.refresh_from_db()
    return Submitted(paper, sub, created=True)


def submit(
    user: AbstractBaseUser,
    ref: str,
    *,
    github: str = "",
    project: str = "",
    now: dt.datetime | None = None,
    client: PoliteClient | None = None,
) -> Submitted:
    """Put the paper ``ref`` names on today's list, submitted by ``user``.

    Returns the existing entry (``created`` False) when the paper is on the list
    already; raises a SubmitError subclass when it cannot be submitted, having
    written nothing. ``now`` is the submission time (tests pin it).
    """
    now = now or timezone.now()
    parsed = parse_ref(ref)
    links = {"github_repo": github_url(github), "project_page": project_url(project)}
    refusal = account_refusal(user, now)
    if refusal:
        raise Refused(refusal, "")
    existing = _existing(parsed.id)
    if existing is not None:
        return existing
    refusal = cap_refusal(user, now)
    if refusal:
        raise Refused(refusal, "")
    stored = Paper.objects.filter(arxiv_id=parsed.id).first()
    record = None
    if _complete(stored):
        assert stored is not None
        published = stored.published_at
    else:
        record = fetch(parsed.id, client or make_client())
        published = record.published_at
    refusal = _age_refusal(parsed.id, published, now)
    if refusal:
        raise Refused(refusal)
    return _write(user, parsed.id, record, links, now)
