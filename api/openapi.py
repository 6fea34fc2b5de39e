"""The OpenAPI document tells the truth about errors: every failure is problem+json.

FastAPI documents 422 as its own JSON shape; the app answers RFC 9457 problems instead,
so the document is rewritten once: 4xx answers and a `default` answer point to `Problem`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.problems import MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def install(app: FastAPI) -> None:
    """Replace `app.openapi` with a generator that documents problem+json errors."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, response in responses.items():
                    if code.startswith(("4", "5")):
                        response["content"] = _PROBLEM
                        if response.get("description") in (None, "", "Additional Response"):
                            response["description"] = "Problem (RFC 9457)"
                responses["default"] = {"description": "Problem (RFC 9457)", "content": _PROBLEM}
        app.openapi_schema = doc
        return doc

    app.openapi = build  # type: ignore[method-assign]
