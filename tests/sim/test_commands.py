from __future__ import annotations

import io
import re

from PIL import Image

from mjcore.sim import SimAccount, Simulator
from tests.sim.flows import imagine_grid, png_bytes, upload
from tests.sim.rawclient import MJ_APP, Json, RawGateway, RawRest, custom_ids


def option(name: str, value: object, kind: int = 3) -> Json:
    return {"type": kind, "name": name, "value": value}


async def slash_with_files(
    rest: RawRest, gw: RawGateway, name: str, options: list[Json], files: list[tuple[str, str]]
) -> str:
    command = await rest.command(name)
    nonce = rest.nonce()
    body = {
        "type": 2,
        "application_id": MJ_APP,
        "guild_id": rest.account.guild_id,
        "channel_id": rest.account.channel_id,
        "session_id": gw.session_id,
        "nonce": nonce,
        "data": {
            "version": command["version"],
            "id": command["id"],
            "name": name,
            "type": 1,
            "options": options,
            "attachments": [
                {"id": str(i), "filename": filename, "uploaded_filename": uploaded}
                for i, (filename, uploaded) in enumerate(files)
            ],
        },
    }
    response = await rest.http.post("/api/v9/interactions", json=body, headers=rest.headers)
    assert response.status_code == 204, response.text
    return nonce


async def test_describe_upload(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    uploaded = await upload(sim, rest, png_bytes((10, 200, 30), (80, 40)), "photo.png")
    nonce = await slash_with_files(
        rest, gw, "describe", [option("image", 0, 11)], [("photo.png", uploaded)]
    )
    deferred = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert deferred["interaction"]["name"] == "describe" and deferred["flags"] == 128
    assert deferred["interaction_metadata"]["name"] == "describe"
    done = (await gw.wait_event("MESSAGE_UPDATE", id=deferred["id"]))["d"]
    embed = done["embeds"][0]
    lines = embed["description"].split("\n\n")
    assert [line[:3] for line in lines] == ["1️⃣", "2️⃣", "3️⃣", "4️⃣"]
    assert all("--ar 80:40" in line for line in lines)
    assert re.match(
        r"https://cdn\.discordapp\.com/ephemeral-attachments/1092492867185950852/\d+/[0-9a-f-]{36}\.png\?ex=",
        embed["image"]["url"],
    )
    picture = await rest.download(sim, embed["image"]["url"])
    assert Image.open(io.BytesIO(picture.content)).size == (80, 40)
    ids = custom_ids(done)
    assert ids == [
        *(f"MJ::Job::PicReader::{i}" for i in range(1, 5)),
        "MJ::Picread::Retry",
        "MJ::Job::PicReader::all",
    ]
    _, press_nonce = await rest.press(done, "MJ::Job::PicReader::2", session_id=gw.session_id)
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=press_nonce))["d"]
    assert modal["custom_id"] == "MJ::Picreader::Modal::2"
    field = modal["components"][0]["components"][0]
    assert (
        field["custom_id"] == "MJ::Picreader::Modal::PromptField" and field["value"] == lines[1][4:]
    )
    await rest.submit_modal(modal, field["value"], session_id=gw.session_id)
    await sim.wait_idle(10)
    assert sim.jobs[-1].kind == "imagine" and sim.jobs[-1].status == "done"


async def test_blend(sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway) -> None:
    first = await upload(sim, rest, png_bytes((200, 0, 0)), "a.png")
    second = await upload(sim, rest, png_bytes((0, 0, 200)), "b.png")
    options = [option("image1", 0, 11), option("image2", 1, 11), option("dimensions", "--ar 2:3")]
    nonce = await slash_with_files(
        rest, gw, "blend", options, [("a.png", first), ("b.png", second)]
    )
    waiting = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert waiting["interaction"]["name"] == "blend"
    assert re.fullmatch(
        rf"\*\*<https://s\.mj\.run/[\w-]{{11}}> <https://s\.mj\.run/[\w-]{{11}}> --ar 2:3\*\* "
        rf"- <@{account.user_id}> \(Waiting to start\)",
        waiting["content"],
    )
    await gw.wait_event("MESSAGE_DELETE", id=waiting["id"])
    job = sim.job_for_nonce(nonce)
    assert job is not None and job.kind == "blend" and job.status == "done"
    assert (job.width, job.height) == (170, 256)


async def test_blend_duplicate_images(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    data = png_bytes((1, 1, 1))
    first = await upload(sim, rest, data, "a.png")
    second = await upload(sim, rest, data, "b.png")
    options = [option("image1", 0, 11), option("image2", 1, 11)]
    nonce = await slash_with_files(
        rest, gw, "blend", options, [("a.png", first), ("b.png", second)]
    )
    message = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert message["embeds"][0]["title"] == "Duplicate images detected"


async def test_interaction_with_missing_upload_is_rejected(rest: RawRest, gw: RawGateway) -> None:
    command = await rest.command("describe")
    body = {
        "type": 2,
        "application_id": MJ_APP,
        "channel_id": rest.account.channel_id,
        "guild_id": rest.account.guild_id,
        "session_id": gw.session_id,
        "nonce": rest.nonce(),
        "data": {
            "version": command["version"],
            "id": command["id"],
            "name": "describe",
            "type": 1,
            "options": [option("image", 0, 11)],
            "attachments": [{"id": "0", "filename": "x.png", "uploaded_filename": "nope/x.png"}],
        },
    }
    response = await rest.http.post("/api/v9/interactions", json=body, headers=rest.headers)
    assert response.status_code == 400 and response.json()["code"] == 50035


async def test_shorten_then_imagine(sim: Simulator, rest: RawRest, gw: RawGateway) -> None:
    _, nonce = await rest.slash(
        "shorten", [option("prompt", "a very long and flowery prompt")], session_id=gw.session_id
    )
    message = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    embed = message["embeds"][0]
    assert "## Shortened prompts" in embed["description"]
    assert embed["footer"]["text"] == "Click on a button to imagine one of the shortened prompts"
    assert custom_ids(message)[:5] == [f"MJ::Job::PromptAnalyzer::{i}" for i in range(1, 6)]
    _, press = await rest.press(message, "MJ::Job::PromptAnalyzer::1", session_id=gw.session_id)
    modal = (await gw.wait_event("INTERACTION_MODAL_CREATE", nonce=press))["d"]
    assert modal["custom_id"] == f"MJ::ImagineModal::{message['id']}"
    assert modal["components"][0]["components"][0]["custom_id"] == "MJ::ImagineModal::new_prompt"


async def test_show_in_dm_then_envelope_reaction_gives_seed(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    await imagine_grid(rest, gw, "lighthouse")
    job = sim.jobs[-1]
    command = await rest.command("show")
    nonce = rest.nonce()
    body = {
        "type": 2,
        "application_id": MJ_APP,
        "channel_id": account.dm_channel_id,
        "session_id": gw.session_id,
        "nonce": nonce,
        "data": {
            "version": command["version"],
            "id": command["id"],
            "name": "show",
            "type": 1,
            "options": [option("job_id", job.job_id)],
            "attachments": [],
        },
        "analytics_location": "slash_ui",
    }
    response = await rest.http.post("/api/v9/interactions", json=body, headers=rest.headers)
    assert response.status_code == 204
    shown = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert shown["channel_id"] == account.dm_channel_id and "guild_id" not in shown
    assert job.job_id in shown["attachments"][0]["filename"]
    assert f"/attachments/{account.dm_channel_id}/" in shown["attachments"][0]["url"]
    reaction = await rest.http.put(
        f"/api/v9/channels/{account.dm_channel_id}/messages/{shown['id']}/reactions/%E2%9C%89%EF%B8%8F/%40me?location=Message&type=0",
        headers=rest.headers,
    )
    assert reaction.status_code == 204
    dm = (
        await gw.wait_for(
            lambda p: p["t"] == "MESSAGE_CREATE" and "**Job ID**" in p["d"]["content"]
        )
    )["d"]
    assert dm["channel_id"] == account.dm_channel_id
    match = re.search(r"\*\*Job ID\*\*:\s*([a-fA-F0-9-]{36})\s*\*\*seed\*\*\s*(\d+)", dm["content"])
    assert match is not None and match.group(1) == job.job_id and int(match.group(2)) == job.seed


async def test_info_and_mode_switches(
    sim: Simulator, account: SimAccount, rest: RawRest, gw: RawGateway
) -> None:
    _, nonce = await rest.slash("info", [], session_id=gw.session_id)
    deferred = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert deferred["flags"] & 64
    info = (await gw.wait_event("MESSAGE_UPDATE", id=deferred["id"]))["d"]
    assert info["interaction_metadata"]["name"] == "info"
    description = info["embeds"][0]["description"]
    assert "Your info" in info["embeds"][0]["title"]
    assert "**Job Mode**: Fast" in description and "**Fast Time Remaining**:" in description
    _, nonce = await rest.slash("relax", [], session_id=gw.session_id)
    relax = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert relax["content"].startswith("Done! Your jobs now do not consume fast-hours")
    assert relax["flags"] == 64
    await imagine_grid(rest, gw, "quiet")
    final = [p["d"] for p in gw.received if p["t"] == "MESSAGE_CREATE" and p["d"]["type"] == 0][-1]
    assert final["content"].endswith("(relaxed)")
    _, nonce = await rest.slash(
        "prefer", [{"type": 1, "name": "remix", "options": []}], session_id=gw.session_id
    )
    remix = (await gw.wait_event("MESSAGE_CREATE", nonce=nonce))["d"]
    assert remix["content"].startswith("Remix mode turned on")
    assert remix["interaction_metadata"]["name"] == "prefer remix"
    assert sim.state.users[account.user_id].remix is True
