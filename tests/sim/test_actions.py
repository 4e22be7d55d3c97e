from __future__ import annotations

import base64
import re

from mjcore.sim import SimAccount, Simulator
from tests.sim.flows import button_id, imagine_grid, png_bytes, press_and_finish, upscale
from tests.sim.rawclient import RawGateway, RawRest, custom_ids


async def test_zoom_out_2x(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "lake --ar 3:2"))
    waiting, final = await press_and_finish(rest, gw, image, button_id(image, "MJ::Outpaint::50::"))
    user = f"<@{account.user_id}>"
    assert waiting["content"] == f"**lake --ar 3:2** - Zoom Out by {user} (Waiting to start)"
    assert waiting["type"] == 19 and waiting["message_reference"]["message_id"] == image["id"]
    assert final["content"] == f"**lake --ar 3:2** - Zoom Out by {user} (fast)"
    assert final["type"] == 19 and final["message_reference"]["message_id"] == image["id"]
    assert custom_ids(final)[0].startswith("MJ::JOB::upsample::1::")
    assert sim.jobs[-1].kind == "zoom"


async def test_pan_left(account: SimAccount, rest: RawRest, gw: RawGateway) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "road"))
    _, final = await press_and_finish(rest, gw, image, button_id(image, "MJ::JOB::pan_left::"))
    assert final["content"] == f"**road** - Pan Left by <@{account.user_id}> (fast)"


async def test_vary_subtle_and_strong(account: SimAccount, rest: RawRest, gw: RawGateway) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "tree"))
    _, strong = await press_and_finish(
        rest, gw, image, button_id(image, "MJ::JOB::high_variation::")
    )
    assert strong["content"] == f"**tree** - Variations (Strong) by <@{account.user_id}> (fast)"
    _, subtle = await press_and_finish(
        rest, gw, image, button_id(image, "MJ::JOB::low_variation::")
    )
    assert subtle["content"] == f"**tree** - Variations (Subtle) by <@{account.user_id}> (fast)"


async def test_upscale_creative_v7(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "tower"))
    start = len(gw.received)
    waiting, final = await press_and_finish(
        rest, gw, image, button_id(image, "MJ::JOB::upsample_v7_2x_creative::")
    )
    user = f"<@{account.user_id}>"
    assert waiting["content"] == f"**tower** - Upscaling by {user} (Waiting to start)"
    progress = [p["d"]["content"] for p in gw.received[start:] if p["t"] == "MESSAGE_UPDATE"]
    assert f"**tower** - Upscaling by {user} (31%) (fast)" in progress
    assert final["content"] == f"**tower** - Upscaled by {user} (fast)"
    assert final["attachments"][0]["width"] == 2 * sim.config.upscale_long_side
    assert not any("upsample_v7" in c for c in custom_ids(final))


async def test_upscale_subtle_v6_label(account: SimAccount, rest: RawRest, gw: RawGateway) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "tower --v 6"))
    _, final = await press_and_finish(
        rest, gw, image, button_id(image, "MJ::JOB::upsample_v6_2x_subtle::")
    )
    assert (
        final["content"] == f"**tower --v 6.0** - Upscaled (Subtle) by <@{account.user_id}> (fast)"
    )


async def test_custom_zoom_modal(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "hill"))
    job_id = sim.jobs[-1].job_id
    start = len(gw.received)
    response, nonce = await rest.press(image, f"MJ::CustomZoom::{job_id}", session_id=gw.session_id)
    assert response.status_code == 204
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    await gw.wait_event("INTERACTION_SUCCESS", nonce=nonce)
    names = [p["t"] for p in gw.received[start:] if p["op"] == 0 and p["d"].get("nonce") == nonce]
    assert names == ["INTERACTION_CREATE", "INTERACTION_MODAL_CREATE", "INTERACTION_SUCCESS"]
    assert modal["custom_id"] == f"MJ::OutpaintCustomZoomModal::{job_id}"
    field = modal["components"][0]["components"][0]
    assert (
        field["custom_id"] == "MJ::OutpaintCustomZoomModal::prompt" and "--zoom" in field["value"]
    )
    assert modal["application"]["id"] == "936929561302675456"
    response, submit_nonce = await rest.submit_modal(
        modal, "hill --zoom 1.8", session_id=gw.session_id
    )
    assert response.status_code == 204
    waiting = (
        await gw.wait_for(lambda p: p["t"] == "MESSAGE_CREATE" and p["d"].get("webhook_id"))
    )["d"]
    assert waiting["interaction_metadata"]["type"] == 5
    await gw.wait_event("MESSAGE_DELETE", id=waiting["id"])
    job = sim.jobs[-1]
    assert job.kind == "zoom" and job.final_prompt == "hill --zoom 1.8" and job.status == "done"
    again, _ = await rest.submit_modal(modal, "hill --zoom 1.8", session_id=gw.session_id)
    assert again.status_code == 404  # a modal is submitted once
    assert submit_nonce != nonce


async def test_remix_mode_variation_modal(
    sim: Simulator, rest: RawRest, gw: RawGateway, account: SimAccount
) -> None:
    grid = await imagine_grid(rest, gw, "boat")
    parent = sim.jobs[-1].job_id
    sim.state.users[account.user_id].remix = True
    _, nonce = await rest.press(grid, f"MJ::JOB::variation::3::{parent}", session_id=gw.session_id)
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    assert modal["custom_id"] == f"MJ::RemixModal::{parent}::3::1"
    assert modal["components"][0]["components"][0]["custom_id"] == "MJ::RemixModal::new_prompt"
    await rest.submit_modal(modal, "boat at night", session_id=gw.session_id)
    final = (
        await gw.wait_for(
            lambda p: (
                p["t"] == "MESSAGE_CREATE"
                and "Remix" in p["d"]["content"]
                and "(fast)" in p["d"]["content"]
            )
        )
    )["d"]
    assert final["content"] == f"**boat at night** - Remix (Strong) by <@{account.user_id}> (fast)"
    _, nonce = await rest.press(
        grid, f"MJ::JOB::reroll::0::{parent}::SOLO", session_id=gw.session_id
    )
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    assert modal["custom_id"] == f"MJ::ImagineModal::{grid['id']}"
    image = await upscale(rest, gw, grid)
    new = sim.jobs[-1].job_id
    _, nonce = await rest.press(image, f"MJ::JOB::pan_up::1::{new}::SOLO", session_id=gw.session_id)
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    assert modal["custom_id"] == f"MJ::PanModal::up::{new}::1"
    assert modal["components"][0]["components"][0]["custom_id"] == "MJ::PanModal::prompt"


async def test_vary_region_iframe_and_discordsays(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "room"))
    job_id = sim.jobs[-1].job_id
    _, nonce = await rest.press(image, f"MJ::Inpaint::1::{job_id}::SOLO", session_id=gw.session_id)
    iframe = (await gw.wait_event("INTERACTION_IFRAME_MODAL_CREATE", nonce=nonce))["d"]
    assert re.fullmatch(r"MJ::iframe::[A-Za-z0-9_-]+", iframe["custom_id"])
    token = iframe["custom_id"].removeprefix("MJ::iframe::")
    mask = base64.b64encode(png_bytes((255, 255, 255))).decode()
    bad = await rest.http.post(
        f"{sim.base_url}/inpaint/api/submit-job",
        json={
            "customId": token,
            "mask": "not-base64!",
            "prompt": "",
            "userId": "0",
            "username": "0",
        },
    )
    assert bad.status_code == 400
    ok = await rest.http.post(
        f"{sim.base_url}/inpaint/api/submit-job",
        json={"customId": token, "mask": mask, "prompt": "", "userId": "0", "username": "0"},
    )
    assert ok.status_code == 200
    final = (
        await gw.wait_for(
            lambda p: (
                p["t"] == "MESSAGE_CREATE"
                and "(Region)" in p["d"]["content"]
                and p["d"]["attachments"]
            )
        )
    )["d"]
    assert final["content"] == f"**room** - Variations (Region) by <@{account.user_id}> (fast)"
    assert final["message_reference"]["message_id"] == image["id"]
    assert sim.jobs[-1].kind == "inpaint"


async def test_cancel_job_on_ephemeral_progress(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.ephemeral_progress = True
    sim.faults.pause_bot()
    _, nonce = await rest.imagine("slow", session_id=gw.session_id)
    waiting = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert waiting["flags"] == 64 and "guild_id" not in waiting
    job = sim.job_for_nonce(nonce)
    assert job is not None
    assert custom_ids(waiting) == [f"MJ::CancelJob::ByJobid::{job.job_id}"]
    history = await rest.http.get(
        f"/api/v9/channels/{account.channel_id}/messages", headers=rest.headers
    )
    assert waiting["id"] not in [m["id"] for m in history.json()]
    response, _ = await rest.press(
        waiting, f"MJ::CancelJob::ByJobid::{job.job_id}", session_id=gw.session_id
    )
    assert response.status_code == 204
    stopped = (await gw.wait_event("MESSAGE_UPDATE", id=waiting["id"]))["d"]
    assert stopped["content"].endswith("(Stopped)")
    sim.faults.resume_bot()
    await sim.wait_idle(5)
    assert job.status == "failed" and job.result_message_id is None
