"""Gateway ``compress=zlib-stream`` decoding, sans-I/O: bytes in, JSON payloads out."""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson

ZLIB_SUFFIX = b"\x00\x00\xff\xff"  # Z_SYNC_FLUSH marker that ends every complete payload


class GatewayDecodeError(ValueError):
    """A frame was not valid zlib-stream data or did not hold a JSON object."""


def decode_json(data: str | bytes) -> dict[str, Any]:
    """Parse one gateway payload; it must be a JSON object."""
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        payload = _strict_fallback(data)
    if not isinstance(payload, dict):
        raise GatewayDecodeError("gateway payload is not a JSON object")
    return payload


def _strict_fallback(data: str | bytes) -> Any:
    """The standard parser, for what orjson refuses but JSON allows (lone surrogate escapes)."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GatewayDecodeError(f"gateway payload is not JSON: {exc}") from exc


class ZlibStreamDecoder:
    """One shared inflate context per connection; frames are buffered until the flush suffix."""

    def __init__(self) -> None:
        self._inflator = zlib.decompressobj()
        self._buffer = bytearray()

    def feed(self, frame: bytes) -> dict[str, Any] | None:
        """Add a binary frame; return the payload it completes, or ``None`` if more is needed."""
        self._buffer += frame
        if not self._buffer.endswith(ZLIB_SUFFIX):
            return None
        data = bytes(self._buffer)
        self._buffer.clear()
        try:
            inflated = self._inflator.decompress(data)
        except zlib.error as exc:
            raise GatewayDecodeError(f"bad zlib-stream data: {exc}") from exc
        return decode_json(inflated)
