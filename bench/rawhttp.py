"""A minimal HTTP/1.1 keep-alive GET client on asyncio streams.

Measuring clients that share a process with the server use it instead of httpx, whose per-request
CPU cost would be charged to the server. Only what the benchmarks need: GET, Content-Length
bodies, no redirects, no chunked encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = b"content-length:"
STATUS_SLICE = slice(9, 12)  # "HTTP/1.1 200 OK": the three status digits
CONNECT_TIMEOUT_SECONDS = 10.0
REQUEST_TIMEOUT_SECONDS = 60.0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of the next response on ``reader``."""
    head = await reader.readuntil(HEADER_END)
    status = int(head[STATUS_SLICE])
    length = 0
    for line in head.lower().split(b"\r\n"):
        if line.startswith(CONTENT_LENGTH):
            length = int(line[len(CONTENT_LENGTH) :])
    body = await reader.readexactly(length) if length else b""
    return status, body


def get_request(path: str | bytes, host: str, port: int) -> bytes:
    raw = path.encode() if isinstance(path, str) else path
    return b"GET " + raw + f" HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


class RawClient:
    """Up to ``size`` keep-alive connections to one server, reused across requests."""

    def __init__(self, host: str, port: int, size: int = 8) -> None:
        self.host = host
        self.port = port
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )
        self._gate = asyncio.Semaphore(size)
        self._all: list[asyncio.StreamWriter] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if not self._idle.empty():
            return self._idle.get_nowait()
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            reader, writer = await asyncio.open_connection(self.host, self.port)
        self._all.append(writer)
        return reader, writer

    async def get_json(self, path: str) -> tuple[int, Any]:
        async with self._gate:
            reader, writer = await self._connection()
            writer.write(get_request(path, self.host, self.port))
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                status, body = await read_response(reader)
            self._idle.put_nowait((reader, writer))
        return status, json.loads(body) if body else None

    async def aclose(self) -> None:
        for writer in self._all:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        self._all.clear()
