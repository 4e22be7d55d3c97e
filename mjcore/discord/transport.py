"""HTTP clients for the two requests every job makes (the interaction, the image copy).

They keep httpx's API (``DiscordRest`` and ``ImageStore`` take any ``httpx.AsyncClient``; tests
pass their own transports) over aiohttp's connection pool (``httpx-aiohttp``), which costs about
half the CPU per request of httpx's own pool.

Failures are mapped by *when* they happened, which decides whether a POST may be sent again:
before the request left (the connection could not be made) is ``httpx.ConnectError`` or
``ConnectTimeout``; after it (the peer closed or reset the connection, the answer was cut) is
``httpx.ReadError``, because Discord may already have run the interaction.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

HTTP_PROXY_SCHEMES = frozenset({"http", "https"})


def pooled_client(
    *,
    connections: int,
    timeout: float,
    verify: ssl.SSLContext | bool = True,
    proxy: str | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on aiohttp with at most ``connections`` connections.

    aiohttp speaks to HTTP proxies only; another proxy (e.g. SOCKS) gets httpx's own pool.
    """
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    if proxy and urlsplit(proxy).scheme not in HTTP_PROXY_SCHEMES:
        return httpx.AsyncClient(proxy=proxy, verify=verify, limits=limits, timeout=timeout)
    transport = PooledTransport(
        verify=verify, limits=limits, proxy=httpx.Proxy(proxy) if proxy else None
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout)


class PooledTransport(AiohttpTransport):
    """aiohttp's pool with failures mapped to httpx's errors by when they happened."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as exc:
            raise remapped(exc) from exc
        response.stream = _RemappedStream(response.stream)
        return response


class _RemappedStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream | httpx.SyncByteStream) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except httpx.TransportError as exc:
            raise remapped(exc) from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


def remapped(exc: httpx.TransportError) -> httpx.TransportError:
    """The httpx error for the aiohttp failure behind ``exc`` (``exc`` itself if none fits)."""
    cause = exc.__cause__
    message = str(cause or exc)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(cause, aiohttp.ClientConnectorError):  # proxy connection errors included
        return httpx.ConnectError(message)
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(cause, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return httpx.ReadError(message)
    return exc
