"""Stored files: photos (re-encoded into a PhotoSize ladder, as Telegram does) and documents."""

from __future__ import annotations

import io
import itertools
import mimetypes
import secrets
import warnings
from dataclasses import dataclass
from typing import Final, Literal

from PIL import Image, UnidentifiedImageError

from .errors import (
    ENTITY_TOO_LARGE,
    ENTITY_TOO_LARGE_TEXT,
    FILE_EMPTY,
    IMAGE_PROCESS_FAILED,
    PHOTO_INVALID_DIMENSIONS,
    PHOTO_TOO_BIG,
    ApiError,
    bad_request,
)
from .wire import DocumentJson, FileJson, PhotoSizeJson

MB: Final = 1024 * 1024
PHOTO_MAX_BYTES: Final = 10 * MB
PHOTO_MAX_WIDTH_PLUS_HEIGHT: Final = 10_000
PHOTO_MAX_RATIO: Final = 20
DOCUMENT_MAX_BYTES: Final = 50 * MB
DOWNLOAD_MAX_BYTES: Final = 20 * MB
URL_PHOTO_MAX_BYTES: Final = 5 * MB
URL_FILE_MAX_BYTES: Final = 20 * MB
PHOTO_SIDES: Final = (90, 320, 800, 1280, 2560)
JPEG_QUALITY: Final = 87

FileKind = Literal["photo", "document"]
FILE_ID_PREFIX: Final[dict[FileKind, str]] = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
}
KIND_NAMES: Final[dict[FileKind, str]] = {"photo": "Photo", "document": "Document"}


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file on the fake Telegram servers."""

    file_id: str
    file_unique_id: str
    kind: FileKind
    data: bytes
    file_path: str
    width: int = 0
    height: int = 0
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def photo_size(self) -> PhotoSizeJson:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def document(self) -> DocumentJson:
        doc: DocumentJson = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def file(self) -> FileJson:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(frozen=True, slots=True)
class DecodedPhoto:
    width: int
    height: int
    image: Image.Image


def decode_photo(data: bytes) -> DecodedPhoto:
    """Check a photo upload against Telegram's limits and decode it."""
    if not data:
        raise bad_request(FILE_EMPTY)
    if len(data) > PHOTO_MAX_BYTES:
        raise bad_request(PHOTO_TOO_BIG)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
    except Image.DecompressionBombError as exc:
        raise bad_request(PHOTO_INVALID_DIMENSIONS) from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise bad_request(IMAGE_PROCESS_FAILED) from exc
    if (
        width <= 0
        or height <= 0
        or width + height > PHOTO_MAX_WIDTH_PLUS_HEIGHT
        or max(width, height) / min(width, height) > PHOTO_MAX_RATIO
    ):
        raise bad_request(PHOTO_INVALID_DIMENSIONS)
    try:
        image.load()
    except OSError as exc:
        raise bad_request(IMAGE_PROCESS_FAILED) from exc
    return DecodedPhoto(width, height, image)


def _jpeg(image: Image.Image, width: int, height: int) -> bytes:
    copy = image.convert("RGB")
    if (width, height) != copy.size:
        copy = copy.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def photo_variants(photo: DecodedPhoto) -> list[tuple[int, int, bytes]]:
    """The PhotoSize ladder Telegram builds for a photo: JPEGs of growing size."""
    variants: list[tuple[int, int, bytes]] = []
    longest = max(photo.width, photo.height)
    for side in PHOTO_SIDES:
        scale = min(1.0, side / longest)
        width = max(1, round(photo.width * scale))
        height = max(1, round(photo.height * scale))
        variants.append((width, height, _jpeg(photo.image, width, height)))
        if scale == 1.0:
            break
    return variants


def check_document(data: bytes) -> None:
    if not data:
        raise bad_request(FILE_EMPTY)
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ApiError(ENTITY_TOO_LARGE, ENTITY_TOO_LARGE_TEXT)


class FileStore:
    """file_id -> bytes, plus the download paths ``getFile`` hands out."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_groups: dict[str, tuple[StoredFile, ...]] = {}
        self._counter = itertools.count()

    def _new_ids(self, kind: FileKind) -> tuple[str, str, int]:
        number = next(self._counter)
        file_id = f"{FILE_ID_PREFIX[kind]}{number:06d}{secrets.token_urlsafe(30)}"
        unique_id = f"AQAD{number:04d}{secrets.token_urlsafe(6)}"
        return file_id, unique_id, number

    def add_photo(self, data: bytes) -> tuple[StoredFile, ...]:
        """Store a photo upload; returns its sizes, smallest first."""
        stored: list[StoredFile] = []
        for width, height, jpeg in photo_variants(decode_photo(data)):
            file_id, unique_id, number = self._new_ids("photo")
            item = StoredFile(
                file_id=file_id,
                file_unique_id=unique_id,
                kind="photo",
                data=jpeg,
                file_path=f"photos/file_{number}.jpg",
                width=width,
                height=height,
                mime_type="image/jpeg",
            )
            self._remember(item)
            stored.append(item)
        group = tuple(stored)
        for item in group:
            self._photo_groups[item.file_id] = group
        return group

    def add_document(self, data: bytes, file_name: str | None) -> StoredFile:
        check_document(data)
        file_id, unique_id, number = self._new_ids("document")
        mime_type = mimetypes.guess_type(file_name)[0] if file_name else None
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        item = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            kind="document",
            data=data,
            file_path=f"documents/file_{number}{suffix}",
            file_name=file_name,
            mime_type=mime_type or "application/octet-stream",
        )
        self._remember(item)
        return item

    def _remember(self, item: StoredFile) -> None:
        self._by_id[item.file_id] = item
        self._by_path[item.file_path] = item

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def photo_group(self, file_id: str) -> tuple[StoredFile, ...] | None:
        """All sizes of the photo that a PhotoSize ``file_id`` belongs to."""
        return self._photo_groups.get(file_id)


def kind_name(kind: FileKind) -> str:
    return KIND_NAMES[kind]
