"""``pooled_client``: httpx's API over aiohttp, failures named by when they happened.

Real sockets on 127.0.0.1: a port nobody listens on, and a server that reads the request and
then drops the connection (as a peer that ran the request but whose answer was lost).
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from mjcore.discord.rest import CONNECT_ERRORS, DiscordRest
from mjcore.discord.transport import PooledTransport, pooled_client
from mjcore.errors import DiscordConnectionError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]
TIMEOUT = 10.0


async def answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        length = next((int(h.split(b":")[1]) for h in lines if h.startswith(b"content-length")), 0)
        body = await reader.readexactly(length)
        reply = b'{"got":' + str(len(body)).encode() + b"}"
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(reply)).encode()
            + b"\r\n\r\n"
            + reply
        )
        await writer.drain()


async def drop_after_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.transport.abort()  # read, maybe acted on, never answered


async def half_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"cut')
    await writer.drain()
    writer.transport.abort()


async def serve(handler: Handler) -> AsyncIterator[str]:
    """The server's URL while the loop body runs; then every connection it took is closed."""
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await handler(reader, writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"
    for writer in writers:
        writer.close()


@pytest.fixture
async def ok_url() -> AsyncIterator[str]:
    async for url in serve(answer_ok):
        yield url


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_requests_and_answers_go_through(ok_url: str) -> None:
    async with pooled_client(connections=2, timeout=TIMEOUT) as client:
        for size in (0, 3, 5):
            response = await client.post(f"{ok_url}/x", content=b"a" * size)
            assert response.status_code == httpx.codes.OK
            assert response.json() == {"got": size}


async def test_no_listener_is_a_connect_error() -> None:
    async with pooled_client(connections=1, timeout=TIMEOUT) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{closed_port()}/interactions", json={})


@pytest.mark.parametrize("handler", [drop_after_request, half_answer])
async def test_a_dropped_answer_is_a_read_error_never_a_connect_error(handler: Handler) -> None:
    async for url in serve(handler):
        async with pooled_client(connections=1, timeout=TIMEOUT) as client:
            with pytest.raises(httpx.TransportError) as raised:
                await client.post(f"{url}/interactions", json={"type": 2})
    assert isinstance(raised.value, httpx.ReadError | httpx.RemoteProtocolError)
    assert not isinstance(raised.value, CONNECT_ERRORS)


async def test_discord_rest_sends_an_interaction_once_when_its_answer_is_lost() -> None:
    requests: list[bytes] = []

    async def count_then_drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.transport.abort()

    async for url in serve(count_then_drop):
        async with pooled_client(connections=1, timeout=TIMEOUT) as client:
            rest = DiscordRest(client, base_url=url, token="t", user_agent="ua")
            with pytest.raises(DiscordConnectionError):
                await rest.interact({"type": 2})
    assert len(requests) == 1  # a POST whose answer was lost is not sent again


# --- plain requests: straight to aiohttp, answered as httpx's own path answers them -----------


class Recorder:
    """A server that records each request's head and body and answers from ``replies``."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.heads: list[dict[str, str]] = []
        self.lines: list[bytes] = []
        self.bodies: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                writer.close()
                return
            request_line, *lines = head[:-4].split(b"\r\n")
            fields = {
                k.strip().lower().decode(): v.strip().decode()
                for k, _, v in (line.partition(b":") for line in lines)
            }
            length = int(fields.get("content-length", "0"))
            self.lines.append(request_line)
            self.heads.append(fields)
            self.bodies.append(await reader.readexactly(length))
            writer.write(self.reply)
            await writer.drain()


def gzip_reply(payload: bytes) -> bytes:
    body = gzip.compress(payload)
    return (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"X-Seen: yes\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


async def send_both_ways(
    recorder: Recorder,
    send: Callable[[httpx.AsyncClient, str], Coroutine[Any, Any, httpx.Response]],
) -> tuple[httpx.Response, httpx.Response]:
    """The same request through ``pooled_client`` and through httpx's own path over the same
    kind of transport."""
    async for url in serve(recorder):
        async with pooled_client(connections=1, timeout=TIMEOUT) as plain:
            fast = await send(plain, url)
        transport = PooledTransport(limits=httpx.Limits(max_connections=1))
        async with httpx.AsyncClient(transport=transport, timeout=TIMEOUT) as full:
            slow = await send(full, url)
    return fast, slow


async def test_a_plain_request_is_sent_and_answered_as_httpx_sends_and_answers_it() -> None:
    recorder = Recorder(gzip_reply(b'{"id": "42"}'))

    async def send(client: httpx.AsyncClient, url: str) -> httpx.Response:
        client.headers["User-Agent"] = "client-default"
        client.headers["X-Client"] = "kept"
        return await client.request(
            "POST",
            f"{url}/api/v9/interactions",
            content=b'{"type":2}',
            headers={"user-agent": "per-request", "Content-Type": "application/json"},
        )

    fast, slow = await send_both_ways(recorder, send)
    for response in (fast, slow):
        assert response.status_code == httpx.codes.CREATED
        assert response.reason_phrase == "Created"
        assert response.json() == {"id": "42"}  # the gzip body decoded by httpx
        assert response.headers["x-seen"] == "yes"
        assert response.request.method == "POST"
        assert response.request.url.path == "/api/v9/interactions"
        assert response.http_version == "HTTP/1.1"
    assert recorder.lines == [b"POST /api/v9/interactions HTTP/1.1"] * 2
    assert recorder.bodies == [b'{"type":2}'] * 2
    fast_head, slow_head = recorder.heads
    for head in (fast_head, slow_head):
        assert head["user-agent"] == "per-request"  # the request's header wins, in any case
        assert head["x-client"] == "kept"
        assert head["content-type"] == "application/json"
        assert head["content-length"] == "10"
    assert fast_head.keys() == slow_head.keys()


async def test_a_request_with_a_query_takes_httpx_path_and_still_arrives_whole() -> None:
    recorder = Recorder(gzip_reply(b"[]"))

    async def send(client: httpx.AsyncClient, url: str) -> httpx.Response:
        return await client.get(f"{url}/channels/1/messages", params={"limit": 2, "after": "9"})

    fast, slow = await send_both_ways(recorder, send)
    assert fast.json() == slow.json() == []
    assert recorder.lines == [b"GET /channels/1/messages?limit=2&after=9 HTTP/1.1"] * 2


async def test_an_answer_that_never_comes_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.read()  # until the client gives up and closes
        writer.close()

    async for url in serve(silent):
        async with pooled_client(connections=1, timeout=TIMEOUT) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.post(f"{url}/interactions", content=b"{}", timeout=0.2)


async def test_an_answer_that_is_not_http_is_a_protocol_error_never_a_connect_error() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
        await reader.read()
        writer.close()

    async for url in serve(garbage):
        async with pooled_client(connections=1, timeout=TIMEOUT) as client:
            with pytest.raises(httpx.TransportError) as raised:
                await client.post(f"{url}/interactions", content=b"{}")
    assert not isinstance(raised.value, CONNECT_ERRORS)


async def test_a_plain_answer_names_its_request_when_its_status_is_an_error() -> None:
    recorder = Recorder(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    async def send(client: httpx.AsyncClient, url: str) -> httpx.Response:
        return await client.get(f"{url}/attachments/1/2/gone.png")

    for response in await send_both_ways(recorder, send):
        with pytest.raises(httpx.HTTPStatusError) as raised:
            response.raise_for_status()
        assert raised.value.request.url.path == "/attachments/1/2/gone.png"
        assert response.url.path == "/attachments/1/2/gone.png"


async def test_cookies_set_on_the_client_go_with_a_plain_request() -> None:
    recorder = Recorder(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")

    async def send(client: httpx.AsyncClient, url: str) -> httpx.Response:
        client.cookies.set("locale", "en-US")
        return await client.post(f"{url}/api/v9/interactions", content=b"{}")

    await send_both_ways(recorder, send)
    assert [head.get("cookie") for head in recorder.heads] == ["locale=en-US"] * 2
