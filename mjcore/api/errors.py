"""Mapping mjcore errors and bad requests to the contract's codes (never a 500 for bad input)."""

from __future__ import annotations

import logging

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


def _body(code: int, description: str, **properties: object) -> dict[str, object]:
    return {"code": code, "description": description, "result": None, "properties": properties}


def error_response(exc: MjError) -> JSONResponse:
    """Submit-style answer for an engine error: HTTP 200 with the contract code."""
    if isinstance(exc, BannedPromptError):
        content = _body(
            SubmitCode.BANNED_PROMPT,
            "May contain sensitive words",
            promptEn=exc.prompt_en,
            bannedWord=exc.banned_word,
        )
    elif isinstance(exc, TaskNotFoundError | NoAccountError):
        content = _body(SubmitCode.NOT_FOUND, exc.message)
    elif isinstance(exc, QueueFullError):
        content = _body(SubmitCode.QUEUE_REJECTED, exc.message)
    elif isinstance(exc, ValidationError | TaskStateError):
        content = _body(SubmitCode.VALIDATION_ERROR, exc.message)
    elif isinstance(exc, TranslateError):
        content = _body(SubmitCode.FAILURE, f"translation failed: {exc.message}")
    else:
        content = _body(SubmitCode.FAILURE, exc.message)
    return JSONResponse(content)


def install(app: FastAPI) -> None:
    @app.exception_handler(MjError)
    async def _mj_error(request: Request, exc: MjError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg')}"
            for err in exc.errors()
        )
        return JSONResponse(
            _body(SubmitCode.VALIDATION_ERROR, problems or "invalid request"),
            status_code=status.HTTP_400_BAD_REQUEST,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            {"code": exc.status_code, "description": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            _body(SubmitCode.FAILURE, "internal error"),
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
