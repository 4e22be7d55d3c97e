"""A cap on request body size under ``/mj/``: 413 with code 4, before the body is buffered."""

from __future__ import annotations

from fastapi import status
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mjcore.api.errors import error_body
from mjcore.models import SubmitCode

_PREFIX = "/mj/"


def _too_large(limit: int) -> str:
    return f"request body is larger than {limit} bytes"


class BodyLimit:
    """ASGI middleware: a declared or streamed body over ``limit`` bytes answers 413.

    A declared ``content-length`` over the limit is refused before the app runs; a streamed body
    raises ``HTTPException(413)`` from ``receive`` once it passes the limit, which the app's
    handlers turn into the same answer.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(_PREFIX):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            response = JSONResponse(
                error_body(SubmitCode.VALIDATION_ERROR, _too_large(self.limit)),
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, _too_large(self.limit))
            return message

        await self.app(scope, limited_receive, send)
