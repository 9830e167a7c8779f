"""The OpenAPI description of /api: complete, well formed, served as JSON and as a page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dailypapers.api import openapi

pytestmark = pytest.mark.django_db

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def routes(patterns: list[Any], prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def api_routes() -> set[str]:
    every = routes(get_resolver().url_patterns)
    return {"/" + _CONVERTER.sub(r"{\1}", r) for r in every if r.startswith("api/")}


def test_every_api_route_is_described() -> None:
    described = set(openapi.description()["paths"])
    assert api_routes()
    assert api_routes() - described == set(), "routes under /api missing from the description"
    assert described - api_routes() == set(), "described paths that no route serves"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in _refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_description_is_well_formed() -> None:
    doc = openapi.description()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    for path, item in doc["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert method in ("get", "head", "post", "put", "patch", "delete", "options")
            assert operation["operationId"] and operation["responses"]
            assert {"200", "201"} & set(operation["responses"]), (path, method)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, path
            for p in operation.get("parameters", []):
                assert p["in"] in ("query", "path", "header") and "schema" in p
                assert p["required"] or p["in"] != "path"
            for status, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5][0-9][0-9]", status) and response["description"]
                if status.startswith("4"):
                    assert _refs(response) == ["#/components/schemas/Error"]


def test_every_endpoint_that_refuses_input_describes_the_400() -> None:
    for path, item in openapi.description()["paths"].items():
        for operation in item.values():
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in operation["responses"], path


def test_every_endpoint_that_needs_an_account_describes_the_bearer_scheme() -> None:
    doc = openapi.description()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ("post", "delete"):
                assert operation["security"] == [{"bearer": []}], path
                assert {"403", "429"} <= set(operation["responses"]), path
                assert "Retry-After" in operation["responses"]["429"]["headers"]
            if operation.get("security"):
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_the_description_is_served_as_json(settings: Any) -> None:
    settings.BASE_URL = "https://hub.example"
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    doc = json.loads(response.content)
    assert doc["servers"] == [{"url": "https://hub.example"}]
    assert doc == json.loads(json.dumps(openapi.description()))
    assert Client().post("/api/openapi.json").status_code == 405


def test_the_docs_page_renders_every_endpoint_without_outside_assets() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    for path, item in openapi.description()["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in html
    assert "limit" in html and "Error" in html
    assert "/static/api/docs.css" in html or "api/docs" in html
    # Only this site's own assets: no CDN, no inline script or style.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html
