"""Daily-list entries and papers in the JSON shape of the Hugging Face API.

Keys the upstream leaves out when it has no value are left out here as well, never
sent as null, so clients written against the upstream need no special cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from dailypapers.core.text import slugify_name
from dailypapers.core.timefmt import iso_z
from dailypapers.papers.models import (
    EarlierListing,
    LinkedRepo,
    Organization,
    Paper,
    RepoKind,
    Submission,
)
from dailypapers.papers.queries import LinkedRepos

Json = dict[str, Any]

THUMBNAIL_URL = "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{id}.png"
# The upstream's entry-level ``publishedAt`` is the arXiv time written as New York
# wall-clock time with a "Z" (arXiv's own zone; 2,489 of 2,489 recorded entries).
ARXIV_ZONE = ZoneInfo("America/New_York")

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


Entry = Submission | EarlierListing


def _submitter(submission: Entry, key: str = "submittedOnDailyBy") -> Json | None:
    """The submitter as the upstream sent them (``key`` names which of its two shapes),
    else built from the name; None when the entry has no submitter."""
    name = submission.submitter_name
    if not name:
        return None
    kept = submission.hf_extra.get(key) if isinstance(submission.hf_extra, dict) else None
    if isinstance(kept, dict) and name in (kept.get("user"), kept.get("name")):
        # The upstream's entry-level submitter has no "user", which is where the official
        # client reads the username from: it is added.
        return {**kept, "user": name}
    return _user(name, submission.submitter_fullname)


def _organization(paper: Paper, org: Organization) -> Json:
    """The organization: the upstream's ``_id`` and spelling of ``name`` when the paper
    came from there, the hub's current full name and avatar."""
    kept = paper.hf_extra.get("organization") if isinstance(paper.hf_extra, dict) else None
    out: Json = {"_id": object_id(_ORGANIZATION, org.pk), "name": org.slug, "fullname": org.name}
    if isinstance(kept, dict) and slugify_name(str(kept.get("name", ""))) == org.slug:
        out["name"] = kept["name"]
        if kept.get("_id"):
            out["_id"] = kept["_id"]
    if org.avatar_url:
        out["avatar"] = org.avatar_url
    return out


def _kept_authors(paper: Paper, rows: list[Any]) -> list[Json] | None:
    """The upstream's author list, when the hub's list is still the same authors: with
    hidden authors, ids and claim status as sent, and the accounts claimed here."""
    kept = paper.hf_extra.get("authors") if isinstance(paper.hf_extra, dict) else None
    if not isinstance(kept, list):
        return None
    visible = [a for a in kept if not a.get("hidden")]
    if [" ".join(str(a.get("name", "")).split()) for a in visible] != [r.name for r in rows]:
        return None
    out = []
    claimed = iter(rows)
    for author in kept:
        entry: Json = dict(author)
        if not author.get("hidden"):
            row = next(claimed)
            user = author.get("user")
            upstream_handle = user.get("user") if isinstance(user, dict) else None
            if row.hf_user != upstream_handle:
                entry.pop("user", None)
                entry.pop("status", None)
                entry.pop("statusLastChangedAt", None)
                if row.hf_user:
                    entry = {"_id": entry.get("_id"), "user": _user(row.hf_user, row.name)} | entry
        out.append(entry)
    return out


def _authors(paper: Paper) -> list[Json]:
    rows = list(paper.authors.all())
    kept = _kept_authors(paper, rows)
    if kept is not None:
        return kept
    authors = []
    for author in rows:
        out: Json = {"_id": object_id(_AUTHOR, author.pk)}
        if author.hf_user:
            out["user"] = _user(author.hf_user, author.name)
        out["name"] = author.name
        out["hidden"] = False
        authors.append(out)
    return authors


def _extra(paper: Paper) -> Json:
    return paper.hf_extra if isinstance(paper.hf_extra, dict) else {}


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


def _paper(paper: Paper, submission: Entry | None) -> Json:
    submitter = _submitter(submission) if submission else None
    extra = _extra(paper)
    out: Json = {"id": paper.arxiv_id, "authors": _authors(paper)}
    if extra.get("mediaUrls"):
        out["mediaUrls"] = list(extra["mediaUrls"])
    if paper.published_at:
        out["publishedAt"] = _timestamp(paper.published_at)
    if submission:
        out["submittedOnDailyAt"] = _timestamp(submission.submitted_at)
    out["title"] = paper.title
    if submitter:
        out["submittedOnDailyBy"] = submitter
    out["summary"] = paper.abstract
    out["upvotes"] = paper.upvotes
    out["discussionId"] = extra.get("discussionId") or object_id(_DISCUSSION, paper.pk)
    out.update(_links(paper))
    if paper.github_repo and extra.get("githubRepoAddedBy"):
        out["githubRepoAddedBy"] = extra["githubRepoAddedBy"]
    if paper.ai_summary and extra.get("ai_summary_model"):
        out["ai_summary_model"] = extra["ai_summary_model"]
    if paper.organization:
        out["organization"] = _organization(paper, paper.organization)
    return out


def _listed_at(paper: Paper, submission: Entry) -> str:
    """The entry-level ``publishedAt``: as the upstream sent it, else the arXiv time in
    the upstream's way (New York wall-clock time marked "Z"), else the day on the list."""
    kept = submission.hf_extra.get("publishedAt") if isinstance(submission.hf_extra, dict) else None
    if isinstance(kept, str) and kept:
        return kept
    if paper.published_at is None:
        return _timestamp(submission.submitted_at)
    wall = paper.published_at.astimezone(ARXIV_ZONE).replace(tzinfo=dt.UTC)
    return _timestamp(wall)


def daily_entry(submission: Entry) -> Json:
    """One entry of ``/api/daily_papers``, in the upstream's shape and key order.

    The top-level ``publishedAt`` is the arXiv time as the upstream writes it (the
    official client reads it as ``submitted_at``).
    """
    paper = submission.paper
    extra = _extra(paper)
    submitter = _submitter(submission, "submittedBy")
    entry: Json = {
        "paper": _paper(paper, submission),
        "publishedAt": _listed_at(paper, submission),
        "title": paper.title,
        "summary": paper.abstract,
    }
    if extra.get("mediaUrls"):
        entry["mediaUrls"] = list(extra["mediaUrls"])
    if extra.get("mediaUrl"):
        entry["mediaUrl"] = extra["mediaUrl"]
    entry["thumbnail"] = THUMBNAIL_URL.format(id=paper.arxiv_id)
    entry["numComments"] = paper.num_comments
    if submitter:
        entry["submittedBy"] = submitter
    if paper.organization:
        entry["organization"] = _organization(paper, paper.organization)
    participating = submission.hf_extra.get("isAuthorParticipating")
    if not isinstance(participating, bool):
        claimed = {a.hf_user for a in paper.authors.all() if a.hf_user}
        participating = bool(submission.submitter_name) and submission.submitter_name in claimed
    entry["isAuthorParticipating"] = participating
    # The official client reads these at the top level only, so they are repeated next
    # to the upstream's keys: ``upvotes`` because it is read with ``or`` (a paper with
    # no votes would come out as None), ``submittedOnDailyAt`` because the client takes
    # the top-level ``publishedAt`` as the paper's date when ``paper`` has none.
    entry["submittedOnDailyAt"] = _timestamp(submission.submitted_at)
    entry["upvotes"] = paper.upvotes
    entry.update(_links(paper))
    return entry


def paper_object(paper: Paper) -> Json:
    """The paper as search results carry it, with its daily-list entry when it has a
    visible one."""
    submission: Submission | None = getattr(paper, "submission", None)
    if submission is not None and submission.hidden:
        submission = None
    out = _paper(paper, submission)
    out["numComments"] = paper.num_comments
    return out


def paper_info(paper: Paper, repos: LinkedRepos) -> Json:
    """``/api/papers/<id>`` (``paper_info`` in the official client): the paper and the
    repositories citing it, with their totals."""
    return paper_object(paper) | linked_repos_counts(repos)


# The upstream's keys for each kind of repository, in ``/api/arxiv/<id>/repos`` and in
# ``/api/papers/<id>``.
_KIND_KEYS = {
    RepoKind.MODEL: ("models", "Models"),
    RepoKind.DATASET: ("datasets", "Datasets"),
    RepoKind.SPACE: ("spaces", "Spaces"),
}


def repo_object(repo: LinkedRepo) -> Json:
    """One repository in the Hub's shape: what the official client's ``ModelInfo``,
    ``DatasetInfo`` and ``SpaceInfo`` read of what the hub keeps."""
    out: Json = {"id": repo.repo_id}
    if "/" in repo.repo_id:
        out["author"] = repo.repo_id.split("/", 1)[0]
    out["private"] = False
    out["likes"] = repo.likes
    if repo.kind != RepoKind.SPACE:  # the Hub counts no downloads of Spaces
        out["downloads"] = repo.downloads
    if repo.last_modified:
        out["lastModified"] = _timestamp(repo.last_modified)
    return out


def linked_repos(repos: LinkedRepos) -> Json:
    """``/api/arxiv/<id>/repos``: the models, datasets and Spaces citing a paper."""
    return {key: [repo_object(r) for r in repos.top[kind]] for kind, (key, _) in _KIND_KEYS.items()}


def linked_repos_counts(repos: LinkedRepos) -> Json:
    """The ``paper_info`` keys of linked repositories. Present even when empty, so the
    official client reports "none" (``[]`` and 0) rather than "not asked" (None)."""
    out: Json = {}
    for kind, (_, name) in _KIND_KEYS.items():
        out[f"linked{name}"] = [repo_object(r) for r in repos.top[kind]]
        out[f"numTotal{name}"] = repos.totals[kind]
    return out
