"""A callback receiver on 127.0.0.1: just enough HTTP/1.1 to take JSON POSTs and answer 200."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

HEADER_END = b"\r\n\r\n"
READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    body: Any


@dataclass
class CallbackReceiver:
    received: list[Received] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def url(self, path: str = "/hook") -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{path}"

    def bodies(self, path: str) -> list[Any]:
        return [r.body for r in self.received if r.path == path]

    async def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = 20.0
    ) -> list[Received]:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.received))
        return list(self.received)

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @contextlib.asynccontextmanager
    async def listening_on(self, sock: socket.socket) -> AsyncIterator[Self]:
        """Serve on an already bound socket (to start listening late)."""
        self._server = await asyncio.start_server(self._handle, sock=sock)
        try:
            yield self
        finally:
            await self.__aexit__(None, None, None)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                head = await reader.readuntil(HEADER_END)
                lines = head.decode("latin-1").split("\r\n")
                _, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        finally:
            writer.close()
        async with self._changed:
            self.received.append(
                Received(path, headers.get("content-type", ""), json.loads(body or b"null"))
            )
            self._changed.notify_all()
