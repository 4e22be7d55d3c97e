"""Health, metrics and durable images (no secret: images are linked from chats and web pages)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response as HttpResponse,
)

from mjcore.api.deps import EngineDep
from mjcore.api.errors import error_body
from mjcore.api.responses import ErrorResponse, HealthResponse
from mjcore.errors import DiscordHTTPError, MjError
from mjcore.media import sniff_content_type
from mjcore.models import SubmitCode

log = logging.getLogger(__name__)

router = APIRouter(tags=["system"])

_SNIFF_BYTES = 16
_GONE_AT_DISCORD = frozenset({403, 404, 410})
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif", "application/octet-stream")


@router.get("/health", response_model=HealthResponse, summary="Accounts up or down, queue sizes")
async def health(engine: EngineDep) -> dict[str, Any]:
    return engine.health()


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus text format",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(engine: EngineDep) -> str:
    return engine.metrics_text()


@router.get("/mj", include_in_schema=False)
async def mj_home() -> RedirectResponse:
    return RedirectResponse("/mj/docs")


@router.get(
    "/images/{task_id}",
    response_model=None,
    summary="The final image of a task, kept under MJ_DATA_DIR (the task's imageUrl)",
    description=(
        "Downloaded from Discord once when the task succeeds and served from disk after that,"
        " so it outlives Discord's expiring links. 404 (code 3) when the task is unknown, has"
        " no final image, or Discord dropped the image before it was kept; 502 (code 9) when"
        " Discord could not be reached to fetch it."
    ),
    responses={
        200: {
            "description": "The image",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in _IMAGE_TYPES
            },
        },
        404: {"model": ErrorResponse},
        502: {"model": ErrorResponse},
    },
)
async def image(task_id: str, engine: EngineDep) -> HttpResponse:
    task = await engine.get(task_id)
    if task is None or not task.discord_image_url or engine.images is None:
        return _missing("image not found")
    try:
        path = await engine.images.ensure(task.id, task.discord_image_url)
    except DiscordHTTPError as exc:
        if exc.status in _GONE_AT_DISCORD:
            log.warning("image lost before it was kept [task:%s] %s", task.id, exc.message)
            return _missing("image is no longer available at Discord")
        return _unreachable(exc)
    except MjError as exc:
        return _unreachable(exc)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    return FileResponse(path, media_type=sniff_content_type(head))


def _missing(description: str) -> JSONResponse:
    return JSONResponse(
        error_body(SubmitCode.NOT_FOUND, description), status_code=status.HTTP_404_NOT_FOUND
    )


def _unreachable(exc: MjError) -> JSONResponse:
    return JSONResponse(
        error_body(SubmitCode.FAILURE, exc.message), status_code=status.HTTP_502_BAD_GATEWAY
    )
