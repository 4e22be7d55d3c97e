from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from mjcore.sim import SimAccount, Simulator
from tests.sim.rawclient import MJ_APP, Json, RawGateway, RawRest, custom_ids

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CDN_URL = re.compile(
    r"https://cdn\.discordapp\.com/attachments/(\d+)/(\d+)/([^?]+)\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$"
)


async def run_imagine(rest: RawRest, gw: RawGateway, prompt: str) -> tuple[str, list[Json]]:
    """Imagine and collect every dispatch up to the MESSAGE_DELETE of the progress message."""
    response, nonce = await rest.imagine(prompt, session_id=gw.session_id)
    assert response.status_code == 204 and response.content == b""
    start = len(gw.received)
    await gw.wait_event("MESSAGE_DELETE")
    return nonce, [p for p in gw.received[start:] if p["op"] == 0]


async def test_imagine_lifecycle_order_and_shapes(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    nonce, events = await run_imagine(rest, gw, "a red cat  --v 7 --q 1")
    names = [e["t"] for e in events]
    assert names[:3] == ["INTERACTION_CREATE", "MESSAGE_CREATE", "INTERACTION_SUCCESS"]
    assert names[3:-2] == ["MESSAGE_UPDATE"] * 3
    assert names[-2:] == ["MESSAGE_CREATE", "MESSAGE_DELETE"]
    seqs = [e["s"] for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

    created, waiting, success = (e["d"] for e in events[:3])
    assert created["nonce"] == nonce and success == {"id": created["id"], "nonce": nonce}
    prompt = "a red cat --v 7.0"
    assert waiting["content"] == f"**{prompt}** - <@{account.user_id}> (Waiting to start)"
    assert waiting["type"] == 20 and waiting["flags"] == 0 and waiting["nonce"] == nonce
    assert waiting["webhook_id"] == MJ_APP and waiting["application_id"] == MJ_APP
    assert waiting["author"]["id"] == MJ_APP and waiting["author"]["bot"] is True
    assert (
        waiting["interaction"]["id"] == created["id"]
        and waiting["interaction"]["name"] == "imagine"
    )
    meta = waiting["interaction_metadata"]
    assert meta["id"] == created["id"] and meta["type"] == 2 and meta["name"] == "imagine"
    assert meta["user"]["id"] == account.user_id
    assert waiting["guild_id"] == account.guild_id and waiting["channel_id"] == account.channel_id

    updates = [e["d"] for e in events[3:-2]]
    assert [u["id"] for u in updates] == [waiting["id"]] * 3
    assert updates[0]["content"] == f"**{prompt}** - <@{account.user_id}> (0%) (fast)"
    assert updates[0]["attachments"] == []
    assert updates[1]["content"].endswith("(31%) (fast)")
    preview = updates[1]["attachments"][0]
    assert re.fullmatch(rf"{UUID}_grid_0\.webp", preview["filename"])
    assert preview["content_type"] == "image/webp"
    job_id = preview["filename"].removesuffix("_grid_0.webp")

    final = events[-2]["d"]
    assert final["type"] == 0 and "nonce" not in final and "interaction" not in final
    assert "webhook_id" not in final
    assert final["content"] == f"**{prompt}** - <@{account.user_id}> (fast)"
    assert final["mentions"][0]["id"] == account.user_id
    (attachment,) = final["attachments"]
    assert attachment["filename"] == f"alice_a_red_cat_{job_id}.png"
    match = CDN_URL.match(attachment["url"])
    assert match is not None and match.group(1) == account.channel_id
    assert attachment["proxy_url"].startswith("https://media.discordapp.net/attachments/")
    assert attachment["width"] == attachment["height"] == 256
    rows = final["components"]
    assert [c.get("label") for c in rows[0]["components"]] == ["U1", "U2", "U3", "U4", None]
    assert rows[0]["components"][4]["emoji"] == {"name": "🔄"}
    assert custom_ids(final) == [
        *(f"MJ::JOB::upsample::{i}::{job_id}" for i in range(1, 5)),
        f"MJ::JOB::reroll::0::{job_id}::SOLO",
        *(f"MJ::JOB::variation::{i}::{job_id}" for i in range(1, 5)),
    ]
    assert all(c["style"] == 2 for r in rows for c in r["components"])
    assert events[-1]["d"] == {
        "id": waiting["id"],
        "channel_id": account.channel_id,
        "guild_id": account.guild_id,
    }

    job = sim.job_for_nonce(nonce)
    assert job is not None and job.job_id == job_id and job.status == "done"
    assert job.prompt == "a red cat  --v 7 --q 1" and job.final_prompt == prompt
    assert job.progress_message_id == waiting["id"] and job.result_message_id == final["id"]
    assert job.interaction_id == created["id"]


async def test_history_is_newest_first_without_nonce_or_progress(
    account: SimAccount, rest: RawRest, gw: RawGateway, http: httpx.AsyncClient
) -> None:
    await run_imagine(rest, gw, "first")
    await run_imagine(rest, gw, "second")
    response = await http.get(
        f"/api/v9/channels/{account.channel_id}/messages?limit=10", headers=rest.headers
    )
    messages = response.json()
    assert [m["content"].split("**")[1] for m in messages] == ["second", "first"]
    assert all("nonce" not in m and "guild_id" not in m for m in messages)
    older = await http.get(
        f"/api/v9/channels/{account.channel_id}/messages?before={messages[0]['id']}",
        headers=rest.headers,
    )
    assert [m["id"] for m in older.json()] == [messages[1]["id"]]


async def test_success_before_first_message_knob(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.success_order = "before_first_message"
    _, events = await run_imagine(rest, gw, "cat")
    assert [e["t"] for e in events[:3]] == [
        "INTERACTION_CREATE",
        "INTERACTION_SUCCESS",
        "MESSAGE_CREATE",
    ]


async def test_unknown_session_id_gets_no_interaction_events(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    response, nonce = await rest.imagine("cat", session_id="f1a313a09ce079ce252459dc70231f30")
    assert response.status_code == 204
    await gw.wait_event("MESSAGE_DELETE")
    names = {p["t"] for p in gw.received}
    assert "INTERACTION_CREATE" not in names and "INTERACTION_SUCCESS" not in names
    waiting = next(p["d"] for p in gw.received if p["t"] == "MESSAGE_CREATE")
    assert waiting["nonce"] == nonce
    sim.config.interaction_routing = "all"
    await rest.imagine("dog", session_id="f1a313a09ce079ce252459dc70231f30")
    await gw.wait_event("INTERACTION_SUCCESS")


async def test_grid_download_is_a_real_png_with_distinct_quadrants(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    _, events = await run_imagine(rest, gw, "cat --ar 2:1")
    final = events[-2]["d"]
    url = final["attachments"][0]["url"]
    response = await rest.download(sim, url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.size == (256, 128)
    corners = {
        image.getpixel((10, 10)),
        image.getpixel((200, 10)),
        image.getpixel((10, 100)),
        image.getpixel((200, 100)),
    }
    assert len(corners) == 4
    unsigned = await rest.download(sim, url.split("?")[0])
    assert unsigned.status_code == 404
    job = sim.jobs[-1]
    assert sim.faults.expire_cdn_file(job.job_id) >= 1
    assert (await rest.download(sim, url)).status_code == 404


async def test_u1_reply(sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway) -> None:
    _, events = await run_imagine(rest, gw, "owl --v 7")
    grid = events[-2]["d"]
    parent = sim.jobs[-1]
    response, nonce = await rest.press(
        grid, f"MJ::JOB::upsample::1::{parent.job_id}", session_id=gw.session_id
    )
    assert response.status_code == 204
    reply = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert reply["type"] == 19
    assert reply["content"] == f"**owl --v 7.0** - Image #1 <@{account.user_id}>"
    assert reply["message_reference"]["message_id"] == grid["id"]
    assert reply["referenced_message"]["id"] == grid["id"]
    assert reply["interaction_metadata"]["type"] == 3
    assert reply["interaction_metadata"]["interacted_message_id"] == grid["id"]
    filename = reply["attachments"][0]["filename"]
    new_id = re.search(UUID, filename.split("_")[-1])
    assert new_id is not None and new_id.group(0) != parent.job_id
    ids = custom_ids(reply)
    new = new_id.group(0)
    assert f"MJ::JOB::upsample_v7_2x_subtle::1::{new}::SOLO" in ids
    assert f"MJ::JOB::upsample_v7_2x_creative::1::{new}::SOLO" in ids
    assert (
        f"MJ::JOB::high_variation::1::{new}::SOLO" in ids and f"MJ::Inpaint::1::{new}::SOLO" in ids
    )
    assert f"MJ::Outpaint::50::1::{new}::SOLO" in ids and f"MJ::CustomZoom::{new}" in ids
    assert f"MJ::JOB::pan_left::1::{new}::SOLO" in ids and f"MJ::BOOKMARK::{new}" in ids
    web = [c for r in reply["components"] for c in r["components"] if c["style"] == 5]
    assert web[0]["url"] == f"https://www.midjourney.com/jobs/{new}"
    update = (await gw.wait_event("MESSAGE_UPDATE", id=grid["id"]))["d"]
    styles = {c["custom_id"]: c["style"] for r in update["components"] for c in r["components"]}
    assert styles[f"MJ::JOB::upsample::1::{parent.job_id}"] == 1
    assert styles[f"MJ::JOB::upsample::2::{parent.job_id}"] == 2
    assert any(p["t"] == "INTERACTION_SUCCESS" and p["d"]["nonce"] == nonce for p in gw.received)


async def test_v6_upscale_buttons(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    _, events = await run_imagine(rest, gw, "owl --v 6.1")
    grid = events[-2]["d"]
    _, nonce = await rest.press(
        grid, f"MJ::JOB::upsample::2::{sim.jobs[-1].job_id}", session_id=gw.session_id
    )
    reply = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert any("upsample_v6r1_2x_subtle" in c for c in custom_ids(reply))


async def test_variation_flow(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    _, events = await run_imagine(rest, gw, "fox")
    grid = events[-2]["d"]
    parent = sim.jobs[-1]
    start = len(gw.received)
    response, _ = await rest.press(
        grid, f"MJ::JOB::variation::2::{parent.job_id}", session_id=gw.session_id
    )
    assert response.status_code == 204
    await gw.wait_for(lambda p: p["t"] == "MESSAGE_DELETE" and p["d"]["id"] != grid["id"])
    creates = [p["d"] for p in gw.received[start:] if p["t"] == "MESSAGE_CREATE"]
    waiting, final = creates
    assert waiting["type"] == 19 and "nonce" not in waiting  # knob default: no nonce on button jobs
    assert (
        waiting["content"]
        == f"**fox** - Variations (Strong) by <@{account.user_id}> (Waiting to start)"
    )
    assert waiting["message_reference"]["message_id"] == grid["id"]
    updates = [
        p["d"]["content"]
        for p in gw.received[start:]
        if p["t"] == "MESSAGE_UPDATE" and p["d"]["id"] == waiting["id"]
    ]
    assert f"**fox** - Variations (Strong) by <@{account.user_id}> (31%) (fast)" in updates
    assert (
        final["type"] == 19
        and final["content"] == f"**fox** - Variations (Strong) by <@{account.user_id}> (fast)"
    )
    assert final["message_reference"]["message_id"] == grid["id"]
    child = sim.jobs[-1]
    assert child.kind == "variation" and child.parent_job_id == parent.job_id and child.index == 2
    assert child.job_id in final["attachments"][0]["filename"]


async def test_reroll_final_is_type_0(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    _, events = await run_imagine(rest, gw, "fox")
    grid = events[-2]["d"]
    start = len(gw.received)
    await rest.press(
        grid, f"MJ::JOB::reroll::0::{sim.jobs[-1].job_id}::SOLO", session_id=gw.session_id
    )
    await gw.wait_for(lambda p: p["t"] == "MESSAGE_DELETE")
    final = [p["d"] for p in gw.received[start:] if p["t"] == "MESSAGE_CREATE"][-1]
    assert final["type"] == 0 and final["content"] == f"**fox** - <@{account.user_id}> (fast)"


async def test_identical_prompts_get_distinct_jobs(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.faults.pause_bot()
    nonces = [(await rest.imagine("same prompt", session_id=gw.session_id))[1] for _ in range(2)]
    for nonce in nonces:
        await gw.wait_event("MESSAGE_CREATE", nonce=nonce)
    sim.faults.resume_bot()
    await sim.wait_idle(10)
    jobs = [sim.job_for_nonce(n) for n in nonces]
    assert all(j is not None and j.status == "done" for j in jobs)
    assert len({j.job_id for j in jobs if j}) == 2


async def test_job_queued_and_queue_full(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.max_concurrent_jobs = 1
    sim.config.max_queued_jobs = 1
    sim.faults.pause_bot()
    _, first = await rest.imagine("one", session_id=gw.session_id)
    _, second = await rest.imagine("two", session_id=gw.session_id)
    _, third = await rest.imagine("three", session_id=gw.session_id)
    waiting = (await gw.wait_event("MESSAGE_CREATE", nonce=first))["d"]
    assert waiting["content"].endswith("(Waiting to start)")
    queued = (await gw.wait_event("MESSAGE_CREATE", nonce=second))["d"]
    assert queued["embeds"][0]["title"] == "Job queued" and queued["embeds"][0]["color"] == 16239475
    assert queued["embeds"][0]["footer"]["text"] == "/imagine two"
    full = (await gw.wait_event("MESSAGE_CREATE", nonce=third))["d"]
    assert full["embeds"][0]["title"] == "Queue full" and full["embeds"][0]["color"] == 16711680
    job_three = sim.job_for_nonce(third)
    assert job_three is not None and job_three.status == "failed"
    job_two = sim.job_for_nonce(second)
    assert job_two is not None and job_two.status == "queued"
    sim.faults.resume_bot()
    await sim.wait_idle(10)
    assert job_two.status == "done"
    started = (await gw.wait_event("MESSAGE_CREATE", id=job_two.progress_message_id))["d"]
    assert started["content"] == f"**two** - <@{account.user_id}> (Waiting to start)"
    assert (
        started["interaction_metadata"]["id"] == job_two.interaction_id and "nonce" not in started
    )


async def test_command_version_rotation(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    old = await rest.command("imagine")
    sim.rotate_command_versions()
    response, _ = await rest.slash(
        "imagine",
        [{"type": 3, "name": "prompt", "value": "x"}],
        session_id=gw.session_id,
        command=old,
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "data": {
                "_errors": [
                    {
                        "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                        "message": "This command is outdated, please try again in a few minutes",
                    }
                ]
            }
        },
    }
    new = await rest.command("imagine")
    assert new["version"] != old["version"] and new["id"] == old["id"]
    response, _ = await rest.imagine("x", session_id=gw.session_id)
    assert response.status_code == 204


async def test_command_index_has_real_ids(rest: RawRest) -> None:
    imagine = await rest.command("imagine")
    assert imagine["id"] == "938956540159881230" and imagine["version"] == "1237876415471554623"
    describe = await rest.command("describe")
    assert describe["id"] == "1092492867185950852"
    response = await rest.http.get(
        "/api/v9/users/@me/application-command-index", headers=rest.headers
    )
    apps = {a["id"] for a in response.json()["applications"]}
    assert apps == {MJ_APP, "1022952195194359889"}


async def test_rate_limit_429_with_retry_after(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.faults.rate_limit(1, retry_after=2.06)
    response, nonce = await rest.imagine("cat", session_id=gw.session_id)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert response.json() == {
        "message": "The resource is being rate limited.",
        "retry_after": 2.06,
        "global": False,
    }
    assert sim.job_for_nonce(nonce) is None
    response, _ = await rest.imagine("cat", session_id=gw.session_id)
    assert response.status_code == 204
    statuses = [(r.method, r.status) for r in sim.requests if r.path == "/api/v9/interactions"]
    assert statuses == [("POST", 429), ("POST", 204)]
    assert sim.requests[-1].nonce is not None


async def test_server_error_fault(sim: Simulator, rest: RawRest) -> None:
    sim.faults.server_error(1, status=502, path_contains="/users/@me")
    first = await rest.http.get("/api/v9/users/@me", headers=rest.headers)
    second = await rest.http.get("/api/v9/users/@me", headers=rest.headers)
    assert (first.status_code, second.status_code) == (502, 200)


async def test_per_token_rest_rate_limit(sim: Simulator, rest: RawRest) -> None:
    sim.config.rest_requests_per_second = 3
    statuses = [
        (await rest.http.get("/api/v9/users/@me", headers=rest.headers)).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


async def test_interaction_errors(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    fake = {"id": "1", "channel_id": account.channel_id, "flags": 0}
    response, _ = await rest.press(fake, "MJ::JOB::upsample::1::x", session_id=gw.session_id)
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Unknown Message", "code": 10008},
    )
    other = sim.add_account(name="bob")
    foreign = {"id": "1", "channel_id": other.channel_id, "flags": 0}
    response, _ = await rest.press(foreign, "MJ::JOB::upsample::1::x", session_id=gw.session_id)
    assert (response.status_code, response.json()) == (
        403,
        {"message": "Missing Access", "code": 50001},
    )
    _, events = await run_imagine(rest, gw, "cat")
    grid = events[-2]["d"]
    response, _ = await rest.press(
        grid, "MJ::JOB::upsample::1::not-on-this-message", session_id=gw.session_id
    )
    assert response.status_code == 400 and response.json()["code"] == 50035
    bad = await rest.http.post(
        "/api/v9/interactions", json={"type": 2}, headers={"Authorization": "Bot x"}
    )
    assert bad.status_code == 401


async def test_upload_then_message_gives_cdn_url(
    sim: Simulator, account: SimAccount, rest: RawRest
) -> None:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(image, format="PNG")
    data = image.getvalue()
    response = await rest.http.post(
        f"/api/v9/channels/{account.channel_id}/attachments",
        json={"files": [{"filename": "cat.png", "file_size": len(data), "id": "0"}]},
        headers=rest.headers,
    )
    (slot,) = response.json()["attachments"]
    assert slot["id"] == "0"
    assert slot["upload_url"].startswith(
        "https://discord-attachments-uploads-prd.storage.googleapis.com/"
    )
    assert re.fullmatch(rf"{UUID}/cat\.png", slot["upload_filename"])
    local = slot["upload_url"].replace(
        "https://discord-attachments-uploads-prd.storage.googleapis.com", sim.base_url
    )
    put = await rest.http.put(local, content=data, headers={"Content-Type": "image/png"})
    assert put.status_code == 200
    body = {
        "content": "",
        "channel_id": account.channel_id,
        "type": 0,
        "sticker_ids": [],
        "attachments": [
            {"id": "0", "filename": "cat.png", "uploaded_filename": slot["upload_filename"]}
        ],
    }
    message = await rest.http.post(
        f"/api/v9/channels/{account.channel_id}/messages", json=body, headers=rest.headers
    )
    assert message.status_code == 200
    attachment = message.json()["attachments"][0]
    assert CDN_URL.match(attachment["url"]) and (attachment["width"], attachment["height"]) == (
        40,
        30,
    )
    downloaded = await rest.download(sim, attachment["url"])
    assert downloaded.content == data


async def test_results_land_in_history_and_replay_while_disconnected(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway, http: httpx.AsyncClient
) -> None:
    sim.faults.pause_bot()
    _, nonce = await rest.imagine("night owl", session_id=gw.session_id)
    waiting = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    await gw.wait_event("INTERACTION_SUCCESS", nonce=nonce)
    seq = gw.seq
    sim.faults.drop_connections(account)
    assert await gw.closed_code() is None
    sim.faults.resume_bot()
    await sim.wait_idle(5)
    history = (
        await http.get(f"/api/v9/channels/{account.channel_id}/messages", headers=rest.headers)
    ).json()
    assert history[0]["content"] == f"**night owl** - <@{account.user_id}> (fast)"
    assert waiting["id"] not in [m["id"] for m in history]
    again = await RawGateway.connect(sim.gateway_url)
    await again.recv()
    await again.send(6, {"token": account.token, "session_id": gw.session_id, "seq": seq})
    await again.wait_event("RESUMED")
    names = [p["t"] for p in again.received if p["op"] == 0]
    assert names[-3:] == ["MESSAGE_CREATE", "MESSAGE_DELETE", "RESUMED"]
    assert names.count("MESSAGE_UPDATE") == 3
    await again.close()


async def test_empty_progress_steps_still_show_one_preview(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.progress_steps = ()
    _, events = await run_imagine(rest, gw, "tiny")
    updates = [e["d"] for e in events if e["t"] == "MESSAGE_UPDATE"]
    assert len(updates) == 1 and updates[0]["attachments"][0]["filename"].endswith("_grid_0.webp")


async def test_press_needs_the_message_flags(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    _, moderation = await rest.imagine("SIM_APPEAL thing", session_id=gw.session_id)
    message = (await gw.wait_event("MESSAGE_CREATE", nonce=moderation))["d"]
    appeal = custom_ids(message)[0]
    wrong = dict(message, flags=0)
    response, _ = await rest.press(wrong, appeal, session_id=gw.session_id)
    assert response.status_code == 400 and response.json()["code"] == 50035
    sim.config.check_message_flags = False
    response, _ = await rest.press(wrong, appeal, session_id=gw.session_id)
    assert response.status_code == 204
