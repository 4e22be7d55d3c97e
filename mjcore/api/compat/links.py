"""Image links the compat APIs hand out.

Clients of all three APIs take the Midjourney job uuid from the image name
(``…_<uuid>.png``), so a result link keeps Discord's file name:
``<public_url>/compat/images/<task id>/<discord file name>``. That route serves the durable copy
the engine keeps, so the link outlives Discord's expiring CDN URLs.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from mjcore.api.compat.filenames import url_filename
from mjcore.api.deps import EngineDep
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.media import rewrite_cdn, sniff_content_type
from mjcore.models import Task, TaskStatus

IMAGE_ROUTE_PREFIX = "/compat/images"
_SNIFF_BYTES = 16

router = APIRouter(prefix=IMAGE_ROUTE_PREFIX, tags=["compat"])


def result_image_link(task: Task, public_url: str) -> str | None:
    """Durable link to the result image of a successful task (``None`` before success)."""
    if task.status is not TaskStatus.SUCCESS or not task.discord_image_url:
        return None
    name = url_filename(task.discord_image_url) or "image.png"
    return f"{public_url}{IMAGE_ROUTE_PREFIX}/{quote(task.id)}/{quote(name)}"


def discord_image_link(task: Task, cdn_base: str) -> str | None:
    """The task's current Discord image (result or progress preview) at the configured CDN."""
    url = task.discord_image_url or task.image_url
    return None if url is None else rewrite_cdn(url, cdn_base)


def preview_image_link(task: Task, cdn_base: str) -> str | None:
    """The progress preview (``grid_0.webp``) of a running task."""
    if task.image_url is None or task.status is TaskStatus.SUCCESS:
        return None
    return rewrite_cdn(task.image_url, cdn_base)


def image_link(engine: Engine, task: Task) -> str | None:
    """The result image of a successful task: our durable link when the engine keeps copies,
    else the Discord URL at the configured CDN; ``None`` before success."""
    if task.status is not TaskStatus.SUCCESS:
        return None
    if engine.images is None:
        return discord_image_link(task, engine.endpoints.cdn)
    return result_image_link(task, engine.options.public_url)


@router.get("/{task_id}/{filename}", response_model=None)
async def compat_image(task_id: str, filename: str, engine: EngineDep) -> Response:
    task = await engine.get(task_id)
    if task is None or not task.discord_image_url or engine.images is None:
        return JSONResponse({"code": 404, "description": "image not found"}, status_code=404)
    try:
        path = await engine.images.ensure(task.id, task.discord_image_url)
    except MjError as exc:
        return JSONResponse({"code": 502, "description": exc.message}, status_code=502)
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    return FileResponse(path, media_type=sniff_content_type(head))
