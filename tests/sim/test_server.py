from __future__ import annotations

import asyncio
import json
import logging
import re

import httpx
import pytest

from mjcore.sim import SimConfig, Simulator, serve
from tests.sim.conftest import fast_config
from tests.sim.rawclient import MJ_APP, RawGateway, RawRest


async def test_stop_with_live_connections_is_clean() -> None:
    async with Simulator(fast_config()) as sim:
        account = sim.add_account(name="zoe")
        gw = await RawGateway.connect(sim.gateway_url)
        await gw.recv()
        await gw.identify(account.token)
        async with httpx.AsyncClient(base_url=sim.base_url) as http:
            assert (
                await http.get("/api/v9/users/@me", headers={"Authorization": account.token})
            ).status_code == 200
            await sim.stop()
            assert await gw.closed_code() == 1012  # uvicorn's "service restart" on shutdown
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"{sim.base_url}/api/v9/gateway")


async def test_fixed_port_and_shared_channel() -> None:
    async with Simulator(fast_config()) as first:
        port = first.port
    async with Simulator(fast_config(), port=port) as sim:
        assert sim.base_url == f"http://127.0.0.1:{port}"
        alice = sim.add_account(
            name="alice", guild_id="1000000000000000001", channel_id="1000000000000000002"
        )
        bob = sim.add_account(
            name="bob", guild_id="1000000000000000001", channel_id="1000000000000000002"
        )
        assert (alice.guild_id, alice.channel_id) == (bob.guild_id, bob.channel_id)
        assert alice.dm_channel_id != bob.dm_channel_id
        watcher = await RawGateway.connect(sim.gateway_url)
        await watcher.recv()
        await watcher.identify(bob.token)
        async with httpx.AsyncClient(base_url=sim.base_url) as http:
            rest = RawRest(http, alice)
            _, nonce = await rest.imagine("shared", session_id=None)
            # bob sees alice's job messages in the shared channel, but no interaction events
            waiting = await watcher.wait_event("MESSAGE_CREATE", nonce=nonce)
            assert waiting["d"]["content"].startswith("**shared** - <@")
        assert not any(p["t"] == "INTERACTION_CREATE" for p in watcher.received)
        await watcher.close()


async def test_multipart_payload_json_interaction(sim: Simulator) -> None:
    account = sim.add_account(name="mia")
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        rest = RawRest(http, account)
        command = await rest.command("imagine")
        payload = {
            "type": 2,
            "application_id": MJ_APP,
            "guild_id": account.guild_id,
            "channel_id": account.channel_id,
            "nonce": "42",
            "data": {
                "version": command["version"],
                "id": command["id"],
                "name": "imagine",
                "type": 1,
                "options": [{"type": 3, "name": "prompt", "value": "multipart cat"}],
            },
        }
        response = await http.post(
            "/api/v9/interactions",
            files={"payload_json": (None, json.dumps(payload), "application/json")},
            headers=rest.headers,
        )
        assert response.status_code == 204
        await sim.wait_idle(5)
        job = sim.job_for_nonce("42")
        assert job is not None and job.status == "done"
        broken = await http.post("/api/v9/interactions", content=b"{not json", headers=rest.headers)
        assert broken.status_code == 400 and broken.json()["code"] == 50109


class _LogWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.demo_logged = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if "demo account" in record.getMessage():
            self.demo_logged.set()


async def test_serve_runs_until_cancelled() -> None:
    logger = logging.getLogger("mjcore.sim.server")
    watch = _LogWatch()
    logger.addHandler(watch)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        task = asyncio.create_task(serve("127.0.0.1", 0, SimConfig()))
        async with asyncio.timeout(10):
            await watch.demo_logged.wait()
    finally:
        logger.removeHandler(watch)
        logger.setLevel(previous)
    text = "\n".join(watch.messages)
    base = re.search(r"REST base: (http://127\.0\.0\.1:\d+)/api/v9", text)
    token = re.search(r"token=(\S+) user_id=(\d+)", text)
    assert base is not None and token is not None
    assert re.search(
        r"gateway: ws://127\.0\.0\.1:\d+/\?encoding=json&v=9&compress=zlib-stream", text
    )
    async with httpx.AsyncClient(base_url=base.group(1)) as http:
        me = await http.get("/api/v9/users/@me", headers={"Authorization": token.group(1)})
        assert me.json()["id"] == token.group(2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
