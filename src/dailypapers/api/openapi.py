"""The OpenAPI 3.1 description of ``/api``, served at ``/api/openapi.json``.

Written by hand next to the endpoints it describes; ``tests/test_openapi.py`` checks
that every route under ``/api`` is in it, and ``tests/test_schemathesis.py`` that the
live server answers as it says. Bounds come from the modules that enforce them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dailypapers.api import params as daily_params
from dailypapers.api import search_views
from dailypapers.search import engine
from dailypapers.search.querylang import MAX_QUERY

Json = dict[str, Any]

ARXIV_ID = r"^([0-9]{4}\.[0-9]{4,5}|[a-z-]+(\.[A-Z]{2})?/[0-9]{7})(v[0-9]+)?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Json:
    return _json(_ref("Error"), description)


def _query(name: str, schema: Json, description: str) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _integer(low: int, high: int, default: int) -> Json:
    return {"type": "integer", "minimum": low, "maximum": high, "default": default}


_REF_PARAM: Json = {
    "name": "ref",
    "in": "path",
    "required": True,
    "description": "An arXiv id, new style (2604.01234) or old (hep-th/9901001), "
    "with or without a version.",
    "schema": {"type": "string", "pattern": ARXIV_ID},
    "example": "2604.00001",
}

_BAD_INPUT = _error(
    "A parameter cannot be used (out of range, malformed, not text): the message says "
    "which and why."
)
_NOT_FOUND = _error("No such paper on this hub, or the reference is not an arXiv id.")

_USER: Json = {
    "type": "object",
    "required": ["_id", "name", "fullname", "type"],
    "properties": {
        "_id": {"type": "string"},
        "name": {"type": "string"},
        "fullname": {"type": "string"},
        "user": {"type": "string"},
        "type": {"type": "string"},
    },
}
_ORGANIZATION: Json = {
    "type": "object",
    "required": ["_id", "name", "fullname"],
    "properties": {
        "_id": {"type": "string"},
        "name": {"type": "string", "description": "The organization's short name."},
        "fullname": {"type": "string"},
        "avatar": {"type": "string"},
    },
}
_AUTHOR: Json = {
    "type": "object",
    "required": ["_id", "name", "hidden"],
    "properties": {
        "_id": {"type": "string"},
        "name": {"type": "string"},
        "hidden": {"type": "boolean"},
        "user": _ref("User"),
    },
}
_LINKS: Json = {
    "projectPage": {"type": "string"},
    "githubRepo": {"type": "string"},
    "githubStars": {"type": "integer", "minimum": 0},
    "ai_summary": {"type": "string"},
    "ai_keywords": {"type": "array", "items": {"type": "string"}},
}
_TIME = {"type": "string", "format": "date-time"}
_PAPER: Json = {
    "type": "object",
    "description": "A paper, in the shape of the Hugging Face API. Keys without a value "
    "are left out, never null.",
    "required": ["id", "authors", "title", "summary", "upvotes", "discussionId"],
    "properties": {
        "id": {"type": "string"},
        "authors": {"type": "array", "items": _ref("Author")},
        "publishedAt": {**_TIME, "description": "First version on arXiv."},
        "submittedOnDailyAt": {**_TIME, "description": "When it joined the daily list."},
        "submittedOnDailyBy": _ref("User"),
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "upvotes": {"type": "integer", "minimum": 0},
        "numComments": {"type": "integer", "minimum": 0},
        "discussionId": {"type": "string"},
        "organization": _ref("Organization"),
        **_LINKS,
    },
}
# -- linked repositories (begin) ---------------------------------------------------
_REPO: Json = {
    "type": "object",
    "description": "A model, dataset or Space on the Hugging Face Hub citing the paper, "
    "in the Hub's shape (what the hub keeps of it).",
    "required": ["id", "private", "likes"],
    "properties": {
        "id": {"type": "string", "description": "owner/name on the Hub."},
        "author": {"type": "string"},
        "private": {"type": "boolean"},
        "likes": {"type": "integer", "minimum": 0},
        "downloads": {"type": "integer", "minimum": 0, "description": "Not for Spaces."},
        "lastModified": _TIME,
    },
}
_REPO_LIST: Json = {"type": "array", "items": _ref("Repo")}
_COUNT: Json = {"type": "integer", "minimum": 0}
_PAPER_INFO: Json = {
    "description": "The paper with the repositories citing it (the most liked first, at "
    "most 100 of each kind) and how many there are in all; empty lists and 0 until the "
    "hub's sync has asked the Hugging Face Hub.",
    "allOf": [
        _ref("Paper"),
        {
            "type": "object",
            "required": [
                "linkedModels",
                "numTotalModels",
                "linkedDatasets",
                "numTotalDatasets",
                "linkedSpaces",
                "numTotalSpaces",
            ],
            "properties": {
                "linkedModels": _REPO_LIST,
                "numTotalModels": _COUNT,
                "linkedDatasets": _REPO_LIST,
                "numTotalDatasets": _COUNT,
                "linkedSpaces": _REPO_LIST,
                "numTotalSpaces": _COUNT,
            },
        },
    ],
}
# -- linked repositories (end) -----------------------------------------------------
_DAILY_ENTRY: Json = {
    "type": "object",
    "description": "One entry of a daily list.",
    "required": [
        "paper",
        "publishedAt",
        "title",
        "summary",
        "thumbnail",
        "numComments",
        "upvotes",
    ],
    "properties": {
        "paper": _ref("Paper"),
        "publishedAt": _TIME,
        "submittedOnDailyAt": _TIME,
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "thumbnail": {"type": "string"},
        "numComments": {"type": "integer", "minimum": 0},
        "upvotes": {"type": "integer", "minimum": 0},
        "submittedBy": _ref("User"),
        "organization": _ref("Organization"),
        **_LINKS,
    },
}
_SEGMENTS: Json = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "text"],
        "properties": {"type": {"type": "string"}, "text": {"type": "string"}},
    },
}
_SEARCH_ENTRY: Json = {
    "type": "object",
    "description": "A search result or a similar paper.",
    "required": ["paper", "title", "summary", "thumbnail", "numComments"],
    "properties": {
        "paper": _ref("Paper"),
        "publishedAt": _TIME,
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "thumbnail": {"type": "string"},
        "numComments": {"type": "integer", "minimum": 0},
        "upvoted": {"type": "boolean"},
        "isAuthorParticipating": {"type": "boolean"},
        "highlightedTitle": _SEGMENTS,
        "highlightedSummary": _SEGMENTS,
    },
}
_ERROR: Json = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What is wrong, in words."},
        "fields": {
            "type": "object",
            "description": "Input refused by a write: each field named, with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

_PERIOD_NOTE = "Give at most one of date, week and month; more is a 400."


def _daily_papers() -> Json:
    limit = _integer(1, daily_params.MAX_LIMIT, daily_params.DEFAULT_LIMIT)
    return {
        "get": {
            "operationId": "listDailyPapers",
            "summary": "The daily list",
            "description": "Entries of the daily list. With a date, week or month: that "
            "period's papers, most upvoted first. Without: the newest entries first. "
            + _PERIOD_NOTE,
            "parameters": [
                _query("date", {"type": "string", "pattern": DATE}, "A day, 2026-04-07."),
                _query(
                    "week",
                    {"type": "string", "pattern": r"^[0-9]{4}-W[0-9]{2}$"},
                    "An ISO week, 2026-W15.",
                ),
                _query(
                    "month",
                    {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"},
                    "A month, 2026-04.",
                ),
                _query(
                    "submitter",
                    {"type": "string", "minLength": 1, "maxLength": 100},
                    "Only entries submitted by this username.",
                ),
                _query(
                    "sort",
                    {"type": "string", "enum": list(daily_params.SORTS), "default": "publishedAt"},
                    "publishedAt (the list's order) or trending.",
                ),
                _query("p", _integer(0, daily_params.MAX_PAGE, 0), "Page number, from 0."),
                _query("limit", limit, "Entries per page."),
            ],
            "responses": {
                "200": _json({"type": "array", "items": _ref("DailyEntry")}, "The entries."),
                "400": _BAD_INPUT,
            },
        }
    }


def _search() -> Json:
    date = {"type": "string", "pattern": DATE}
    return {
        "get": {
            "operationId": "searchPapers",
            "summary": "Search papers",
            "description": "Papers matching words and filters, in the upstream search "
            "shape. A query that is an arXiv id answers that paper alone. q or a filter "
            "is required.",
            "parameters": [
                _query("q", {"type": "string", "maxLength": MAX_QUERY}, "The words to search for."),
                _query(
                    "sort",
                    {"type": "string", "enum": list(engine.SORTS)},
                    "relevance (default), upvotes or date.",
                ),
                _query("from", date, "Published on or after this day."),
                _query("to", date, "Published on or before this day."),
                _query("cat", {"type": "string"}, "An arXiv category, cs.CL."),
                _query("org", {"type": "string"}, "An organization's short name."),
                _query(
                    "list",
                    {"type": "string", "enum": ["all", "daily"]},
                    "daily: only papers on a daily list.",
                ),
                _query("code", {"type": "string"}, "1, true, on or yes: only papers with code."),
                _query(
                    "limit",
                    _integer(1, search_views.MAX_LIMIT, search_views.DEFAULT_LIMIT),
                    "Results per page.",
                ),
                _query("p", _integer(0, engine.CANDIDATES, 0), "Page number, from 0."),
            ],
            "responses": {
                "200": _json({"type": "array", "items": _ref("SearchEntry")}, "The matches."),
                "400": _BAD_INPUT,
            },
        }
    }


def _paper() -> Json:
    return {
        "get": {
            "operationId": "getPaper",
            "summary": "One paper",
            "parameters": [_REF_PARAM],
            "responses": {
                "200": _json(
                    _ref("PaperInfo"),
                    "The paper, with its daily-list entry if any and its linked repositories.",
                ),
                "400": _BAD_INPUT,
                "404": _NOT_FOUND,
            },
        }
    }


def _similar() -> Json:
    return {
        "get": {
            "operationId": "similarPapers",
            "summary": "Papers like this one",
            "description": "Nearest papers by meaning when the hub has a model, else by "
            "words; the X-Similar-By header says which (meaning, words or none).",
            "parameters": [
                _REF_PARAM,
                _query("limit", _integer(1, search_views.MAX_SIMILAR, 10), "How many."),
            ],
            "responses": {
                "200": {
                    **_json({"type": "array", "items": _ref("SearchEntry")}, "The papers."),
                    "headers": {
                        "X-Similar-By": {
                            "schema": {"type": "string", "enum": ["meaning", "words", "none"]}
                        }
                    },
                },
                "400": _BAD_INPUT,
                "404": _NOT_FOUND,
            },
        }
    }


def _repos() -> Json:
    repo_list = _REPO_LIST
    return {
        "get": {
            "operationId": "paperRepos",
            "summary": "Models, datasets and Spaces citing a paper",
            "description": "The Hugging Face Hub's shape, as the hub's sync last mirrored "
            "them: the most liked first, at most 100 of each kind; empty lists until the "
            "sync has asked.",
            "parameters": [_REF_PARAM],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["models", "datasets", "spaces"],
                        "properties": {
                            "models": repo_list,
                            "datasets": repo_list,
                            "spaces": repo_list,
                        },
                    },
                    "The linked repositories.",
                ),
                # The input layer refuses unstorable text (NUL, lone surrogates) anywhere.
                "400": _BAD_INPUT,
                "404": _NOT_FOUND,
            },
        }
    }


def _self_description() -> Json:
    return {
        "get": {
            "operationId": "openapi",
            "summary": "This description",
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1, as JSON.")},
        }
    }


def _docs() -> Json:
    return {
        "get": {
            "operationId": "docs",
            "summary": "This description as a web page",
            "responses": {
                "200": {"description": "HTML.", "content": {"text/html": {"schema": {}}}}
            },
        }
    }


def description() -> Json:
    # Imported here: that module builds its part from the helpers above.
    from dailypapers.api import openapi_write

    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.SITE_NAME} API",
            "version": "1",
            "description": "Reading is open to anyone and compatible with the Hugging Face "
            "/api/daily_papers and /api/papers endpoints (and their huggingface_hub "
            "client): those endpoints answer GET and HEAD; other methods get a 405 with "
            "an Allow header, and responses may be cached for a minute by anyone. "
            "Writing (upvotes, submitting, comments, collections) needs a personal access "
            "token with the write scope, sent as Authorization: Bearer <token>. Every "
            "endpoint can be read from any origin. Errors are JSON objects with an error "
            "message.",
        },
        "servers": [{"url": settings.BASE_URL}],
        "paths": {
            "/api/daily_papers": _daily_papers(),
            "/api/papers/search": _search(),
            "/api/papers/{ref}": _paper(),
            "/api/papers/{ref}/similar": _similar(),
            "/api/arxiv/{ref}/repos": _repos(),
            "/api/openapi.json": _self_description(),
            "/api/docs": _docs(),
            **openapi_write.paths(),
        },
        "components": {
            "schemas": {
                "Paper": _PAPER,
                "PaperInfo": _PAPER_INFO,
                "Repo": _REPO,
                "DailyEntry": _DAILY_ENTRY,
                "SearchEntry": _SEARCH_ENTRY,
                "Author": _AUTHOR,
                "User": _USER,
                "Organization": _ORGANIZATION,
                "Error": _ERROR,
                **openapi_write.schemas(),
            },
            "securitySchemes": openapi_write.SECURITY_SCHEMES,
        },
    }
