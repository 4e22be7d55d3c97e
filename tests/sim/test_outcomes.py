from __future__ import annotations

import pytest

from mjcore.sim import SimAccount, Simulator
from tests.sim.flows import imagine_grid, press_and_finish, upscale
from tests.sim.rawclient import Json, RawGateway, RawRest


async def first_reply(rest: RawRest, gw: RawGateway, prompt: str) -> tuple[str, Json]:
    response, nonce = await rest.imagine(prompt, session_id=gw.session_id)
    assert response.status_code == 204
    return nonce, (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]


async def test_banned_prompt(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    nonce, message = await first_reply(rest, gw, "SIM_BANNED thing")
    embed = message["embeds"][0]
    assert embed["title"] == "Banned prompt detected" and embed["color"] == 16711680
    assert embed["footer"]["text"] == "/imagine SIM_BANNED thing"
    assert embed["description"].startswith("Sorry! Our AI moderator thinks this prompt")
    job = sim.job_for_nonce(nonce)
    assert job is not None and job.status == "failed"


async def test_invalid_parameter(rest: RawRest, gw: RawGateway) -> None:
    _, message = await first_reply(rest, gw, "cat --use_raw --ar 2:3")
    embed = message["embeds"][0]
    assert embed["title"] == "Invalid parameter" and "use_raw" in embed["description"]


async def test_error_colour_knob(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    sim.config.error_color = 15548997
    sim.config.ephemeral_errors = True
    _, message = await first_reply(rest, gw, "SIM_BANNED thing")
    assert message["embeds"][0]["color"] == 15548997 and message["flags"] == 64


async def test_plain_text_error(rest: RawRest, gw: RawGateway) -> None:
    _, message = await first_reply(rest, gw, "SIM_ERROR thing")
    assert message["content"].startswith("There was an error processing your request.")
    assert message["embeds"] == []


async def test_appeal_lets_the_job_run(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    nonce, moderation = await first_reply(rest, gw, "SIM_APPEAL statue")
    assert moderation["flags"] == 64 and moderation["content"] == ""
    assert moderation["embeds"][0]["title"] == "Action needed to continue"
    appeal = moderation["components"][0]["components"][0]
    assert appeal["label"] == "Appeal" and appeal["custom_id"].startswith("MJ::Prompts::Appeal::")
    response, _ = await rest.press(moderation, appeal["custom_id"], session_id=gw.session_id)
    assert response.status_code == 204
    await sim.wait_idle(10)
    job = sim.jobs[-1]
    assert job.status == "done" and job.final_prompt == "SIM_APPEAL statue"
    held = sim.job_for_nonce(nonce)
    assert held is not None and job.parent_job_id == held.job_id


async def test_silent_bot_gives_interaction_failure(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.bot_ack_deadline_seconds = 0.05
    _, nonce = await rest.imagine("SIM_SILENT cat", session_id=gw.session_id)
    failure = (await gw.wait_event("INTERACTION_FAILURE", nonce=nonce))["d"]
    assert failure["reason_code"] == 2
    assert not any(p["t"] == "MESSAGE_CREATE" for p in gw.received)


async def test_bot_times_out_knob(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    sim.config.bot_ack_deadline_seconds = 0.05
    sim.config.bot_times_out = True
    _, nonce = await rest.imagine("cat", session_id=gw.session_id)
    await gw.wait_event("INTERACTION_FAILURE", nonce=nonce)
    assert sim.job_for_nonce(nonce) is None


async def test_vanish(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    _, waiting = await first_reply(rest, gw, "SIM_VANISH cat")
    await gw.wait_event("MESSAGE_DELETE", id=waiting["id"])
    await sim.wait_idle(5)
    assert sim.jobs[-1].status == "failed" and sim.jobs[-1].result_message_id is None


async def test_output_filter(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    _, waiting = await first_reply(rest, gw, "SIM_FILTERED cat")
    error = await gw.wait_for(lambda p: p["t"] == "MESSAGE_CREATE" and bool(p["d"]["embeds"]))
    assert error["d"]["embeds"][0]["title"] == "Request cancelled due to output filters"
    assert error["d"]["message_reference"]["message_id"] == waiting["id"]
    await sim.wait_idle(5)
    assert sim.jobs[-1].status == "failed"


@pytest.mark.parametrize(
    ("state", "title"),
    [
        ("pending_mod", "Pending mod message"),
        ("blocked", "Blocked"),
        ("subscription_required", "Subscription required"),
        ("credits_exhausted", "Credits exhausted"),
    ],
)
async def test_account_states(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway, state: str, title: str
) -> None:
    sim.faults.set_account_state(account, state)
    nonce, message = await first_reply(rest, gw, "cat")
    assert message["embeds"][0]["title"] == title
    job = sim.job_for_nonce(nonce)
    assert job is not None and job.status == "failed"


async def test_credits_exhausted_still_allows_relax(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    sim.faults.set_account_state(account, "credits_exhausted")
    await imagine_grid(rest, gw, "cat --relax")
    assert sim.jobs[-1].status == "done" and sim.jobs[-1].mode == "relaxed"


async def test_result_knobs(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.modern_decorations = True
    sim.config.stealth = True
    sim.config.interaction_metadata_on_results = True
    sim.config.component_ids = False
    grid = await imagine_grid(rest, gw, "moth")
    job = sim.jobs[-1]
    assert grid["content"] == (
        f"**moth** - <@{account.user_id}> [(Open on website for full quality)]"
        f"(<https://midjourney.com/jobs/{job.job_id}>) (fast, stealth)\n"
        "-# Create, explore, and organize on [midjourney.com](<https://midjourney.com/imagine?from_discord=1>)"
    )
    assert grid["interaction_metadata"]["id"] == job.interaction_id
    assert "id" not in grid["components"][0]


async def test_component_ids_and_nonce_on_button_jobs(
    sim: Simulator, rest: RawRest, gw: RawGateway
) -> None:
    sim.config.nonce_on_component_jobs = True
    grid = await imagine_grid(rest, gw, "wasp")
    assert [grid["components"][0]["id"], grid["components"][0]["components"][0]["id"]] == [1, 2]
    image = await upscale(rest, gw, grid)
    waiting, _ = await press_and_finish(
        rest, gw, image, f"MJ::Outpaint::75::1::{sim.jobs[-1].job_id}::SOLO"
    )
    assert "nonce" in waiting


async def test_niji_application(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    index = await rest.http.get(
        f"/api/v9/guilds/{account.guild_id}/application-command-index", headers=rest.headers
    )
    niji = next(
        c
        for c in index.json()["application_commands"]
        if c["name"] == "imagine" and c["application_id"] == "1022952195194359889"
    )
    nonce = rest.nonce()
    body = {
        "type": 2,
        "application_id": "1022952195194359889",
        "guild_id": account.guild_id,
        "channel_id": account.channel_id,
        "session_id": gw.session_id,
        "nonce": nonce,
        "data": {
            "version": niji["version"],
            "id": niji["id"],
            "name": "imagine",
            "type": 1,
            "options": [{"type": 3, "name": "prompt", "value": "fox --niji 6"}],
        },
    }
    response = await rest.http.post("/api/v9/interactions", json=body, headers=rest.headers)
    assert response.status_code == 204
    waiting = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert waiting["author"]["username"] == "niji・journey Bot"
    assert waiting["application_id"] == "1022952195194359889"


async def test_reused_nonce_starts_nothing(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    command = await rest.command("imagine")
    options = [{"type": 3, "name": "prompt", "value": "cat"}]
    first, nonce = await rest.slash("imagine", options, session_id=gw.session_id, command=command)
    second, _ = await rest.slash(
        "imagine", options, session_id=gw.session_id, command=command, nonce=nonce
    )
    assert (first.status_code, second.status_code) == (204, 204)
    await sim.wait_idle(5)
    assert len(sim.jobs) == 1
