"""The write API: upvotes, submitting, comments and collections, for a token or a session.

Thin: each endpoint checks the caller (dailypapers.api.auth), reads a JSON object
(or a form) from the body, counts the same rate limit as the page doing the same
thing (one budget for both), calls the same service, and answers JSON. Errors are
``{"error": ...}``, with ``fields`` ({name: [messages]}) when input was refused.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from dailypapers.api.auth import Caller, with_account
from dailypapers.community import conf as community_conf
from dailypapers.community.collection_forms import CollectionForm
from dailypapers.community.models import Collection, Comment
from dailypapers.community.queries import collections as collection_queries
from dailypapers.community.services import collections as collection_services
from dailypapers.community.services import comments as comment_services
from dailypapers.community.views.collections import DEFAULT_RATE_LIMIT as COLLECTION_RATE
from dailypapers.config import Rate
from dailypapers.core import arxiv_ids, ratelimit
from dailypapers.core.params import ParamError, to_int
from dailypapers.core.web import too_many
from dailypapers.ingest import submitting
from dailypapers.ingest.forms import SubmitForm
from dailypapers.papers import queries as paper_queries
from dailypapers.papers import serializers
from dailypapers.papers import services as paper_services
from dailypapers.papers.models import Paper

MAX_ID = 2**63 - 1


def error(message: str, status: int, fields: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def _form_error(form: forms.BaseForm) -> JsonResponse:
    fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    first = next(iter(fields.values()))[0]
    return error(first, 400, {("" if k == "__all__" else k): v for k, v in fields.items()})


def _rate(action: str) -> Rate:
    """The limit of the page doing ``action``: its counters are shared with the page."""
    if action == "upvote":
        rate: Rate = settings.UPVOTE_RATE_LIMIT
    elif action == "submit":
        rate = settings.SUBMIT_RATE_LIMIT
    elif action == "comment":
        rate = community_conf.comment_rate_limit()
    else:
        rate = getattr(settings, "COLLECTION_RATE_LIMIT", COLLECTION_RATE)
    return rate


def _limited(request: HttpRequest, action: str) -> HttpResponse | None:
    wait = ratelimit.per_user_and_ip(request, action, _rate(action))
    if wait:
        return too_many(wait, error(f"too many writes ({action}); try again later", 429))
    return None


def _body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or its form fields; ParamError when it is neither."""
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            # RecursionError: nested deeper than Python's parser goes.
            raise ParamError("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ParamError("the body must be a JSON object")
        return data
    return {name: request.POST.get(name) for name in request.POST}


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParamError(f"{name} must be a string")
    return value


def _paper(ref: str) -> Paper | JsonResponse:
    parsed = arxiv_ids.parse(ref)
    found = paper_queries.paper_by_id(parsed.id) if parsed else None
    if found is None:
        return error(f"no paper {ref[:100]!r} on this hub", 404)
    return found


def _paper_within_limit(request: HttpRequest, ref: str, action: str) -> Paper | HttpResponse:
    """The paper ``ref`` names, once a write of ``action`` is counted; else the answer."""
    paper = _paper(ref)
    if isinstance(paper, HttpResponse):
        return paper
    return _limited(request, action) or paper


# -- who is calling ------------------------------------------------------------------------


@with_account(("GET", "HEAD"), needs="read")
def whoami(request: HttpRequest, caller: Caller) -> HttpResponse:
    return JsonResponse({"name": caller.user.get_username(), "scope": caller.scope})


# -- upvotes ---------------------------------------------------------------------------------


@with_account(("POST", "DELETE"))
def upvote(request: HttpRequest, caller: Caller, ref: str) -> HttpResponse:
    """POST votes, DELETE takes the vote back; repeating either changes nothing."""
    paper = _paper_within_limit(request, ref, "upvote")
    if isinstance(paper, HttpResponse):
        return paper
    want = request.method == "POST"
    state = paper_services.toggle_upvote(int(caller.user.pk), paper.pk, want)
    return JsonResponse({"paper": paper.arxiv_id, "voted": state.voted, "upvotes": state.upvotes})


# -- submitting ------------------------------------------------------------------------------

_SUBMIT_STATUS = {submitting.Refused: 403, submitting.ArxivUnavailable: 502}


@with_account(("POST",))
def submit(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Put a paper on today's list: 201 with it, or 200 when it was there already."""
    refused = _limited(request, "submit")
    if refused:
        return refused
    try:
        data = _body(request)
        form = SubmitForm({name: _text(data, name) for name in ("paper", "github", "project")})
    except ParamError as exc:
        return error(str(exc), 400)
    if not form.is_valid():
        return _form_error(form)
    try:
        done = submitting.submit(
            caller.user,
            form.cleaned_data["paper"],
            github=form.cleaned_data["github"],
            project=form.cleaned_data["project"],
        )
    except submitting.SubmitError as exc:
        status = _SUBMIT_STATUS.get(type(exc), 400)
        return error(exc.message, status, {exc.field: [exc.message]})
    shown = paper_queries.paper(done.paper.arxiv_id)
    assert shown is not None
    body = {"created": done.created, "paper": serializers.paper_object(shown)}
    return JsonResponse(body, status=201 if done.created else 200)


# -- comments --------------------------------------------------------------------------------


def comment_object(comment: Comment, arxiv_id: str, author: str) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "paper": arxiv_id,
        "parent": comment.parent_id,
        "author": author,
        "body": comment.body,
        "createdAt": comment.created_at.isoformat().replace("+00:00", "Z"),
        "url": f"{settings.BASE_URL}/papers/{arxiv_id}#comment-{comment.pk}",
    }


def _parent_id(raw: Any) -> int | None:
    """A reply's parent from a form (ASCII digits) or JSON (a whole number)."""
    if raw in ("", None):
        return None
    if isinstance(raw, str):
        found = to_int(raw, 1, MAX_ID)
    elif isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= MAX_ID:
        found = raw
    else:
        found = None
    if found is None:
        raise ParamError("parent must be the id of a comment")
    return found


@with_account(("POST",))
def comments(request: HttpRequest, caller: Caller, ref: str) -> HttpResponse:
    """Post a comment on a paper, or a reply (``parent``): 201 with the comment."""
    paper = _paper_within_limit(request, ref, "comment")
    if isinstance(paper, HttpResponse):
        return paper
    try:
        data = _body(request)
        body = _text(data, "body")
        parent = _parent_id(data.get("parent"))
    except ParamError as exc:
        return error(str(exc), 400)
    try:
        comment = comment_services.post(caller.user, paper, body, parent)
    except comment_services.InvalidComment as exc:
        return error(str(exc), 400, {"body": [str(exc)]})
    except comment_services.CommentError as exc:
        return error(str(exc), 403)
    return JsonResponse(
        comment_object(comment, paper.arxiv_id, caller.user.get_username()), status=201
    )


# -- collections -----------------------------------------------------------------------------


def collection_object(collection: Collection, owner: str) -> dict[str, Any]:
    return {
        "id": collection.pk,
        "name": collection.name,
        "slug": collection.slug,
        "description": collection.description,
        "isPublic": collection.is_public,
        "url": f"{settings.BASE_URL}/users/{owner}/collections/{collection.slug}",
    }


def _own(caller: Caller, collection_id: int) -> Collection | JsonResponse:
    found = collection_queries.owned(collection_id, caller.user)
    if found is None:
        return error(f"you have no collection {collection_id}", 404)
    return found


@with_account(("POST",))
def collections(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Make a collection: 201 with it."""
    refused = _limited(request, "collection")
    if refused:
        return refused
    try:
        data = _body(request)
        public = data.get("isPublic", True)
        if not isinstance(public, bool):
            raise ParamError("isPublic must be true or false")
        fields = {"name": _text(data, "name"), "description": _text(data, "description")}
    except ParamError as exc:
        return error(str(exc), 400)
    form = CollectionForm({**fields, "is_public": public})
    if not form.is_valid():
        return _form_error(form)
    made = collection_services.create(
        int(caller.user.pk),
        form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        is_public=form.cleaned_data["is_public"],
    )
    return JsonResponse(collection_object(made, caller.user.get_username()), status=201)


@with_account(("DELETE",))
def collection(request: HttpRequest, caller: Caller, collection_id: int) -> HttpResponse:
    """Delete one of the caller's collections."""
    found = _own(caller, collection_id)
    if isinstance(found, JsonResponse):
        return found
    refused = _limited(request, "collection")
    if refused:
        return refused
    collection_services.delete(found)
    return JsonResponse({"id": collection_id, "deleted": True})


@with_account(("POST",))
def collection_papers(request: HttpRequest, caller: Caller, collection_id: int) -> HttpResponse:
    """Add a paper (``{"paper": "2604.01234"}``); adding it again changes nothing."""
    found = _own(caller, collection_id)
    if isinstance(found, JsonResponse):
        return found
    try:
        ref = _text(_body(request), "paper")
    except ParamError as exc:
        return error(str(exc), 400)
    if not ref.strip():
        return error("name the paper to add", 400, {"paper": ["name the paper to add"]})
    paper = _paper_within_limit(request, ref, "collection")
    if isinstance(paper, HttpResponse):
        return paper
    added = collection_services.add_paper(found, paper)
    return JsonResponse({"id": collection_id, "paper": paper.arxiv_id, "added": added})


@with_account(("DELETE",))
def collection_paper(
    request: HttpRequest, caller: Caller, collection_id: int, ref: str
) -> HttpResponse:
    """Take a paper out; taking it out again changes nothing."""
    found = _own(caller, collection_id)
    if isinstance(found, JsonResponse):
        return found
    paper = _paper_within_limit(request, ref, "collection")
    if isinstance(paper, HttpResponse):
        return paper
    removed = collection_services.remove_paper(found, paper)
    return JsonResponse({"id": collection_id, "paper": paper.arxiv_id, "removed": removed})


# Routes, listed before the read API's: its papers/<path:ref> would take these for ids.
urlpatterns = [
    path("whoami", whoami, name="api-whoami"),
    path("papers", submit, name="api-submit"),
    path("papers/<path:ref>/upvote", upvote, name="api-upvote"),
    path("papers/<path:ref>/comments", comments, name="api-comments"),
    path("collections", collections, name="api-collections"),
    path("collections/<int:collection_id>", collection, name="api-collection"),
    path("collections/<int:collection_id>/papers", collection_papers, name="api-collection-add"),
    path(
        "collections/<int:collection_id>/papers/<path:ref>",
        collection_paper,
        name="api-collection-remove",
    ),
]
