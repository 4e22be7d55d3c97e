"""Health and durable images (no secret: images are linked from chats and web pages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from mjcore.api.deps import EngineDep
from mjcore.errors import MjError
from mjcore.media import sniff_content_type

router = APIRouter(tags=["system"])


@router.get("/health")
async def health(engine: EngineDep) -> dict[str, Any]:
    return engine.health()


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(engine: EngineDep) -> str:
    """Prometheus text format."""
    return engine.metrics_text()


@router.get("/images/{task_id}", response_model=None)
async def image(task_id: str, engine: EngineDep) -> Response:
    task = await engine.get(task_id)
    if task is None or not task.discord_image_url or engine.images is None:
        return JSONResponse({"code": 3, "description": "image not found"}, status_code=404)
    try:
        path = await engine.images.ensure(task.id, task.discord_image_url)
    except MjError as exc:
        return JSONResponse({"code": 9, "description": exc.message}, status_code=502)
    with path.open("rb") as fh:
        head = fh.read(16)
    return FileResponse(path, media_type=sniff_content_type(head))
