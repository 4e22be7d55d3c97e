"""HTTP clients for the two requests every job makes (the interaction, the image copy).

They keep httpx's API (``DiscordRest`` and ``ImageStore`` take any ``httpx.AsyncClient``; tests
pass their own transports) over aiohttp's connection pool (``httpx-aiohttp``), which costs about
half the CPU per request of httpx's own pool. A plain request (a body of bytes, headers, nothing
else) goes straight to aiohttp, skipping httpx's request building, auth, cookie and redirect
layers: that is about half of what the request still cost on the client's side.

Failures are mapped by *when* they happened, which decides whether a POST may be sent again:
before the request left (the connection could not be made) is ``httpx.ConnectError`` or
``ConnectTimeout``; after it (the peer closed or reset the connection, the answer was cut) is
``httpx.ReadError``, because Discord may already have run the interaction.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast
from urllib.parse import urlsplit

import aiohttp
import httpx
from httpx._client import USE_CLIENT_DEFAULT, UseClientDefault
from httpx._types import HeaderTypes, RequestContent, TimeoutTypes
from httpx_aiohttp import AiohttpTransport
from multidict import CIMultiDict

HTTP_PROXY_SCHEMES = frozenset({"http", "https"})
HTTP_1_1 = b"HTTP/1.1"


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
    return PooledClient(transport=transport, timeout=timeout)


class PooledTransport(AiohttpTransport):
    """aiohttp's pool with failures mapped to httpx's errors by when they happened."""

    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session behind this transport (made on first use, like the transport's)."""
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        return self.client

    def proxy_options(self) -> dict[str, Any]:
        """aiohttp's proxy arguments for this transport's proxy (none without one)."""
        if self.proxy is None:
            return {}
        auth = self.proxy.auth
        return {
            "proxy": str(self.proxy.url),
            "proxy_auth": aiohttp.BasicAuth(auth[0], auth[1]) if auth else None,
            "proxy_headers": self.proxy.headers,
        }

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


class PooledClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose plain requests go straight to its transport's aiohttp session.

    A plain request: a ``str`` URL, a ``bytes`` body or none, headers, a timeout, and a client
    with no base URL, auth or event hooks. It is sent as the transport would send it (no
    redirects, the body left encoded for httpx to decode), and its answer is read whole into an
    ``httpx.Response``. Anything else takes httpx's own path through the same transport.

    Cookies: on either path, aiohttp's session keeps those the server sets and sends them back,
    and cookies set on this client are sent too.
    """

    async def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: Any = None,
        files: Any = None,
        json: Any | None = None,
        params: Any = None,
        headers: HeaderTypes | None = None,
        cookies: Any = None,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Response:
        transport = self._transport
        if (
            isinstance(url, str)
            and isinstance(transport, PooledTransport)
            and isinstance(content, bytes | None)
            and data is None
            and files is None
            and json is None
            and not params
            and cookies is None
            and auth is USE_CLIENT_DEFAULT
            and extensions is None
            and not self._plain_requests_need_httpx(follow_redirects)
        ):
            return await self._send_plain(transport, method, url, content, headers, timeout)
        return await super().request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def _plain_requests_need_httpx(self, follow_redirects: bool | UseClientDefault) -> bool:
        redirects = (
            self.follow_redirects
            if isinstance(follow_redirects, UseClientDefault)
            else follow_redirects
        )
        hooks = self.event_hooks
        return bool(
            redirects
            or str(self.base_url)
            or self.auth is not None
            or hooks["request"]
            or hooks["response"]
        )

    async def _send_plain(
        self,
        transport: PooledTransport,
        method: str,
        url: str,
        content: bytes | None,
        headers: HeaderTypes | None,
        timeout: TimeoutTypes | UseClientDefault,
    ) -> httpx.Response:
        merged: CIMultiDict[str] = CIMultiDict(self.headers.multi_items())
        if isinstance(headers, Mapping) and all(isinstance(key, str) for key in headers):
            merged.update(cast(Mapping[str, str], headers))
        elif headers:
            merged.update(httpx.Headers(headers).multi_items())
        limits = self.timeout if isinstance(timeout, UseClientDefault) else httpx.Timeout(timeout)
        jar = self.cookies
        try:
            async with transport.session().request(
                method,
                url,
                headers=merged,
                data=content or None,
                allow_redirects=False,
                auto_decompress=False,
                compress=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=limits.connect, sock_read=limits.read, connect=limits.pool
                ),
                cookies=dict(jar) if jar else None,
                **transport.proxy_options(),
            ) as answer:
                body = await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise (httpx_error(exc) or httpx.TransportError(str(exc))) from exc
        extensions: dict[str, Any] = {"http_version": HTTP_1_1}
        if answer.reason:
            extensions["reason_phrase"] = answer.reason.encode()
        return PlainResponse(
            (method, url),
            answer.status,
            headers=answer.raw_headers,
            content=body,
            extensions=extensions,
        )


class PlainResponse(httpx.Response):
    """The answer to a plain request: its ``request`` is made when first asked for (parsing the
    URL again cost as much as the rest of building the response)."""

    def __init__(self, sent: tuple[str, str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sent = sent

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            self._request = httpx.Request(*self._sent)
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> httpx.Response:
        _ = self.request
        return super().raise_for_status()


def remapped(exc: httpx.TransportError) -> httpx.TransportError:
    """The httpx error for the aiohttp failure behind ``exc`` (``exc`` itself if none fits)."""
    cause = exc.__cause__
    return (httpx_error(cause) if cause is not None else None) or exc


def httpx_error(cause: BaseException) -> httpx.TransportError | None:
    """httpx's error for an aiohttp failure, named by when it happened (None if none fits)."""
    message = str(cause)
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(cause, aiohttp.ClientConnectorError):  # proxy connection errors included
        return httpx.ConnectError(message)
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(cause, aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
        return httpx.ReadError(message)
    if isinstance(cause, aiohttp.ClientResponseError):  # an answer that is not HTTP
        return httpx.RemoteProtocolError(message)
    if isinstance(cause, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    return None
