"""Real image bytes for simulated jobs (Pillow): distinct colours per job uuid.

A grid is four flat quadrants whose colours derive from the job uuid, so a client that splits
a grid can check it got four different images; a single image is one colour from its own uuid.
"""

from __future__ import annotations

import colorsys
import hashlib
import io

from PIL import Image, ImageDraw

PNG = "image/png"
WEBP = "image/webp"
QUADRANTS = 4
PNG_COMPRESS_LEVEL = 1
WEBP_QUALITY = 50
MIN_SIDE = 16


def job_colour(job_id: str, index: int = 0) -> tuple[int, int, int]:
    """A saturated RGB colour that is stable for (job, index) and differs between quadrants."""
    digest = hashlib.sha256(job_id.encode()).digest()
    hue = (digest[0] / 255 + index / QUADRANTS) % 1.0
    lightness = 0.35 + digest[1] / 255 * 0.3
    r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.85)
    return (round(r * 255), round(g * 255), round(b * 255))


def dimensions(ratio: tuple[int, int], long_side: int) -> tuple[int, int]:
    """Width and height for an aspect ratio, long side fixed, both even."""
    w, h = ratio
    if w >= h:
        width, height = long_side, round(long_side * h / w)
    else:
        width, height = round(long_side * w / h), long_side
    return (max(MIN_SIDE, width - width % 2), max(MIN_SIDE, height - height % 2))


def _encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    if content_type == WEBP:
        image.save(out, format="WEBP", quality=WEBP_QUALITY)
    else:
        image.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def grid_image(job_id: str, size: tuple[int, int], content_type: str = PNG) -> bytes:
    """2x2 grid: quadrant i (row-major) has ``job_colour(job_id, i)``."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    for i in range(QUADRANTS):
        x, y = (i % 2) * half_w, (i // 2) * half_h
        x_end = width if i % 2 else half_w
        y_end = height if i // 2 else half_h
        draw.rectangle((x, y, x_end - 1, y_end - 1), fill=job_colour(job_id, i))
    return _encode(image, content_type)


def single_image(job_id: str, size: tuple[int, int], content_type: str = PNG) -> bytes:
    image = Image.new("RGB", size, job_colour(job_id))
    return _encode(image, content_type)


def preview_image(job_id: str, side: int, percent: int) -> bytes:
    """A progress preview (webp): the grid darkened by how far the job is from done."""
    image = Image.new("RGB", (side, side))
    draw = ImageDraw.Draw(image)
    half = side // 2
    factor = 0.3 + 0.7 * percent / 100
    for i in range(QUADRANTS):
        r, g, b = job_colour(job_id, i)
        x, y = (i % 2) * half, (i // 2) * half
        colour = (round(r * factor), round(g * factor), round(b * factor))
        draw.rectangle((x, y, x + half - 1, y + half - 1), fill=colour)
    return _encode(image, WEBP)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height if ``data`` is an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
