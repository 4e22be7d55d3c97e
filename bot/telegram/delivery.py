"""Getting images to Telegram: where the bytes come from, and which Telegram file ids exist.

Final images come from the engine's durable copy (``ImageStore``) when there is one, otherwise
from Midjourney's CDN link; progress previews always from the link. Every photo or document
Telegram stores is remembered by ``file_id`` (``tg.file`` table), so sending it again uploads
nothing.
"""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum

import httpx

from bot.telegram import imaging
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.media import rewrite_cdn
from mjcore.models import Task
from mjcore.store.base import TaskStore

log = logging.getLogger(__name__)

FILE_NS = "tg.file"
DOWNLOAD_TIMEOUT_SECONDS = 60.0
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


class DeliveryError(Exception):
    """An image could not be fetched or prepared."""


class Variant(StrEnum):
    """Which rendition of a task's image a file id stands for."""

    PHOTO = "photo"
    DOCUMENT = "document"


class FileIds:
    """Telegram file ids of task images (``tg.file`` table)."""

    def __init__(self, store: TaskStore) -> None:
        self._store = store

    async def get(self, task_id: str, variant: Variant) -> str | None:
        return await self._store.kv_get(FILE_NS, f"{task_id}:{variant}")

    async def put(self, task_id: str, variant: Variant, file_id: str) -> None:
        await self._store.kv_put(FILE_NS, f"{task_id}:{variant}", file_id)

    async def forget(self, task_id: str, variant: Variant) -> None:
        await self._store.kv_delete(FILE_NS, f"{task_id}:{variant}")


class ImageSource:
    """Bytes of task images: final originals, Telegram-ready photos, progress previews."""

    def __init__(self, engine: Engine, http: httpx.AsyncClient) -> None:
        self._engine = engine
        self._http = http

    async def original(self, task: Task) -> bytes:
        """The final image as Midjourney made it (PNG or WebP)."""
        url = task.discord_image_url or task.image_url
        if url is None:
            raise DeliveryError(f"task {task.id} has no image")
        images = self._engine.images
        if images is not None and task.discord_image_url:
            try:
                path = await images.ensure(task.id, task.discord_image_url)
                return await asyncio.to_thread(path.read_bytes)
            except (MjError, OSError) as exc:
                log.warning("durable image unavailable [task:%s] %s", task.id, exc)
        return await self.download(url)

    async def photo(self, task: Task) -> bytes:
        """The final image as a JPEG within Telegram's photo limits."""
        data = await self.original(task)
        return await self._convert(imaging.telegram_photo, data, task.id)

    async def preview(self, task: Task) -> bytes:
        """A small JPEG of the current progress image."""
        if task.image_url is None:
            raise DeliveryError(f"task {task.id} has no progress image")
        data = await self.download(task.image_url)
        return await self._convert(imaging.preview, data, task.id)

    async def download(self, url: str) -> bytes:
        target = rewrite_cdn(url, self._engine.endpoints.cdn)
        try:
            response = await self._http.get(target, timeout=DOWNLOAD_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"image download failed: {exc}") from exc
        if response.status_code != httpx.codes.OK:
            raise DeliveryError(f"image download answered {response.status_code}")
        return response.content

    @staticmethod
    async def _convert(convert: imaging.Converter, data: bytes, task_id: str) -> bytes:
        try:
            return await asyncio.to_thread(convert, data)
        except imaging.ImageError as exc:
            raise DeliveryError(f"task {task_id}: {exc}") from exc


def document_name(task: Task, data: bytes) -> str:
    try:
        extension = imaging.extension_of(data)
    except imaging.ImageError:
        extension = "img"
    return f"mj-{task.id}.{extension}"
