"""Images: Discord CDN rewriting, and durable local copies of final images.

Discord attachment links expire (signed ``ex=`` URLs), so each final image is downloaded once into
``MJ_DATA_DIR/images`` and served from there.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import httpx

from mjcore.config import DISCORD_CDN
from mjcore.errors import DiscordConnectionError, DiscordHTTPError

log = logging.getLogger(__name__)

_MEDIA_PROXY = "https://media.discordapp.net"
_CONTENT_TYPES = {
    b"\x89PNG": "image/png",
    b"RIFF": "image/webp",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
}


def rewrite_cdn(url: str, cdn_base: str) -> str:
    """Point a Discord CDN (or media proxy) URL at the configured CDN base."""
    for prefix in (DISCORD_CDN, _MEDIA_PROXY):
        if url.startswith(prefix):
            return cdn_base + url[len(prefix) :]
    return url


def sniff_content_type(data: bytes) -> str:
    for magic, content_type in _CONTENT_TYPES.items():
        if data.startswith(magic):
            return content_type
    return "application/octet-stream"


class ImageStore:
    """Local copies of task images under ``root``, one file per task id."""

    def __init__(self, root: Path, client: httpx.AsyncClient, *, cdn_base: str = DISCORD_CDN):
        self._root = root
        self._client = client
        self._cdn_base = cdn_base
        self._locks: dict[str, asyncio.Lock] = {}
        root.mkdir(parents=True, exist_ok=True)

    def path_for(self, task_id: str) -> Path:
        return self._root / f"{task_id}.img"

    def cdn_url(self, url: str) -> str:
        return rewrite_cdn(url, self._cdn_base)

    async def ensure(self, task_id: str, discord_url: str) -> Path:
        """The local copy of the task's image, downloading it the first time."""
        path = self.path_for(task_id)
        if path.exists():
            return path
        lock = self._locks.setdefault(task_id, asyncio.Lock())
        async with lock:
            if path.exists():
                return path
            data = await self._download(task_id, discord_url)
            tmp = path.with_suffix(".part")
            await asyncio.to_thread(tmp.write_bytes, data)
            await asyncio.to_thread(tmp.replace, path)
            log.info("image stored [task:%s bytes:%d]", task_id, len(data))
        self._locks.pop(task_id, None)
        return path

    async def _download(self, task_id: str, discord_url: str) -> bytes:
        url = self.cdn_url(discord_url)
        try:
            response = await self._client.get(url, timeout=60.0)
        except httpx.HTTPError as exc:
            raise DiscordConnectionError(f"image download failed: {exc}", task_id=task_id) from exc
        if response.status_code != httpx.codes.OK:
            raise DiscordHTTPError(
                f"image download answered {response.status_code}",
                status=response.status_code,
            )
        return response.content
