"""Callback delivery over real sockets: retries while the receiver is unreachable, in order."""

from __future__ import annotations

import asyncio
import socket

import httpx

from mjcore.api.compat.delivery import Callback, CallbackSender
from tests.integration.compat.receiver import CallbackReceiver


async def test_retries_until_the_receiver_listens_and_keeps_order() -> None:
    # a port that refuses connections until the receiver starts listening on it
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/late"
    receiver = CallbackReceiver()
    async with httpx.AsyncClient() as http:
        sender = CallbackSender(http, timeout_seconds=5.0, attempts=50, retry_delay_seconds=0.02)
        async with sender:
            for n in range(3):
                sender.send(Callback(url, {"n": n}, task_id=str(n)))
            await asyncio.sleep(0.1)  # a few refused attempts
            assert sender.pending > 0
            async with receiver.listening_on(sock):
                await receiver.wait_for(lambda r: len(r) == 3)
    assert [r.body for r in receiver.received] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert {r.path for r in receiver.received} == {"/late"}


async def test_gives_up_after_the_attempts_and_goes_on() -> None:
    async with CallbackReceiver() as receiver, httpx.AsyncClient() as http:
        dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        dead.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        dead_url = f"http://127.0.0.1:{dead.getsockname()[1]}/dead"
        try:
            async with CallbackSender(
                http, timeout_seconds=5.0, attempts=2, retry_delay_seconds=0.01
            ) as sender:
                sender.send(Callback(dead_url, {"n": "lost"}, task_id="a"))
                sender.send(Callback(receiver.url("/alive"), {"n": "kept"}, task_id="b"))
                await receiver.wait_for(lambda r: len(r) == 1)
        finally:
            dead.close()
    assert [r.body for r in receiver.received] == [{"n": "kept"}]
