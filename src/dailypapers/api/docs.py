"""``/api/openapi.json`` and ``/api/docs``, the same description as JSON and as a page.

The page is rendered on the server from the description: no script, no third-party
assets, one stylesheet from /static/.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dailypapers.api import openapi
from dailypapers.api.views import public_read
from dailypapers.core.pagecache import cached_for_visitors

Json = dict[str, Any]


@public_read
def openapi_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi.description(), json_dumps_params={"indent": 1})


def _type(schema: Json) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "length ≤"))
        if key in schema
    ]
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    return f"{text} ({', '.join(bounds)})" if bounds else text


def _body_fields(operation: Json) -> list[Json]:
    """The fields of a JSON request body, as parameters "in" the body."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = body.get("schema", {})
    return [
        {"name": name, "in": "body", "required": name in schema.get("required", []), "schema": spec}
        | ({"description": spec["description"]} if "description" in spec else {})
        for name, spec in schema.get("properties", {}).items()
    ]


def operations(description: Json) -> list[Json]:
    """Each path and method with its parameters and responses, flattened for the page."""
    found = []
    for path, item in description["paths"].items():
        for method, operation in item.items():
            given = [*operation.get("parameters", []), *_body_fields(operation)]
            found.append(
                {
                    "id": operation.get("operationId", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "token": bool(operation.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type(p.get("schema", {})),
                            "default": p.get("schema", {}).get("default", ""),
                            "description": p.get("description", ""),
                        }
                        for p in given
                    ],
                    "responses": [
                        {
                            "status": status,
                            "description": response.get("description", ""),
                            "types": [
                                f"{kind}: {_type(media.get('schema', {}))}"
                                for kind, media in response.get("content", {}).items()
                            ],
                        }
                        for status, response in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


def schemas(description: Json) -> list[Json]:
    return [
        {
            "name": name,
            "description": schema.get("description", ""),
            "fields": [
                {
                    "name": field,
                    "type": _type(spec),
                    "required": field in schema.get("required", []),
                    "description": spec.get("description", ""),
                }
                for field, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in description["components"]["schemas"].items()
    ]


@require_safe
@cached_for_visitors
def docs(request: HttpRequest) -> HttpResponse:
    description = openapi.description()
    context = {
        "info": description["info"],
        "operations": operations(description),
        "schemas": schemas(description),
    }
    return render(request, "api/docs.html", context)
