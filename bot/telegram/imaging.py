"""Pillow work for Telegram: photos within Telegram's limits, small previews, region masks.

All functions are pure and blocking (call them through ``asyncio.to_thread``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

from PIL import Image, ImageDraw, UnidentifiedImageError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDE_SUM = 10_000
MAX_PHOTO_ASPECT = 20
JPEG_QUALITIES = (90, 82, 72, 60, 45)
SHRINK_STEP = 0.8
PREVIEW_SIDE = 640
PREVIEW_QUALITY = 70
_BACKGROUND = (255, 255, 255)
Converter = Callable[[bytes], bytes]
_EXTENSIONS: Mapping[str, str] = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


class ImageError(Exception):
    """The bytes are not an image Pillow can read."""


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"not a readable image: {exc}") from exc
    return image


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB") if image.mode != "RGB" else image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def telegram_photo(
    data: bytes,
    *,
    max_bytes: int = MAX_PHOTO_BYTES,
    max_side_sum: int = MAX_PHOTO_SIDE_SUM,
) -> bytes:
    """A JPEG Telegram accepts as a photo: at most ``max_bytes``, width + height within limit,
    aspect ratio at most 20 (padded when wider)."""
    image = _rgb(_open(data))
    width, height = image.size
    if max(width, height) > MAX_PHOTO_ASPECT * min(width, height):
        side = max(width, height) // MAX_PHOTO_ASPECT + 1
        padded = Image.new("RGB", (max(width, side), max(height, side)), _BACKGROUND)
        padded.paste(image, ((padded.width - width) // 2, (padded.height - height) // 2))
        image = padded
    if image.width + image.height > max_side_sum:
        factor = max_side_sum / (image.width + image.height)
        image = image.resize(_scaled(image.size, factor), Image.Resampling.LANCZOS)
    while True:
        for quality in JPEG_QUALITIES:
            encoded = _jpeg(image, quality)
            if len(encoded) <= max_bytes:
                return encoded
        image = image.resize(_scaled(image.size, SHRINK_STEP), Image.Resampling.LANCZOS)


def preview(data: bytes, *, side: int = PREVIEW_SIDE) -> bytes:
    """A small JPEG of a progress image (cheap to upload on every edit)."""
    image = _rgb(_open(data))
    image.thumbnail((side, side), Image.Resampling.BILINEAR)
    return _jpeg(image, PREVIEW_QUALITY)


def size_of(data: bytes) -> tuple[int, int]:
    return _open(data).size


def extension_of(data: bytes) -> str:
    """File extension of the image format (``png``, ``jpg``, ``webp``)."""
    fmt = _open(data).format or ""
    return _EXTENSIONS.get(fmt, "img")


REGION_AREAS = ("center", "left", "right", "top", "bottom")


def region_mask(width: int, height: int, area: str) -> bytes:
    """A Vary (Region) mask PNG: black background, the chosen area white."""
    boxes = {
        "center": (width // 4, height // 4, width * 3 // 4, height * 3 // 4),
        "left": (0, 0, width // 2, height),
        "right": (width // 2, 0, width, height),
        "top": (0, 0, width, height // 2),
        "bottom": (0, height // 2, width, height),
    }
    if area not in boxes:
        raise ValueError(f"unknown area {area!r}")
    left, top, right, bottom = boxes[area]
    mask = Image.new("RGB", (width, height), (0, 0, 0))
    ImageDraw.Draw(mask).rectangle((left, top, right - 1, bottom - 1), fill=(255, 255, 255))
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def _scaled(size: tuple[int, int], factor: float) -> tuple[int, int]:
    return max(1, int(size[0] * factor)), max(1, int(size[1] * factor))
