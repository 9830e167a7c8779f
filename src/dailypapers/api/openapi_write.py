"""The part of the OpenAPI description for endpoints that need an account: the bearer
security scheme, the write endpoints (dailypapers.api.write_views) and their shapes.

``dailypapers.api.openapi.description`` merges it into the whole; the helpers it uses
come from there.
"""

from __future__ import annotations

from dailypapers.accounts.services import TOKEN_START
from dailypapers.api.openapi import _REF_PARAM, Json, _error, _json, _ref
from dailypapers.community.collection_forms import DESCRIPTION_MAX, NAME_MAX
from dailypapers.community.conf import COMMENT_MAX_LENGTH

SECURITY_SCHEMES: Json = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": f"A personal access token ({TOKEN_START}…), made on the settings "
        "page of your account. Read tokens may call GET endpoints that need an account; "
        "write tokens may also write. A logged-in browser session works too, with Django's "
        "CSRF token in the X-CSRFToken header for writes.",
    }
}
_BEARER: list[Json] = [{"bearer": []}]

_COLLECTION_ID: Json = {
    "name": "collection_id",
    "in": "path",
    "required": True,
    "description": "The id of one of your collections.",
    "schema": {"type": "integer", "minimum": 1},
    "example": 1,
}

_UNAUTHORIZED = {
    **_error(
        "No token (and no logged-in session), or a token that is malformed, unknown or "
        "revoked, or whose account is suspended."
    ),
    "headers": {
        "WWW-Authenticate": {
            "description": 'Bearer realm="dailypapers", with error="invalid_token" for a '
            "bad token.",
            "schema": {"type": "string"},
        }
    },
}
_FORBIDDEN_SCOPE = (
    "a read token (WWW-Authenticate names the insufficient_scope), or a session request "
    "without its CSRF token"
)
_TOO_MANY = {
    **_error(
        "Too many writes of this kind by this account or from this address; the limits "
        "are the site's pages', and counted together with them."
    ),
    "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}
_BAD_BODY = _error(
    "The body is not a JSON object, or a field cannot be used: error says why, and fields "
    "(when given) names each refused field with its messages."
)
_BAD_PATH = _error("The address holds text that cannot be stored (a NUL, say).")
_NO_PAPER = _error("No such paper on this hub, or the reference is not an arXiv id.")
_NOT_YOURS = _error("You have no collection with this id (it may be someone else's).")


def _write(
    operation_id: str,
    summary: str,
    description: str,
    responses: Json,
    parameters: tuple[Json, ...] = (),
    request: Json | None = None,
) -> Json:
    """An operation for write tokens, with the answers every write can give. A "403"
    in ``responses`` is the words for it, said before the ones every write has."""
    forbidden = responses.pop("403", "")
    operation: Json = {
        "operationId": operation_id,
        "summary": summary,
        "security": _BEARER,
        "responses": {
            **responses,
            "401": _UNAUTHORIZED,
            "403": _error(f"{forbidden}{_FORBIDDEN_SCOPE}."),
            "429": _TOO_MANY,
        },
    }
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = list(parameters)
    if request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": request}},
        }
    return operation


def _whoami() -> Json:
    caller = {
        "type": "object",
        "required": ["name", "scope"],
        "properties": {
            "name": {"type": "string", "description": "Your username."},
            "scope": {
                "type": "string",
                "enum": ["read", "write", "session"],
                "description": "The token's scope, or session for a logged-in browser.",
            },
        },
    }
    return {
        "get": {
            "operationId": "whoami",
            "summary": "The account a token acts for",
            "description": "A cheap way to check a token: any live token works.",
            "security": _BEARER,
            "responses": {"200": _json(caller, "The account."), "401": _UNAUTHORIZED},
        }
    }


_VOTE: Json = {
    "type": "object",
    "required": ["paper", "voted", "upvotes"],
    "properties": {
        "paper": {"type": "string", "description": "The paper's arXiv id."},
        "voted": {"type": "boolean", "description": "Whether you upvote it now."},
        "upvotes": {"type": "integer", "minimum": 0, "description": "Its upvotes now."},
    },
}


def _vote(operation_id: str, summary: str, description: str) -> Json:
    responses = {"200": _json(_VOTE, "Your vote now."), "400": _BAD_PATH, "404": _NO_PAPER}
    return _write(operation_id, summary, description, responses, (_REF_PARAM,))


def _upvote() -> Json:
    return {
        "post": _vote(
            "upvotePaper", "Upvote a paper", "Idempotent: upvoting again changes nothing."
        ),
        "delete": _vote(
            "unupvotePaper",
            "Take an upvote back",
            "Idempotent: taking back a vote you have not given changes nothing.",
        ),
    }


def _submit() -> Json:
    link = {"type": "string", "maxLength": 1000}
    request = {
        "type": "object",
        "required": ["paper"],
        "properties": {
            "paper": {
                "type": "string",
                "maxLength": 300,
                "description": "An arXiv id or URL.",
                "example": "2604.01234",
            },
            "github": {**link, "description": "https://github.com/owner/repository"},
            "project": {**link, "description": "The project page, http(s)."},
        },
    }
    submitted = {
        "type": "object",
        "required": ["created", "paper"],
        "properties": {
            "created": {"type": "boolean", "description": "False: it was on the list already."},
            "paper": _ref("Paper"),
        },
    }
    responses = {
        "200": _json(submitted, "The paper was on the list already; nothing changed."),
        "201": _json(submitted, "The paper is on today's list."),
        "400": _BAD_BODY,
        "403": "A new account, the daily cap or the paper's age refuses it; or ",
        "502": _error("arXiv could not be asked; nothing was written."),
    }
    description = (
        "As the submit page: the account must be old enough (or hold a confirmed author "
        "claim), under its daily cap, and the paper recent enough. A paper not on the hub "
        "yet is fetched from arXiv. Links fill only what the paper lacks."
    )
    return {
        "post": _write(
            "submitPaper", "Submit a paper to today's list", description, responses, (), request
        )
    }


def _comments() -> Json:
    request = {
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {
                "type": "string",
                "maxLength": COMMENT_MAX_LENGTH,
                "description": "Markdown; rendered and sanitized as on the paper page.",
            },
            "parent": {
                "type": ["integer", "null"],
                "description": "The id of a comment on this paper to reply to.",
            },
        },
    }
    comment = {
        "type": "object",
        "required": ["id", "paper", "parent", "author", "body", "createdAt", "url"],
        "properties": {
            "id": {"type": "integer"},
            "paper": {"type": "string"},
            "parent": {"type": ["integer", "null"], "description": "The thread it is in."},
            "author": {"type": "string"},
            "body": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "description": "The comment on the paper page."},
        },
    }
    responses = {
        "201": _json(comment, "The comment."),
        "400": _BAD_BODY,
        "403": "The discussion is locked; or ",
        "404": _NO_PAPER,
    }
    return {
        "post": _write(
            "commentOnPaper",
            "Comment on a paper, or reply",
            "",
            responses,
            (_REF_PARAM,),
            request,
        )
    }


_COLLECTION: Json = {
    "type": "object",
    "required": ["id", "name", "slug", "description", "isPublic", "url"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "slug": {"type": "string", "description": "Its address among yours; kept on renames."},
        "description": {"type": "string"},
        "isPublic": {"type": "boolean"},
        "url": {"type": "string"},
    },
}


def _collections() -> Json:
    request = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": NAME_MAX},
            "description": {"type": "string", "maxLength": DESCRIPTION_MAX},
            "isPublic": {"type": "boolean", "default": True},
        },
    }
    responses = {"201": _json(_ref("Collection"), "The collection."), "400": _BAD_BODY}
    return {"post": _write("createCollection", "Make a collection", "", responses, (), request)}


def _collection() -> Json:
    deleted = {
        "type": "object",
        "required": ["id", "deleted"],
        "properties": {"id": {"type": "integer"}, "deleted": {"const": True}},
    }
    responses = {"200": _json(deleted, "Deleted."), "400": _BAD_PATH, "404": _NOT_YOURS}
    return {
        "delete": _write(
            "deleteCollection",
            "Delete one of your collections",
            "",
            responses,
            (_COLLECTION_ID,),
        )
    }


_MISSING = _error("No such collection of yours, or no such paper.")


def _membership(
    key: str, said: str, operation_id: str, summary: str, request: Json | None = None
) -> Json:
    """Adding a paper to a collection, or taking it out: idempotent, ``key`` says whether
    anything changed."""
    answer = {
        "type": "object",
        "required": ["id", "paper", key],
        "properties": {
            "id": {"type": "integer", "description": "The collection."},
            "paper": {"type": "string"},
            key: {"type": "boolean", "description": "False: nothing had to change."},
        },
    }
    responses = {
        "200": _json(answer, said),
        "400": _BAD_BODY if request else _BAD_PATH,
        "404": _MISSING,
    }
    params = (_COLLECTION_ID,) if request else (_COLLECTION_ID, _REF_PARAM)
    description = f"Idempotent: doing it again changes nothing ({key} is false)."
    return _write(operation_id, summary, description, responses, params, request)


def _collection_papers() -> Json:
    request = {
        "type": "object",
        "required": ["paper"],
        "properties": {"paper": {"type": "string", "description": "An arXiv id."}},
    }
    return {
        "post": _membership(
            "added",
            "Added, or there already.",
            "addToCollection",
            "Add a paper to one of your collections",
            request,
        )
    }


def _collection_paper() -> Json:
    return {
        "delete": _membership(
            "removed",
            "Taken out, or not there.",
            "removeFromCollection",
            "Take a paper out of one of your collections",
        )
    }


def paths() -> Json:
    return {
        "/api/whoami": _whoami(),
        "/api/papers": _submit(),
        "/api/papers/{ref}/upvote": _upvote(),
        "/api/papers/{ref}/comments": _comments(),
        "/api/collections": _collections(),
        "/api/collections/{collection_id}": _collection(),
        "/api/collections/{collection_id}/papers": _collection_papers(),
        "/api/collections/{collection_id}/papers/{ref}": _collection_paper(),
    }


def schemas() -> Json:
    return {"Collection": _COLLECTION}
