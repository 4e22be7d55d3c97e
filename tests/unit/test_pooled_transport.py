"""``pooled_client``: httpx's API over aiohttp, failures named by when they happened.

Real sockets on 127.0.0.1: a port nobody listens on, and a server that reads the request and
then drops the connection (as a peer that ran the request but whose answer was lost).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from mjcore.discord.rest import CONNECT_ERRORS, DiscordRest
from mjcore.discord.transport import pooled_client
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
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


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
