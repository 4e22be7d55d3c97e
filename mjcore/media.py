"""Images: Discord CDN rewriting, and durable local copies of final images.

Discord attachment links expire (signed ``ex=`` URLs), so each final image is downloaded once into
``MJ_DATA_DIR/images`` and served from there.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from mjcore.config import DISCORD_CDN
from mjcore.discord.transport import pooled_client
from mjcore.errors import DiscordConnectionError, DiscordHTTPError, ValidationError

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


MAX_CONCURRENT_DOWNLOADS = 4
CDN_TIMEOUT_SECONDS = 60.0


def cdn_client(proxy: str | None = None) -> httpx.AsyncClient:
    """The HTTP client for ``ImageStore``'s copies: as many connections as copies at once.

    A pool larger than its use keeps idle connections, and httpcore checks every one of them on
    each request; a client of its own also keeps copies from queueing behind other traffic.
    """
    return pooled_client(
        connections=MAX_CONCURRENT_DOWNLOADS, timeout=CDN_TIMEOUT_SECONDS, proxy=proxy
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` next to ``path`` and move it in place: readers never see half a file."""
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)


class ImageStore:
    """Local copies of task images under ``root``, one file per task id.

    At most ``max_downloads`` copies run at once: copies happen in the background, and a burst
    of them on one connection pool makes every request scan a long queue of waiting requests.
    """

    def __init__(
        self,
        root: Path,
        client: httpx.AsyncClient,
        *,
        cdn_base: str = DISCORD_CDN,
        max_downloads: int = MAX_CONCURRENT_DOWNLOADS,
    ):
        self._root = root
        self._client = client
        self._cdn_base = cdn_base
        self._locks: dict[str, asyncio.Lock] = {}
        self._downloads = asyncio.Semaphore(max_downloads)
        root.mkdir(parents=True, exist_ok=True)

    def path_for(self, task_id: str) -> Path:
        return self._root / f"{task_id}.img"

    def cdn_url(self, url: str) -> str:
        return rewrite_cdn(url, self._cdn_base)

    async def ensure(self, task_id: str, discord_url: str) -> Path:
        """The local copy of the task's image, downloading it the first time."""
        path = self.path_for(task_id)
        lock = self._locks.setdefault(task_id, asyncio.Lock())
        try:
            async with lock:
                if path.exists():
                    return path
                async with self._downloads:
                    data = await self._download(task_id, discord_url)
                await asyncio.to_thread(_write_atomically, path, data)
                log.debug("image stored [task:%s bytes:%d]", task_id, len(data))
        finally:
            if self._locks.get(task_id) is lock and not lock.locked():
                del self._locks[task_id]
        return path

    async def _download(self, task_id: str, discord_url: str) -> bytes:
        url = self.cdn_url(discord_url)
        try:
            response = await self._client.get(url, timeout=CDN_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise DiscordConnectionError(f"image download failed: {exc}", task_id=task_id) from exc
        if response.status_code != httpx.codes.OK:
            raise DiscordHTTPError(
                f"image download answered {response.status_code}",
                status=response.status_code,
            )
        return response.content


# ----------------------------------------------------------------------------- input images

MAX_INPUT_BYTES = 10 * 1024 * 1024
MAX_INPUT_PIXELS = 40_000_000
_ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}
_DATA_URL = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[\w=.-]+)*;base64,(?P<data>.*)$", re.S
)


@dataclass(frozen=True, slots=True)
class InputImage:
    """An image a caller gave us (image prompt, describe, blend, Vary Region mask), checked."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def decode_data_url(value: str) -> bytes:
    """Bytes of a ``data:image/...;base64,...`` URL (a bare base64 string is accepted too)."""
    found = _DATA_URL.match(value.strip())
    payload = found["data"] if found else value.strip()
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("image is not valid base64") from exc


def inspect_image(data: bytes) -> InputImage:
    """Decode with Pillow and check format and size; ``ValidationError`` otherwise."""
    if not data:
        raise ValidationError("image is empty")
    if len(data) > MAX_INPUT_BYTES:
        raise ValidationError(f"image is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            width, height = img.size
            if width * height > MAX_INPUT_PIXELS:
                raise ValidationError("image has too many pixels")
            img.verify()
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many types on hostile files; all mean "not an image"
        raise ValidationError("image cannot be decoded (png, jpeg, webp or gif expected)") from exc
    if fmt not in _ALLOWED_FORMATS:
        raise ValidationError(f"image format {fmt or 'unknown'} is not png, jpeg, webp or gif")
    ext = _ALLOWED_FORMATS[fmt]
    content_type = "image/jpeg" if ext == "jpg" else f"image/{ext}"
    return InputImage(data, ext, content_type, width, height)


class InputFiles:
    """Input images of tasks, kept until the task has been sent (on disk, so they survive restarts;
    in memory when ``root`` is None).

    Files are named ``{task_id}_{n}.{ext}``. Which tasks have files is known in memory (read from
    the directory once, at start), so a task without input images, which is most of them, costs
    no disk access when it is sent and when its inputs are dropped.
    """

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._memory: dict[str, list[InputImage]] = {}
        self._on_disk: set[str] = set()
        if root is not None:
            root.mkdir(parents=True, exist_ok=True)
            self._on_disk = {task_id for path in root.iterdir() if (task_id := _owner(path))}

    def _paths(self, root: Path, task_id: str) -> list[Path]:
        return sorted(root.glob(f"{task_id}_*"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))

    async def put(self, task_id: str, images: list[InputImage]) -> None:
        if self._root is None:
            self._memory[task_id] = images
            return
        self._on_disk.add(task_id)  # before writing: a drop meanwhile still finds the files
        for i, image in enumerate(images):
            path = self._root / f"{task_id}_{i}.{image.extension}"
            await asyncio.to_thread(path.write_bytes, image.data)

    async def get(self, task_id: str) -> list[InputImage]:
        if self._root is None:
            return list(self._memory.get(task_id, ()))
        if task_id not in self._on_disk:
            return []
        paths = await asyncio.to_thread(self._paths, self._root, task_id)
        return [inspect_image(await asyncio.to_thread(p.read_bytes)) for p in paths]

    async def drop(self, task_id: str) -> None:
        self._memory.pop(task_id, None)
        if self._root is not None and task_id in self._on_disk:
            for path in await asyncio.to_thread(self._paths, self._root, task_id):
                await asyncio.to_thread(path.unlink, missing_ok=True)
            self._on_disk.discard(task_id)


def _owner(path: Path) -> str | None:
    """The task id of an input file ``{task_id}_{n}.{ext}`` (None for any other file)."""
    task_id, _, number = path.stem.rpartition("_")
    return task_id if task_id and number.isdigit() else None
