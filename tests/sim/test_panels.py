"""Settings panel, remix modals, /describe picks and commands the bot does not simulate."""

from __future__ import annotations

from mjcore.sim import SimAccount, Simulator
from tests.sim.flows import imagine_grid, png_bytes, upload, upscale
from tests.sim.rawclient import Json, RawGateway, RawRest, custom_ids
from tests.sim.test_commands import option, slash_with_files

STYLE_SUCCESS = 3
STYLE_SECONDARY = 2


def styles(message: Json) -> dict[str, int]:
    return {
        c["custom_id"]: c["style"]
        for row in message["components"]
        for c in row["components"]
        if "custom_id" in c
    }


async def test_settings_panel_toggles_remix_and_mode(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    _, nonce = await rest.slash("settings", [], session_id=gw.session_id)
    panel = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert panel["flags"] == 64 and panel["content"] == "Adjust your settings here."
    before = styles(panel)
    assert before["MJ::Settings::RemixMode"] == STYLE_SECONDARY
    assert before["MJ::Settings::FastMode"] == STYLE_SUCCESS
    await rest.press(panel, "MJ::Settings::RemixMode", session_id=gw.session_id)
    redrawn = (await gw.wait_event("MESSAGE_UPDATE", id=panel["id"]))["d"]
    assert styles(redrawn)["MJ::Settings::RemixMode"] == STYLE_SUCCESS
    assert sim.state.users[account.user_id].remix is True
    await rest.press(redrawn, "MJ::Settings::TurboMode", session_id=gw.session_id)
    redrawn = (await gw.wait_event("MESSAGE_UPDATE", id=panel["id"]))["d"]
    after = styles(redrawn)
    assert after["MJ::Settings::TurboMode"] == STYLE_SUCCESS
    assert after["MJ::Settings::FastMode"] == STYLE_SECONDARY
    assert sim.state.users[account.user_id].mode == "turbo"


async def test_command_the_bot_does_not_simulate(rest: RawRest, gw: RawGateway) -> None:
    _, nonce = await rest.slash("stealth", [], session_id=gw.session_id)
    reply = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert reply["content"] == "This command is not available right now."
    assert reply["flags"] == 64
    await gw.wait_event("INTERACTION_SUCCESS", nonce=nonce)


async def test_describe_imagine_all_runs_every_prompt(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    uploaded = await upload(sim, rest, png_bytes((200, 40, 30), (60, 60)), "photo.png")
    nonce = await slash_with_files(
        rest, gw, "describe", [option("image", 0, 11)], [("photo.png", uploaded)]
    )
    deferred = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    described = (await gw.wait_event("MESSAGE_UPDATE", id=deferred["id"]))["d"]
    assert "MJ::Job::PicReader::all" in custom_ids(described)
    await rest.press(described, "MJ::Job::PicReader::all", session_id=gw.session_id)
    await sim.wait_idle(10)
    imagined = [j for j in sim.jobs if j.kind == "imagine"]
    assert len(imagined) == 4
    assert all(j.status == "done" and j.prompt.endswith("--ar 60:60") for j in imagined)
    assert len({j.prompt for j in imagined}) == 4


async def test_remix_reroll_and_pan_run_the_new_prompts(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    grid = await imagine_grid(rest, gw, "boat")
    parent = sim.jobs[-1].job_id
    image = await upscale(rest, gw, grid)
    upscaled = sim.jobs[-1].job_id
    sim.state.users[account.user_id].remix = True
    user = f"<@{account.user_id}>"

    _, nonce = await rest.press(
        grid, f"MJ::JOB::reroll::0::{parent}::SOLO", session_id=gw.session_id
    )
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    assert modal["components"][0]["components"][0]["value"] == "boat"
    await rest.submit_modal(modal, "boat at dawn", session_id=gw.session_id)
    rerolled = (
        await gw.wait_for(
            lambda p: p["t"] == "MESSAGE_CREATE" and p["d"]["content"].endswith("(fast)")
        )
    )["d"]
    assert rerolled["content"] == f"**boat at dawn** - Remix by {user} (fast)"
    assert rerolled["type"] == 0

    _, nonce = await rest.press(
        image, f"MJ::JOB::pan_up::1::{upscaled}::SOLO", session_id=gw.session_id
    )
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    await rest.submit_modal(modal, "boat from above", session_id=gw.session_id)
    panned = (
        await gw.wait_for(
            lambda p: (
                p["t"] == "MESSAGE_CREATE" and p["d"]["content"].endswith("by " + user + " (fast)")
            )
        )
    )["d"]
    assert panned["content"] == f"**boat from above** - Pan Up by {user} (fast)"
    assert panned["message_reference"]["message_id"] == image["id"]
    pan = sim.jobs[-1]
    assert pan.kind == "pan" and pan.parent_job_id == upscaled and pan.index == 1


async def test_custom_zoom_needs_a_zoom_value(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    image = await upscale(rest, gw, await imagine_grid(rest, gw, "bay"))
    upscaled = sim.jobs[-1].job_id
    _, nonce = await rest.press(image, f"MJ::CustomZoom::{upscaled}", session_id=gw.session_id)
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=nonce))["d"]
    jobs_before = len(sim.jobs)
    _, submit = await rest.submit_modal(modal, "bay at night", session_id=gw.session_id)
    error = (await gw.wait_event("MESSAGE_CREATE", nonce=submit))["d"]
    assert error["embeds"][0]["title"] == "Invalid parameter"
    assert "--zoom" in error["embeds"][0]["description"]
    assert len(sim.jobs) == jobs_before
