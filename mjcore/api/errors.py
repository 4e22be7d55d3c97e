"""Mapping mjcore errors and bad requests to the contract's codes (never a 500 for bad input).

- engine refusals (``MjError``): HTTP 200 and the contract code, like midjourney-proxy;
- a body or query that breaks the OpenAPI schema (malformed JSON included): HTTP 400, code 4;
- a body over the size limit: HTTP 413, code 4;
- other HTTP errors (401, unknown route 404, 405): that status, with the status as ``code``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mjcore.errors import (
    BannedPromptError,
    MjError,
    NoAccountError,
    QueueFullError,
    TaskNotFoundError,
    TaskStateError,
    TranslateError,
    ValidationError,
)
from mjcore.models import SubmitCode

log = logging.getLogger(__name__)

_VALIDATION_STATUSES = frozenset(
    {
        status.HTTP_400_BAD_REQUEST,
        status.HTTP_413_CONTENT_TOO_LARGE,
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    }
)


def error_body(code: int, description: str, **properties: object) -> dict[str, object]:
    """The contract's ``{code, description, result, properties}`` for a refusal."""
    return {"code": code, "description": description, "result": None, "properties": properties}


def error_response(exc: MjError) -> JSONResponse:
    """Submit-style answer for an engine error: HTTP 200 with the contract code."""
    if isinstance(exc, BannedPromptError):
        content = error_body(
            SubmitCode.BANNED_PROMPT,
            "May contain sensitive words",
            promptEn=exc.prompt_en,
            bannedWord=exc.banned_word,
        )
    elif isinstance(exc, TaskNotFoundError | NoAccountError):
        content = error_body(SubmitCode.NOT_FOUND, exc.message)
    elif isinstance(exc, QueueFullError):
        content = error_body(SubmitCode.QUEUE_REJECTED, exc.message)
    elif isinstance(exc, ValidationError | TaskStateError):
        content = error_body(SubmitCode.VALIDATION_ERROR, exc.message)
    elif isinstance(exc, TranslateError):
        content = error_body(SubmitCode.FAILURE, f"translation failed: {exc.message}")
    else:
        content = error_body(SubmitCode.FAILURE, exc.message)
    return JSONResponse(content)


def describe_problems(errors: Sequence[Any]) -> str:
    """``field: message`` for each pydantic/FastAPI error (``body`` prefix dropped)."""
    parts = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        parts.append(f"{'.'.join(loc) or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(MjError)
    async def _mj_error(request: Request, exc: MjError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            error_body(SubmitCode.VALIDATION_ERROR, describe_problems(exc.errors())),
            status_code=status.HTTP_400_BAD_REQUEST,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = (
            SubmitCode.VALIDATION_ERROR
            if exc.status_code in _VALIDATION_STATUSES
            else exc.status_code
        )
        return JSONResponse(
            error_body(code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(SubmitCode.FAILURE, "internal error"),
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
