"""Uploaded images, kept as files: ``<root>/<uuid>/<stem>.<ext>``.

The name ``<uuid>/<stem>.<ext>`` is what clients get back (the trigger API's
``upload_filename``) and hand in again later, so it is checked strictly before any file access.
"""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from uuid import uuid4

from mjcore.api.compat.filenames import extension_for
from mjcore.api.compat.options import CompatOptions
from mjcore.engine import Engine
from mjcore.media import sniff_content_type

log = logging.getLogger(__name__)

UPLOADS_DIR_NAME = "uploads"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NAME_RE = re.compile(rf"^{_UUID}/\w{{1,32}}\.\w{{3,4}}$")
_SNIFF_BYTES = 16


def image_extension(data: bytes) -> str | None:
    """``png``/``jpg``/``webp``/``gif`` when ``data`` is such an image, else ``None``."""
    return extension_for(sniff_content_type(data[:_SNIFF_BYTES]))


def upload_root(engine: Engine, options: CompatOptions) -> Path | None:
    """``options.upload_dir``, else ``uploads`` next to the engine's image directory."""
    if options.upload_dir is not None:
        return options.upload_dir
    if engine.images is not None:
        return engine.images.path_for("probe").parent.parent / UPLOADS_DIR_NAME
    return None


def stem_of(name: str) -> str:
    """The file stem of an upload name (``<uuid>/<stem>.<ext>`` -> ``<stem>``)."""
    return name.rsplit("/", 1)[-1].split(".", 1)[0]


class UploadStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def path_of(self, name: str) -> Path | None:
        """The file of upload ``name``; ``None`` for a name this store never hands out."""
        if not _NAME_RE.match(name):
            return None
        return self._root / name

    async def save(self, data: bytes, stem: str) -> str:
        """Store an image under a fresh name ``<uuid>/<stem>.<ext>`` and return that name."""
        extension = image_extension(data)
        if extension is None:
            raise ValueError("not an image")
        name = f"{uuid4()}/{stem}.{extension}"
        path = self._root / name
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, data)
        log.info("upload stored [name:%s bytes:%d]", name, len(data))
        return name

    async def load(self, name: str) -> bytes | None:
        path = self.path_of(name)
        if path is None or not await asyncio.to_thread(path.is_file):
            return None
        return await asyncio.to_thread(path.read_bytes)
