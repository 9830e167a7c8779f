"""Daily-list entries and papers in the JSON shape of the Hugging Face API.

Keys the upstream leaves out when it has no value are left out here as well, never
sent as null, so clients written against the upstream need no special cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from dailypapers.community.models import Organization
from dailypapers.core.timefmt import iso_z
from dailypapers.papers.models import Paper, Submission

Json = dict[str, Any]

THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"

# The upstream's ``_id``s are 24-hex ObjectIds. Ours are derived from primary keys so
# they stay the same between requests; the kind prefix keeps an author's id from
# ever equalling an organization's or a discussion's.
_AUTHOR = 1
_DISCUSSION = 2
_ORGANIZATION = 3


def object_id(kind: int, pk: int) -> str:
    return f"{kind:08x}{pk:016x}"


def user_id(username: str) -> str:
    # Submitters and claimed authors are upstream usernames without a row here; hashing
    # the name gives one person the same id wherever they appear.
    return hashlib.sha256(f"user:{username}".encode()).hexdigest()[:24]


def _timestamp(moment: dt.datetime) -> str:
    return iso_z(moment) or ""


def _user(username: str, fullname: str) -> Json:
    return {
        "_id": user_id(username),
        "fullname": fullname or username,
        "name": username,
        "user": username,
        "type": "user",
    }


def _submitter(submission: Submission) -> Json | None:
    if not submission.submitter_name:
        return None
    return _user(submission.submitter_name, submission.submitter_fullname)


def _organization(org: Organization) -> Json:
    out: Json = {"_id": object_id(_ORGANIZATION, org.pk), "name": org.slug, "fullname": org.name}
    if org.avatar_url:
        out["avatar"] = org.avatar_url
    return out


def _authors(paper: Paper) -> list[Json]:
    authors = []
    for author in paper.authors.all():
        out: Json = {"_id": object_id(_AUTHOR, author.pk)}
        if author.hf_user:
            out["user"] = _user(author.hf_user, author.name)
        out["name"] = author.name
        out["hidden"] = False
        authors.append(out)
    return authors


def _links(paper: Paper) -> Json:
    """Code, project page and AI summary: only the ones the paper has."""
    out: Json = {}
    if paper.project_page:
        out["projectPage"] = paper.project_page
    if paper.github_repo:
        out["githubRepo"] = paper.github_repo
    if paper.ai_summary:
        out["ai_summary"] = paper.ai_summary
    if paper.ai_keywords:
        out["ai_keywords"] = list(paper.ai_keywords)
    if paper.github_repo and paper.github_stars is not None:
        out["githubStars"] = paper.github_stars
    return out


def _paper(paper: Paper, submission: Submission | None) -> Json:
    submitter = _submitter(submission) if submission else None
    out: Json = {"id": paper.arxiv_id, "authors": _authors(paper)}
    if paper.published_at:
        out["publishedAt"] = _timestamp(paper.published_at)
    if submission:
        out["submittedOnDailyAt"] = _timestamp(submission.submitted_at)
    out["title"] = paper.title
    if submitter:
        out["submittedOnDailyBy"] = submitter
    out["summary"] = paper.abstract
    out["upvotes"] = paper.upvotes
    out["discussionId"] = object_id(_DISCUSSION, paper.pk)
    out.update(_links(paper))
    if paper.organization:
        out["organization"] = _organization(paper.organization)
    return out


def daily_entry(submission: Submission) -> Json:
    """One entry of ``/api/daily_papers``.

    The top-level ``publishedAt`` is when the paper went on the daily list, as in the
    upstream's older entries; the official client reads it as ``submitted_at``.
    """
    paper = submission.paper
    submitter = _submitter(submission)
    entry: Json = {
        "paper": _paper(paper, submission),
        "publishedAt": _timestamp(submission.submitted_at),
        "title": paper.title,
        "summary": paper.abstract,
        "thumbnail": THUMBNAIL_URL.format(id=paper.arxiv_id),
        "numComments": paper.num_comments,
    }
    if submitter:
        entry["submittedBy"] = submitter
    if paper.organization:
        entry["organization"] = _organization(paper.organization)
    # The official client reads these at the top level only, so they are repeated next
    # to the upstream's keys: ``upvotes`` because it is read with ``or`` (a paper with
    # no votes would come out as None), ``submittedOnDailyAt`` because the client takes
    # the top-level ``publishedAt`` as the paper's date when ``paper`` has none.
    entry["submittedOnDailyAt"] = entry["publishedAt"]
    entry["upvotes"] = paper.upvotes
    entry.update(_links(paper))
    return entry


def paper_object(paper: Paper) -> Json:
    """``/api/papers/<id>``: the paper, with its daily-list entry when it has a visible one."""
    submission: Submission | None = getattr(paper, "submission", None)
    if submission is not None and submission.hidden:
        submission = None
    out = _paper(paper, submission)
    out["numComments"] = paper.num_comments
    return out
