"""Multi-step flows shared by the simulator tests (all over real sockets)."""

from __future__ import annotations

import io

from PIL import Image

from mjcore.sim import Simulator
from tests.sim.rawclient import Json, RawGateway, RawRest

UPLOAD_HOST = "https://discord-attachments-uploads-prd.storage.googleapis.com"


async def imagine_grid(rest: RawRest, gw: RawGateway, prompt: str) -> Json:
    """Run an imagine to the end; the final grid message."""
    response, nonce = await rest.imagine(prompt, session_id=gw.session_id)
    assert response.status_code == 204
    waiting = await gw.wait_event("MESSAGE_CREATE", nonce=nonce)
    await gw.wait_event("MESSAGE_DELETE", id=waiting["d"]["id"])
    finals: list[Json] = [
        p["d"] for p in gw.received if p["t"] == "MESSAGE_CREATE" and p["d"]["type"] == 0
    ]
    return finals[-1]


async def upscale(rest: RawRest, gw: RawGateway, grid: Json, index: int = 1) -> Json:
    custom_id = next(
        c["custom_id"]
        for row in grid["components"]
        for c in row["components"]
        if c.get("custom_id", "").startswith(f"MJ::JOB::upsample::{index}::")
    )
    _, nonce = await rest.press(grid, custom_id, session_id=gw.session_id)
    reply: Json = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    return reply


def button_id(message: Json, prefix: str) -> str:
    return next(
        str(c["custom_id"])
        for row in message["components"]
        for c in row["components"]
        if c.get("custom_id", "").startswith(prefix)
    )


async def press_and_finish(
    rest: RawRest, gw: RawGateway, message: Json, custom_id: str
) -> tuple[Json, Json]:
    """Press a job button; the start message and the final result (after the progress delete)."""
    start = len(gw.received)
    response, _ = await rest.press(message, custom_id, session_id=gw.session_id)
    assert response.status_code == 204
    created = await gw.wait_for(lambda p: p["t"] == "MESSAGE_CREATE" and p["d"].get("webhook_id"))
    waiting = created["d"]
    await gw.wait_event("MESSAGE_DELETE", id=waiting["id"])
    finals = [
        p["d"]
        for p in gw.received[start:]
        if p["t"] == "MESSAGE_CREATE" and p["d"]["id"] != waiting["id"] and p["d"]["attachments"]
    ]
    return waiting, finals[-1]


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


async def upload(sim: Simulator, rest: RawRest, data: bytes, filename: str) -> str:
    """Cloud upload; the ``upload_filename`` to reference."""
    response = await rest.http.post(
        f"/api/v9/channels/{rest.account.channel_id}/attachments",
        json={"files": [{"filename": filename, "file_size": len(data), "id": "0"}]},
        headers=rest.headers,
    )
    slot = response.json()["attachments"][0]
    local = str(slot["upload_url"]).replace(UPLOAD_HOST, sim.base_url)
    put = await rest.http.put(local, content=data, headers={"Content-Type": "image/png"})
    assert put.status_code == 200
    return str(slot["upload_filename"])
