"""Interaction payload builders and the command index, against the recorded request shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mjcore.midjourney import commands
from mjcore.midjourney.bots import (
    MJ_BOT_ID,
    MJ_BOT_IDS,
    NIJI_BOT_ID,
    application_id_for,
    bot_type_for,
)
from mjcore.midjourney.commands import Command, CommandIndex, InteractionContext
from mjcore.models import BotType

GUILD, CHANNEL, SESSION = (
    "1076097007850111017",
    "1076097007850111020",
    "faa9c3fcd1bb335c22a3eb49d78bddf4",
)
CTX = InteractionContext(GUILD, CHANNEL, SESSION)
MJ = CommandIndex.default(BotType.MID_JOURNEY)


def test_bot_ids() -> None:
    assert application_id_for(BotType.MID_JOURNEY) == MJ_BOT_ID == "936929561302675456"
    assert application_id_for(BotType.NIJI_JOURNEY) == NIJI_BOT_ID == "1022952195194359889"
    assert bot_type_for(NIJI_BOT_ID) is BotType.NIJI_JOURNEY
    assert bot_type_for("1090660574196674713") is None
    assert frozenset({MJ_BOT_ID, NIJI_BOT_ID}) == MJ_BOT_IDS


# --- command index -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bot", "name", "command_id", "version"),
    [
        (BotType.MID_JOURNEY, "imagine", "938956540159881230", "1237876415471554623"),
        (BotType.MID_JOURNEY, "blend", "1062880104792997970", "1237876415471554624"),
        (BotType.MID_JOURNEY, "describe", "1092492867185950852", "1237876415471554625"),
        (BotType.MID_JOURNEY, "shorten", "1121575372539039774", "1247736572414001223"),
        (BotType.MID_JOURNEY, "show", "1169435442328911902", "1247736572414001224"),
        (BotType.MID_JOURNEY, "info", "972289487818334209", "1237876415735660565"),
        (BotType.MID_JOURNEY, "fast", "972289487818334212", "1237876415735660572"),
        (BotType.MID_JOURNEY, "relax", "972289487818334213", "1237876415735660573"),
        (BotType.MID_JOURNEY, "turbo", "1124132684143271996", "1237876415790055474"),
        (BotType.NIJI_JOURNEY, "imagine", "1023054140580057099", "1248805223892254774"),
        (BotType.NIJI_JOURNEY, "describe", "1092683500743831652", "1248805223892254776"),
        (BotType.NIJI_JOURNEY, "relax", "1023054140634579024", "1248805223925940262"),
    ],
)
def test_default_index(bot: BotType, name: str, command_id: str, version: str) -> None:
    app = application_id_for(bot)
    assert CommandIndex.default(bot).require(name, app) == Command(command_id, version, app, name)
    assert CommandIndex.default().require(name, app) == Command(command_id, version, app, name)


def test_default_index_is_per_bot() -> None:
    assert MJ.get("imagine", NIJI_BOT_ID) is None
    assert set(MJ.for_application(MJ_BOT_ID)) >= {"imagine", "blend", "describe", "settings"}
    assert len(CommandIndex.default()) == len(MJ) + len(CommandIndex.default(BotType.NIJI_JOURNEY))


# protocol §7.8 (useapi.net capture, 2023-09) plus a Niji entry and shapes to skip
INDEX_PAYLOAD: dict[str, Any] = {
    "applications": [{"id": MJ_BOT_ID, "name": "Midjourney Bot"}],
    "application_commands": [
        {
            "id": "1200000000000000001",
            "application_id": MJ_BOT_ID,
            "version": "1200000000000000002",
            "type": 3,
            "name": "imagine",
        },
        {
            "id": "938956540159881230",
            "application_id": MJ_BOT_ID,
            "version": "1118961510123847772",
            "type": 1,
            "name": "imagine",
            "description": "Create images with Midjourney",
            "dm_permission": True,
            "contexts": [0, 1, 2],
            "integration_types": [0],
            "options": [
                {
                    "type": 3,
                    "name": "prompt",
                    "description": "The prompt to imagine",
                    "required": True,
                }
            ],
        },
        {
            "id": "1200000000000000003",
            "application_id": MJ_BOT_ID,
            "version": "1200000000000000004",
            "type": 3,
            "name": "imagine",
        },
        {
            "id": "1023054140580057099",
            "application_id": NIJI_BOT_ID,
            "version": "1300000000000000000",
            "type": 1,
            "name": "imagine",
        },
        {"id": "1", "application_id": MJ_BOT_ID, "type": 1, "name": "noversion"},
        {"id": "2", "application_id": MJ_BOT_ID, "version": "", "name": "emptyversion"},
        "junk",
        {"id": "3", "application_id": MJ_BOT_ID, "version": "4", "name": "Cancel Job", "type": 3},
    ],
    "version": "1300000000000000001",
}


def test_from_payload_groups_by_application_and_prefers_slash_commands() -> None:
    index = CommandIndex.from_payload(INDEX_PAYLOAD)
    assert index.require("imagine") == Command(
        "938956540159881230", "1118961510123847772", MJ_BOT_ID, "imagine"
    )
    assert index.require("imagine", NIJI_BOT_ID).version == "1300000000000000000"
    assert index.get("Cancel Job") == Command("3", "4", MJ_BOT_ID, "Cancel Job")
    assert index.get("noversion") is None and index.get("emptyversion") is None
    assert len(index) == 3


def test_from_payload_of_an_empty_answer() -> None:
    assert len(CommandIndex.from_payload({})) == 0


def test_merged_replaces_namesakes_only() -> None:
    fetched = CommandIndex.from_payload(INDEX_PAYLOAD)
    merged = MJ.merged(fetched)
    assert merged.require("imagine").version == "1118961510123847772"
    assert merged.require("blend") == MJ.require("blend")
    assert merged != MJ
    assert CommandIndex.default(BotType.MID_JOURNEY) == MJ
    assert MJ.__eq__(object()) is NotImplemented
    assert repr(MJ) == f"CommandIndex({len(MJ)} commands)"


def test_require_names_what_is_missing() -> None:
    with pytest.raises(KeyError, match="no command 'tune' for application 936929561302675456"):
        MJ.require("tune")


# --- builders ------------------------------------------------------------------------------------


def test_imagine_payload() -> None:
    payload = commands.imagine(
        CTX, MJ.require("imagine"), "a red cat --ar 3:2 --v 7", "1216564633255542784"
    )
    assert payload == {
        "type": 2,
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "application_id": "936929561302675456",
        "session_id": SESSION,
        "nonce": "1216564633255542784",
        "data": {
            "version": "1237876415471554623",
            "id": "938956540159881230",
            "name": "imagine",
            "type": 1,
            "options": [{"type": 3, "name": "prompt", "value": "a red cat --ar 3:2 --v 7"}],
            "attachments": [],
        },
    }
    json.dumps(payload)  # plain JSON types only


def test_button_payload_matches_the_web_client_capture() -> None:
    # anchors H.10: v6 subtle upscale press
    payload = commands.button(
        CTX,
        "1216372243345571871",
        0,
        "MJ::JOB::upsample_v6_2x_subtle::1::fc9b0549-969a-437f-8949-c6defa2be2a1::SOLO",
        "1216564633255542784",
    )
    assert payload == {
        "type": 3,
        "nonce": "1216564633255542784",
        "guild_id": "1076097007850111017",
        "channel_id": "1076097007850111020",
        "message_flags": 0,
        "message_id": "1216372243345571871",
        "application_id": "936929561302675456",
        "session_id": "faa9c3fcd1bb335c22a3eb49d78bddf4",
        "data": {
            "component_type": 2,
            "custom_id": (
                "MJ::JOB::upsample_v6_2x_subtle::1::fc9b0549-969a-437f-8949-c6defa2be2a1::SOLO"
            ),
        },
    }


def test_button_on_an_ephemeral_message_in_a_dm() -> None:
    ctx = InteractionContext(None, "1069000000000000001", SESSION)
    payload = commands.button(
        ctx, "1112675669818744904", 64, "MJ::Prompts::Appeal::7_dEy36TiEY", "1"
    )
    assert "guild_id" not in payload
    assert payload["message_flags"] == 64


def test_modal_submit_matches_the_captured_remix_submit() -> None:
    ctx = InteractionContext(
        "1133215830201618533", "1133395395800731668", "ebbeb54f1775c76b89ba7b39b469f054"
    )
    payload = commands.modal_submit(
        ctx,
        "1136957307595526194",
        "MJ::RemixModal::c11b36f2-5a80-4c8f-b4a3-91801e615cbb::4::1",
        "MJ::RemixModal::new_prompt",
        "cat",
        "1136957315283419136",
    )
    assert payload == {
        "type": 5,
        "application_id": "936929561302675456",
        "channel_id": "1133395395800731668",
        "guild_id": "1133215830201618533",
        "data": {
            "id": "1136957307595526194",
            "custom_id": "MJ::RemixModal::c11b36f2-5a80-4c8f-b4a3-91801e615cbb::4::1",
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 4, "custom_id": "MJ::RemixModal::new_prompt", "value": "cat"}
                    ],
                }
            ],
        },
        "session_id": "ebbeb54f1775c76b89ba7b39b469f054",
        "nonce": "1136957315283419136",
    }
    dm = InteractionContext(None, "1", SESSION)
    assert "guild_id" not in commands.modal_submit(dm, "1", "m", "i", "v", "2")


def test_describe_payloads() -> None:
    uploaded = "87e49c99-43f8-4a33-baad-5a834c94424c/cat.png"
    payload = commands.describe(CTX, MJ.require("describe"), uploaded, "cat.png", "5")
    assert payload["data"] == {
        "version": "1237876415471554625",
        "id": "1092492867185950852",
        "name": "describe",
        "type": 1,
        "options": [{"type": 11, "name": "image", "value": 0}],
        "attachments": [{"id": "0", "filename": "cat.png", "uploaded_filename": uploaded}],
    }
    link = commands.describe_link(CTX, MJ.require("describe"), "https://example.com/cat.png", "6")
    assert link["data"]["options"] == [
        {"type": 3, "name": "link", "value": "https://example.com/cat.png"}
    ]
    assert link["data"]["attachments"] == []


def test_blend_payload() -> None:
    uploads = [("a.png", "u1/a.png"), ("b.png", "u2/b.png"), ("c.png", "u3/c.png")]
    payload = commands.blend(CTX, MJ.require("blend"), uploads, "--ar 2:3", "7")
    assert payload["data"]["options"] == [
        {"type": 11, "name": "image1", "value": 0},
        {"type": 11, "name": "image2", "value": 1},
        {"type": 11, "name": "image3", "value": 2},
        {"type": 3, "name": "dimensions", "value": "--ar 2:3"},
    ]
    assert payload["data"]["attachments"] == [
        {"id": "0", "filename": "a.png", "uploaded_filename": "u1/a.png"},
        {"id": "1", "filename": "b.png", "uploaded_filename": "u2/b.png"},
        {"id": "2", "filename": "c.png", "uploaded_filename": "u3/c.png"},
    ]
    assert (payload["data"]["id"], payload["data"]["version"]) == (
        "1062880104792997970",
        "1237876415471554624",
    )


@pytest.mark.parametrize(
    ("count", "dimensions", "message"),
    [
        (1, "--ar 1:1", "2 to 5 images"),
        (6, "--ar 1:1", "2 to 5 images"),
        (2, "--ar 16:9", "dimensions"),
    ],
)
def test_blend_rejects_bad_input(count: int, dimensions: str, message: str) -> None:
    uploads = [(f"{i}.png", f"u/{i}.png") for i in range(count)]
    with pytest.raises(ValueError, match=message):
        commands.blend(CTX, MJ.require("blend"), uploads, dimensions, "1")


def test_shorten_payload() -> None:
    payload = commands.shorten(CTX, MJ.require("shorten"), "a very long prompt", "8")
    assert payload["data"]["options"] == [
        {"type": 3, "name": "prompt", "value": "a very long prompt"}
    ]
    assert payload["data"]["id"] == "1121575372539039774"
    assert "analytics_location" not in payload


def test_show_is_sent_in_the_dm_without_guild() -> None:
    job = "6243686b-7ab1-4174-a9fe-527cca66a829"
    payload = commands.show(CTX, MJ.require("show"), job, "9")
    assert "guild_id" not in payload
    assert payload["analytics_location"] == "slash_ui"
    assert payload["data"]["options"] == [{"type": 3, "name": "job_id", "value": job}]
    assert payload["data"]["attachments"] == []
    assert commands.show(CTX, MJ.require("show"), job, "9", in_dm=False)["guild_id"] == GUILD


@pytest.mark.parametrize("name", ["info", "fast", "relax", "turbo", "settings"])
def test_simple_commands(name: str) -> None:
    payload = commands.simple(CTX, MJ.require(name), "10")
    assert payload["data"]["options"] == [] and payload["data"]["attachments"] == []
    assert payload["data"]["name"] == name
    assert ("analytics_location" in payload) is (name in {"info", "settings"})


def test_simple_refuses_commands_with_options() -> None:
    with pytest.raises(ValueError, match="/imagine is not a command without options"):
        commands.simple(CTX, MJ.require("imagine"), "1")


def test_niji_commands_need_a_niji_context() -> None:
    niji = CommandIndex.default(BotType.NIJI_JOURNEY).require("imagine", NIJI_BOT_ID)
    with pytest.raises(ValueError, match="belongs to application 1022952195194359889"):
        commands.imagine(CTX, niji, "cat", "1")
    ctx = InteractionContext(GUILD, CHANNEL, SESSION, NIJI_BOT_ID)
    payload = commands.imagine(ctx, niji, "cat", "1")
    assert payload["application_id"] == NIJI_BOT_ID
    assert payload["data"]["id"] == "1023054140580057099"


def test_nonce_and_session_are_required() -> None:
    with pytest.raises(ValueError, match="nonce"):
        commands.imagine(CTX, MJ.require("imagine"), "cat", "")
    with pytest.raises(ValueError, match="nonce"):
        commands.button(CTX, "1", 0, "x", "")
    with pytest.raises(ValueError, match="session_id"):
        InteractionContext(GUILD, CHANNEL, "")
    with pytest.raises(ValueError, match="channel_id"):
        InteractionContext(GUILD, "", SESSION)
