"""Names inside Discord attachment URLs (``/attachments/<channel>/<attachment id>/<file name>``)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_CONTENT_TYPES = {
    "png": "image/png",
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
}
_EXTENSIONS = {"image/png": "png", "image/webp": "webp", "image/jpeg": "jpg", "image/gif": "gif"}


def url_filename(url: str) -> str:
    """The last path segment of ``url`` (no query string), percent-decoded."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def url_attachment_id(url: str) -> int:
    """The attachment id of a Discord attachment URL; 0 when the URL has none."""
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) >= 3 and parts[-2].isdigit():
        return int(parts[-2])
    return 0


def content_type_for(filename: str) -> str:
    return _CONTENT_TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def extension_for(content_type: str) -> str | None:
    """File extension of an image content type; ``None`` for anything that is not an image."""
    return _EXTENSIONS.get(content_type)
