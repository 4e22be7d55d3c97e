"""The served OpenAPI document, matching what the app really answers.

FastAPI documents request validation failures as 422 ``HTTPValidationError``; mjbridge answers
them with 400 and the contract's error body, so the document says that instead. Routes serving
several methods get one operation id per method (FastAPI gives them one id for all).
"""

from __future__ import annotations

import warnings
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_BAD_REQUEST = {
    "description": (
        "The request breaks this schema (malformed JSON, wrong type, missing field, value out"
        " of the documented limits): code 4."
    ),
    "content": {"application/json": {"schema": _ERROR_REF}},
}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")


def _fix_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if responses.pop("422", None) is not None:
        responses.setdefault("400", _BAD_REQUEST)


def _unique_operation_ids(paths: dict[str, Any]) -> None:
    seen: set[str] = set()
    for path_item in paths.values():
        for method, operation in path_item.items():
            operation_id = operation.get("operationId")
            if operation_id is None:
                continue
            if operation_id in seen:
                operation_id = f"{operation_id}_{method}"
                operation["operationId"] = operation_id
            seen.add(operation_id)


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with a generator that rewrites the validation responses."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Duplicate Operation ID", UserWarning)
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
        paths: dict[str, Any] = schema.get("paths", {})
        for path_item in paths.values():
            for operation in path_item.values():
                _fix_operation(operation)
        _unique_operation_ids(paths)
        schemas = schema.get("components", {}).get("schemas", {})
        for name in _FASTAPI_ONLY:
            schemas.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
