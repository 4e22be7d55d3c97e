from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from mjcore.sim import SimAccount, Simulator
from tests.sim.rawclient import RawGateway


async def connect(sim: Simulator, *, compress: bool = True) -> RawGateway:
    return await RawGateway.connect(sim.gateway_url, compress=compress)


async def test_hello_then_ready_over_zlib_stream(sim: Simulator, account: SimAccount) -> None:
    gw = await connect(sim)
    hello = await gw.recv()
    assert hello == {"t": None, "s": None, "op": 10, "d": {"heartbeat_interval": 41250}}
    assert (
        isinstance(gw.frames[0], bytes) and gw.frames[0][0] == 0x78
    )  # zlib header on the first frame
    ready = await gw.identify(account.token)
    d = ready["d"]
    assert ready["s"] == 1 and ready["op"] == 0
    assert re.fullmatch(r"[0-9a-f]{32}", d["session_id"])
    assert d["v"] == 9 and d["session_type"] == "normal"
    assert d["resume_gateway_url"] == sim.gateway_url
    assert d["user"]["id"] == account.user_id and d["user"]["username"] == "alice"
    assert [g["id"] for g in d["guilds"]] == [account.guild_id]
    assert account.channel_id in [c["id"] for c in d["guilds"][0]["channels"]]
    assert [c["id"] for c in d["private_channels"]] == [account.dm_channel_id]
    supplemental = await gw.recv()
    assert supplemental["t"] == "READY_SUPPLEMENTAL" and supplemental["s"] == 2  # capability bit 5
    await gw.close()


async def test_plain_json_text_frames_and_no_supplemental_without_bit5(
    sim: Simulator, account: SimAccount
) -> None:
    gw = await connect(sim, compress=False)
    await gw.recv()
    await gw.identify(account.token, capabilities=8189 & ~(1 << 5))
    await gw.send(1, None)
    ack = await gw.recv()
    assert ack["op"] == 11  # the next payload is the ACK, no READY_SUPPLEMENTAL in between
    assert all(isinstance(f, str) for f in gw.frames)
    await gw.close()


async def test_identify_before_hello_is_accepted(sim: Simulator, account: SimAccount) -> None:
    gw = await connect(sim)
    await gw.send(2, {"token": account.token, "capabilities": 0, "properties": {}})
    first = await gw.recv()
    assert first["op"] == 10
    ready = await gw.recv()
    assert ready["t"] == "READY"
    await gw.close()


async def test_heartbeat_ack_for_any_d(gw: RawGateway) -> None:
    for d in (None, 1, 987654):
        await gw.send(1, d)
        await gw.wait_for(lambda p: p["op"] == 11)


async def test_server_requests_heartbeat(
    sim: Simulator, account: SimAccount, gw: RawGateway
) -> None:
    sim.faults.request_heartbeat(account)
    payload = await gw.wait_for(lambda p: p["op"] == 1)
    assert payload["d"] is None


async def test_stopped_acks(sim: Simulator, account: SimAccount, gw: RawGateway) -> None:
    sim.faults.stop_heartbeat_acks(account)
    await gw.send(1, gw.seq)
    with pytest.raises(TimeoutError):
        await gw.wait_for(lambda p: p["op"] == 11, timeout=0.3)
    sim.faults.resume_heartbeat_acks(account)
    await gw.send(1, gw.seq)
    await gw.wait_for(lambda p: p["op"] == 11)


async def test_bad_token_closes_4004(sim: Simulator) -> None:
    gw = await connect(sim)
    await gw.recv()
    await gw.send(2, {"token": "not-a-token", "properties": {}})
    assert await gw.closed_code() == 4004


async def test_revoked_token_4004_and_401(
    sim: Simulator, account: SimAccount, http: httpx.AsyncClient
) -> None:
    live = await connect(sim)
    await live.recv()
    await live.identify(account.token)
    sim.faults.revoke_token(account)
    assert await live.closed_code() == 4004
    gw = await connect(sim)
    await gw.recv()
    await gw.send(2, {"token": account.token, "properties": {}})
    assert await gw.closed_code() == 4004
    response = await http.get("/api/v9/users/@me", headers={"Authorization": account.token})
    assert response.status_code == 401
    assert response.json() == {"message": "401: Unauthorized", "code": 0}


async def test_not_authenticated_and_unknown_opcode(sim: Simulator, account: SimAccount) -> None:
    gw = await connect(sim)
    await gw.recv()
    await gw.send(3, {"status": "online"})
    assert await gw.closed_code() == 4003
    gw = await connect(sim)
    await gw.recv()
    await gw.identify(account.token)
    await gw.send(99, None)
    assert await gw.closed_code() == 4001


async def test_oversized_payload_closes_4002(sim: Simulator, gw: RawGateway) -> None:
    await gw.ws.send(json.dumps({"op": 3, "d": {"status": "online", "pad": "x" * 5000}}))
    assert await gw.closed_code() == 4002


async def test_send_rate_limit_closes_4008(sim: Simulator, gw: RawGateway) -> None:
    sim.config.gateway_send_limit = 5
    for _ in range(7):
        await gw.send(1, None)
    assert await gw.closed_code() == 4008


async def post_message(http: httpx.AsyncClient, account: SimAccount, content: str) -> str:
    response = await http.post(
        f"/api/v9/channels/{account.channel_id}/messages",
        json={"content": content},
        headers={"Authorization": account.token},
    )
    assert response.status_code == 200
    return str(response.json()["id"])


async def test_resume_replays_missed_events(
    sim: Simulator, account: SimAccount, http: httpx.AsyncClient, gw: RawGateway
) -> None:
    await post_message(http, account, "before")
    seen = await gw.wait_event("MESSAGE_CREATE", content="before")
    last_seq = seen["s"]
    session_id = gw.session_id
    sim.faults.drop_connections(account)
    assert await gw.closed_code() is None  # abrupt: no close frame from the server
    missed = [await post_message(http, account, f"missed {i}") for i in range(3)]
    # the messages are in history even though nobody is connected
    history = (
        await http.get(
            f"/api/v9/channels/{account.channel_id}/messages",
            headers={"Authorization": account.token},
        )
    ).json()
    assert [m["id"] for m in history[:3]] == list(reversed(missed))
    again = await connect(sim)
    await again.recv()
    await again.send(6, {"token": account.token, "session_id": session_id, "seq": last_seq})
    replayed = [await again.recv() for _ in range(4)]
    assert [p["t"] for p in replayed] == ["MESSAGE_CREATE"] * 3 + ["RESUMED"]
    assert [p["d"]["id"] for p in replayed[:3]] == missed
    assert [p["s"] for p in replayed] == [last_seq + 1, last_seq + 2, last_seq + 3, last_seq + 4]
    await again.close()


async def test_drop_is_abrupt(sim: Simulator, account: SimAccount, gw: RawGateway) -> None:
    sim.faults.drop_connections(account)
    assert await gw.closed_code() is None


async def test_resume_unknown_session_gets_op9(sim: Simulator, account: SimAccount) -> None:
    gw = await connect(sim)
    await gw.recv()
    await gw.send(6, {"token": account.token, "session_id": "0" * 32, "seq": 3})
    invalid = await gw.recv()
    assert invalid == {"t": None, "s": None, "op": 9, "d": False}
    ready = await gw.identify(account.token)  # the same socket may identify again
    assert ready["t"] == "READY"
    await gw.close()


async def test_reconnect_op7_then_server_close(
    sim: Simulator, account: SimAccount, gw: RawGateway
) -> None:
    sim.config.reconnect_close_delay_seconds = 0.05
    sim.faults.send_reconnect(account)
    payload = await gw.wait_for(lambda p: p["op"] == 7)
    assert payload["d"] is None
    assert await gw.closed_code() == 4000
    again = await connect(sim)
    await again.recv()
    await again.send(6, {"token": account.token, "session_id": gw.session_id, "seq": gw.seq})
    resumed = await again.wait_event("RESUMED")
    assert resumed["s"] == (gw.seq or 0) + 1
    await again.close()


async def test_invalidate_session_not_resumable(
    sim: Simulator, account: SimAccount, gw: RawGateway
) -> None:
    sim.faults.invalidate_session(account, resumable=False)
    invalid = await gw.wait_for(lambda p: p["op"] == 9)
    assert invalid["d"] is False
    await gw.close()
    again = await connect(sim)
    await again.recv()
    await again.send(6, {"token": account.token, "session_id": gw.session_id, "seq": gw.seq})
    assert (await again.recv())["op"] == 9
    await again.close()


async def test_client_close_1000_ends_session(
    sim: Simulator, account: SimAccount, gw: RawGateway
) -> None:
    await gw.ws.close(1000)
    await asyncio.sleep(0.05)
    again = await connect(sim)
    await again.recv()
    await again.send(6, {"token": account.token, "session_id": gw.session_id, "seq": gw.seq})
    assert (await again.recv())["op"] == 9
    await again.close()


async def test_close_gateway_with_code(sim: Simulator, account: SimAccount, gw: RawGateway) -> None:
    sim.faults.close_gateway(account, 4000)
    assert await gw.closed_code() == 4000


async def test_missing_heartbeats_time_out(sim: Simulator, account: SimAccount) -> None:
    sim.config.heartbeat_interval_ms = 100
    sim.config.heartbeat_timeout_factor = 1.5
    gw = await connect(sim)
    assert (await gw.recv())["d"]["heartbeat_interval"] == 100
    await gw.identify(account.token)
    assert await gw.closed_code(timeout=3) == 4009


async def test_gateway_url_endpoint(sim: Simulator, http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v9/gateway")
    assert response.json() == {"url": sim.gateway_url}
