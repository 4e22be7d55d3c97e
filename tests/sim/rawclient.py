"""A deliberately minimal raw Discord client (websockets + httpx) that drives the simulator."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from mjcore.sim import SimAccount, Simulator

Json = dict[str, Any]
MJ_APP = "936929561302675456"
RECV_TIMEOUT = 5.0
SYNC_FLUSH_SUFFIX = b"\x00\x00\xff\xff"


class RawGateway:
    """One websocket; records every payload; optional zlib-stream."""

    def __init__(self, ws: ClientConnection, compress: bool) -> None:
        self.ws = ws
        self.compress = compress
        self.inflater = zlib.decompressobj()
        self.frames: list[str | bytes] = []
        self.received: list[Json] = []
        self.seq: int | None = None
        self.session_id: str | None = None
        self._pending: list[Json] = []

    @classmethod
    async def connect(cls, base: str, *, compress: bool = True, v: int = 9) -> RawGateway:
        query = f"/?encoding=json&v={v}" + ("&compress=zlib-stream" if compress else "")
        ws = await websockets.connect(base + query, max_size=None)
        return cls(ws, compress)

    async def recv(self, timeout: float = RECV_TIMEOUT) -> Json:
        if self._pending:
            return self._pending.pop(0)
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        self.frames.append(raw)
        if self.compress:
            assert isinstance(raw, bytes), "zlib-stream payloads arrive as binary frames"
            assert raw.endswith(SYNC_FLUSH_SUFFIX)
            text = self.inflater.decompress(raw).decode()
        else:
            assert isinstance(raw, str), "uncompressed payloads arrive as text frames"
            text = raw
        payload: Json = json.loads(text)
        if payload.get("s") is not None:
            self.seq = payload["s"]
        self.received.append(payload)
        return payload

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send(json.dumps({"op": op, "d": d}))

    async def identify(self, token: str, *, capabilities: int = 16381) -> Json:
        await self.send(
            2,
            {
                "token": token,
                "capabilities": capabilities,
                "properties": {"os": "Windows", "browser": "Chrome", "device": ""},
                "compress": False,
                "client_state": {"guild_versions": {}},
                "presence": {"status": "online", "since": 0, "activities": [], "afk": False},
            },
        )
        ready = await self.wait_event("READY")
        self.session_id = ready["d"]["session_id"]
        return ready

    async def wait_for(self, predicate: Any, timeout: float = RECV_TIMEOUT) -> Json:
        async with asyncio.timeout(timeout):
            while True:
                payload = await self.recv(timeout)
                if predicate(payload):
                    return payload

    async def wait_event(self, name: str, timeout: float = RECV_TIMEOUT, **match: Any) -> Json:
        def matches(p: Json) -> bool:
            if p.get("t") != name:
                return False
            return all(p["d"].get(k) == v for k, v in match.items())

        return await self.wait_for(matches, timeout)

    async def closed_code(self, timeout: float = RECV_TIMEOUT) -> int | None:
        """Read until the server closes; the close code (None for an abrupt drop)."""
        async with asyncio.timeout(timeout):
            try:
                while True:
                    await self.ws.recv()
            except websockets.ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd is not None else None

    async def close(self) -> None:
        await self.ws.close()


def bodies_of(events: list[Json], name: str) -> list[Json]:
    return [e["d"] for e in events if e.get("t") == name]


class RawRest:
    def __init__(self, http: httpx.AsyncClient, account: SimAccount) -> None:
        self.http = http
        self.account = account
        self.headers = {"Authorization": account.token}
        self._nonce = 1100000000000000000

    def nonce(self) -> str:
        self._nonce += 1
        return str(self._nonce)

    async def command(self, name: str) -> Json:
        response = await self.http.get(
            f"/api/v9/guilds/{self.account.guild_id}/application-command-index",
            headers=self.headers,
        )
        response.raise_for_status()
        return next(
            c
            for c in response.json()["application_commands"]
            if c["name"] == name and c["application_id"] == MJ_APP
        )

    async def slash(
        self,
        name: str,
        options: list[Json],
        *,
        session_id: str | None,
        nonce: str | None = None,
        command: Json | None = None,
    ) -> tuple[httpx.Response, str]:
        cmd = command or await self.command(name)
        nonce = nonce or self.nonce()
        body = {
            "type": 2,
            "application_id": MJ_APP,
            "guild_id": self.account.guild_id,
            "channel_id": self.account.channel_id,
            "session_id": session_id,
            "nonce": nonce,
            "data": {
                "version": cmd["version"],
                "id": cmd["id"],
                "name": name,
                "type": 1,
                "options": options,
                "attachments": [],
            },
        }
        return await self.http.post("/api/v9/interactions", json=body, headers=self.headers), nonce

    async def imagine(self, prompt: str, *, session_id: str | None) -> tuple[httpx.Response, str]:
        return await self.slash(
            "imagine", [{"type": 3, "name": "prompt", "value": prompt}], session_id=session_id
        )

    async def press(
        self, message: Json, custom_id: str, *, session_id: str | None, nonce: str | None = None
    ) -> tuple[httpx.Response, str]:
        nonce = nonce or self.nonce()
        body = {
            "type": 3,
            "nonce": nonce,
            "guild_id": self.account.guild_id,
            "channel_id": message["channel_id"],
            "message_flags": message.get("flags", 0),
            "message_id": message["id"],
            "application_id": MJ_APP,
            "session_id": session_id,
            "data": {"component_type": 2, "custom_id": custom_id},
        }
        return await self.http.post("/api/v9/interactions", json=body, headers=self.headers), nonce

    async def submit_modal(
        self, modal: Json, value: str, *, session_id: str | None
    ) -> tuple[httpx.Response, str]:
        nonce = self.nonce()
        field = modal["components"][0]["components"][0]["custom_id"]
        body = {
            "type": 5,
            "application_id": MJ_APP,
            "channel_id": self.account.channel_id,
            "guild_id": self.account.guild_id,
            "session_id": session_id,
            "nonce": nonce,
            "data": {
                "id": modal["id"],
                "custom_id": modal["custom_id"],
                "components": [
                    {"type": 1, "components": [{"type": 4, "custom_id": field, "value": value}]}
                ],
            },
        }
        return await self.http.post("/api/v9/interactions", json=body, headers=self.headers), nonce

    async def download(self, sim: Simulator, url: str) -> httpx.Response:
        """Fetch a real-host CDN/upload URL from the simulator by swapping the scheme and host."""
        parts = urlsplit(url)
        local = f"{sim.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return await self.http.get(local)


def custom_ids(message: Json) -> list[str]:
    return [
        c["custom_id"]
        for row in message["components"]
        for c in row["components"]
        if "custom_id" in c
    ]
