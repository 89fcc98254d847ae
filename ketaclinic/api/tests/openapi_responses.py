"""Check an API response against the committed OpenAPI document (docs/openapi.json).

The document is OpenAPI 3.0 (`nullable: true` rather than a `null` type); it is turned into JSON
Schema once, and each response body is validated against its operation's schema for the status
it answered with, formats included (`date`, `time`: RFC 3339 `HH:MM:SS`).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs: types-jsonschema is not a dependency
from django.conf import settings

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema: null is one more allowed value."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@functools.cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(COMMITTED.read_text())
    converted: dict[str, Any] = _nullable_to_json_schema(document)
    return converted


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON Schema of `method path`'s `status` answer, with the components it refers to."""
    document = _document()
    operation = document["paths"][path][method.lower()]
    content = operation["responses"][str(status)]["content"]["application/json"]
    schema = copy.deepcopy(content["schema"])
    schema["components"] = document["components"]
    return schema


def assert_matches_schema(response: Any, path: str, method: str = "get") -> Any:
    """The response's JSON body, after checking it against the document: `path` is the
    document's path template, e.g. `/api/v1/availability`."""
    body = response.json()
    schema = response_schema(path, method, response.status_code)
    jsonschema.validate(body, schema, format_checker=jsonschema.FormatChecker())
    return body
