"""``parse_event`` over recorded-shape gateway payloads (tests/unit/fixtures/discord)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mjcore.midjourney.bots import NIJI_BOT_ID
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.midjourney.parse import parse_event
from mjcore.models import Button, TaskAction

FIXTURES = Path(__file__).parent / "fixtures" / "discord"

H1 = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"
HU = "f58fa448-1620-4aca-9621-005ef9f3b383"
HV = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"
P4 = "high definition photo of a modern powder bathroom in a coastal home, natural light (fast)"
BLEND_PROMPT = "<https://s.mj.run/JWu6jaL1D-8> <https://s.mj.run/QhfnQY-l68o> --v 5.1"
DESCRIBE_IMAGE = (
    "https://cdn.discordapp.com/ephemeral-attachments/1092492867185950852/1377952966417453166/"
    "1748599984985576.jpg?ex=683ad634&is=683984b4&hm="
    "2afb6f0c3f6d4d2a9b1e7c5d8a0b3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b48dc&"
)


def load(name: str) -> tuple[str, dict[str, Any]]:
    payload = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    return payload["t"], payload["d"]


def parse_fixture(name: str, **kwargs: Any) -> MjMessage | None:
    event, data = load(name)
    return parse_event(event, data, **kwargs)


CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "imagine_waiting_v6",
        {
            "kind": MessageKind.START,
            "event": "MESSAGE_CREATE",
            "action": TaskAction.IMAGINE,
            "prompt": "glass",
            "nonce": "1083788665919897600",
            "interaction_id": "1083788667513999500",
            "interaction_name": "imagine",
            "message_id": "1083788668470304788",
            "channel_id": "1069000000000000001",
            "progress": None,
            "mode": None,
            "job_id": None,
            "image_url": None,
            "buttons": (),
            "from_bot": True,
        },
    ),
    (
        "imagine_waiting_v9",
        {
            "kind": MessageKind.START,
            "action": TaskAction.IMAGINE,
            "prompt": "anime ninja meditating",
            "nonce": "1128446136764334080",
            "interaction_id": "1128446138870136832",
            "interaction_name": "imagine",
            "flags": 0,
        },
    ),
    (
        "imagine_progress",
        {
            "kind": MessageKind.PROGRESS,
            "event": "MESSAGE_UPDATE",
            "action": TaskAction.IMAGINE,
            "progress": 31,
            "mode": "fast",
            "message_id": "1128446139352465408",
            "job_id": "5545fc38-0922-45f4-9f99-6909ff74f645",
            "image_width": 512,
            "image_height": 512,
            "nonce": None,
        },
    ),
    (
        "imagine_result_v6",
        {
            "kind": MessageKind.RESULT,
            "action": TaskAction.IMAGINE,
            "prompt": "glass",
            "mode": "relaxed",
            "job_id": "a7cb1552-f779-4094-9afe-2acf22dae280",
            "image_width": 1024,
            "interaction_id": None,
            "nonce": None,
        },
    ),
    (
        "imagine_result_grid",
        {
            "kind": MessageKind.RESULT,
            "action": TaskAction.IMAGINE,
            "index": None,
            "prompt": "Sea, waves, background image, realistic.",
            "mode": "relaxed",
            "job_id": H1,
            "image_url": (
                "https://cdn.discordapp.com/attachments/1116666992993259573/1118549875865427998/"
                f"april39_Sea_waves_background_image_realistic._{H1}.png"
            ),
            "image_width": 2048,
            "image_height": 2048,
            "flags": 0,
            "referenced_message_id": None,
            "title": None,
            "description": None,
        },
    ),
    (
        "variation_result",
        {
            "kind": MessageKind.RESULT,
            "action": TaskAction.VARIATION,
            "index": None,
            "prompt": P4,
            "mode": "fast",
            "job_id": HV,
            "referenced_message_id": "1131713484078461018",
        },
    ),
    (
        "upscale_result",
        {
            "kind": MessageKind.RESULT,
            "action": TaskAction.UPSCALE,
            "index": 2,
            "prompt": P4,
            "mode": None,
            "job_id": HU,
            "image_width": 1024,
            "referenced_message_id": "1131713804179362064",
        },
    ),
    (
        "zoom_waiting",
        {
            "kind": MessageKind.START,
            "action": None,
            "prompt": "rain",
            "nonce": None,
            "flags": 64,
            "job_id": "875fbd3a-ef43-4134-a4e8-cd853565cbfd",
            "referenced_message_id": "1127962442635419768",
            "buttons": (
                Button(
                    "MJ::CancelJob::ByJobid::875fbd3a-ef43-4134-a4e8-cd853565cbfd",
                    label="Cancel Job",
                    style=4,
                ),
            ),
        },
    ),
    (
        "upscale_progress_v7",
        {
            "kind": MessageKind.PROGRESS,
            "action": TaskAction.UPSCALE,
            "prompt": "girl --raw --v 7.0",
            "progress": 31,
            "mode": "fast",
            "job_id": "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b",
            "interaction_id": "1376858430000000001",
            "interaction_name": None,
            "flags": 64,
        },
    ),
    (
        "blend_waiting",
        {
            "kind": MessageKind.START,
            "action": TaskAction.BLEND,
            "prompt": BLEND_PROMPT,
            "interaction_name": "blend",
        },
    ),
    (
        "blend_result",
        {
            "kind": MessageKind.RESULT,
            "action": TaskAction.IMAGINE,
            "prompt": BLEND_PROMPT,
            "mode": "relaxed",
            "job_id": "c0ffee00-1234-4abc-9def-0123456789ab",
        },
    ),
    (
        "error_queue_full",
        {
            "kind": MessageKind.ERROR,
            "nonce": "1317073040000000000",
            "title": "Queue full",
            "description": (
                "Your job queue is full. Please wait for a job to finish first, "
                "then resubmit this one."
            ),
            "prompt": "A spacious dining room design featuring a long wooden table --ar 16:9",
            "interaction_id": "1317073041000000000",
            "flags": 64,
            "content": "",
        },
    ),
    (
        "moderation_action_needed",
        {
            "kind": MessageKind.MODERATION,
            "nonce": "1317073050000000000",
            "title": "Action needed to continue",
            "prompt": "An intricate lace fabric texture --ar 16:9",
            "buttons": (Button("MJ::Prompts::Appeal::7_dEy36TiEY", label="Appeal", style=1),),
            "flags": 64,
        },
    ),
    (
        "error_banned_prompt",
        {
            "kind": MessageKind.ERROR,
            "title": "Banned prompt detected",
            "prompt": "a forbidden thing",
        },
    ),
    (
        "error_plain_text",
        {
            "kind": MessageKind.ERROR,
            "nonce": "1317073070000000000",
            "title": None,
            "description": None,
            "prompt": None,
        },
    ),
    ("error_invalid_parameter_text", {"kind": MessageKind.ERROR, "prompt": None}),
    (
        "error_decline",
        {
            "kind": MessageKind.ERROR,
            "title": "Sorry, something went wrong",
            "description": "The job encountered an error. Our team has been notified.",
            "referenced_message_id": "1317073046384672000",
            "prompt": None,
        },
    ),
    ("error_slow_down", {"kind": MessageKind.ERROR, "title": "Slow Down!"}),
    (
        "notice_job_queued",
        {
            "kind": MessageKind.NOTICE,
            "title": "Job queued",
            "prompt": "a lighthouse at dusk --ar 3:2",
            "nonce": "1317073090000000000",
        },
    ),
    ("account_pending_mod", {"kind": MessageKind.ACCOUNT_ERROR, "title": "Pending mod message"}),
    (
        "account_credits_exhausted",
        {"kind": MessageKind.ACCOUNT_ERROR, "title": "Credits exhausted"},
    ),
    (
        "describe_deferred",
        {
            "kind": MessageKind.START,
            "action": None,
            "interaction_name": "describe",
            "interaction_id": "1377952900000000001",
            "nonce": "1377952960000000000",
            "flags": 128,
        },
    ),
    (
        "describe_result",
        {
            "kind": MessageKind.DESCRIBE_RESULT,
            "event": "MESSAGE_UPDATE",
            "interaction_name": "describe",
            "image_url": DESCRIBE_IMAGE,
            "image_width": 1024,
            "image_height": 768,
            "job_id": None,
            "title": None,
        },
    ),
    (
        "shorten_result",
        {
            "kind": MessageKind.SHORTEN_RESULT,
            "interaction_name": "shorten",
            "nonce": "1377953000000000000",
            "image_url": None,
        },
    ),
    ("info", {"kind": MessageKind.INFO, "title": "Your info - describer", "flags": 64}),
    (
        "mode_relax_done",
        {"kind": MessageKind.MODE_CHANGED, "mode": "relaxed", "interaction_name": "relax"},
    ),
    (
        "mode_remix_on",
        {"kind": MessageKind.MODE_CHANGED, "mode": None, "interaction_name": "prefer remix"},
    ),
    (
        "seed_dm",
        {
            "kind": MessageKind.SEED,
            "job_id": "6243686b-7ab1-4174-a9fe-527cca66a829",
            "description": "1259687673",
            "prompt": "girl",
            "channel_id": "1377957000000000001",
        },
    ),
    (
        "interaction_create",
        {
            "kind": MessageKind.INTERACTION_CREATED,
            "event": "INTERACTION_CREATE",
            "interaction_id": "1128446138870136832",
            "nonce": "1128446136764334080",
            "description": None,
        },
    ),
    (
        "interaction_success",
        {
            "kind": MessageKind.INTERACTION_SUCCEEDED,
            "interaction_id": "1128446138870136832",
            "nonce": "1128446136764334080",
        },
    ),
    (
        "interaction_failure",
        {
            "kind": MessageKind.INTERACTION_FAILED,
            "interaction_id": "1128446138870136833",
            "nonce": "1128446136764334081",
            "description": (
                "Discord reported the interaction failed (code 2: the bot did not answer in time)"
            ),
        },
    ),
    (
        "interaction_modal_create",
        {
            "kind": MessageKind.MODAL_OPENED,
            "interaction_id": "1136957307595526194",
            "nonce": "1136957300000000000",
            "channel_id": "1133395395800731668",
            "custom_id": "MJ::RemixModal::c11b36f2-5a80-4c8f-b4a3-91801e615cbb::4::1",
            "title": "Remix Prompt",
            "prompt": "cat --v 7.0",
            "buttons": (
                Button(
                    "MJ::RemixModal::new_prompt", label="New prompt for image #4", style=2, type=4
                ),
            ),
        },
    ),
    (
        "iframe_captcha",
        {
            "kind": MessageKind.ACCOUNT_ERROR,
            "title": "Action required to continue",
            "custom_id": (
                "MJ::iframe::U3NmeM-lDTrmTCN_QY5n4DXvjrQRPGOZrQiLa-fT9y3siLA2AGjhj37IjzCqCtVzth"
                "UhGBj4KKqNSntQ"
            ),
            "description": "/captcha/embedded/index.html?hash=U3NmeM-lDTrmTCN",
            "interaction_id": "1317080000000000001",
        },
    ),
    (
        "iframe_inpaint",
        {
            "kind": MessageKind.IFRAME_OPENED,
            "custom_id": "MJ::iframe::c2pYkQ1yJ6bXj0b1a3oDqW",
            "nonce": "1317079990000000001",
            "interaction_id": "1317080000000000002",
        },
    ),
    (
        "message_delete",
        {
            "kind": MessageKind.DELETED,
            "event": "MESSAGE_DELETE",
            "message_id": "1317073046384672820",
            "channel_id": "1291762963174129696",
        },
    ),
]

IGNORED = ["reaction_add", "human_message", "own_upload_message"]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[name for name, _ in CASES])
def test_fixture(name: str, expected: dict[str, Any]) -> None:
    msg = parse_fixture(name)
    assert msg is not None
    assert {field: getattr(msg, field) for field in expected} == expected


@pytest.mark.parametrize("name", IGNORED)
def test_events_not_about_midjourney_are_ignored(name: str) -> None:
    assert parse_fixture(name, self_user_id="1300000000000000001") is None
    assert parse_fixture(name) is None


def test_every_fixture_has_a_case() -> None:
    names = {p.stem for p in FIXTURES.glob("*.json")}
    assert names == {name for name, _ in CASES} | set(IGNORED)


def test_grid_buttons_flatten_both_rows_in_order() -> None:
    msg = parse_fixture("imagine_result_grid")
    assert msg is not None
    assert [b.label or b.emoji for b in msg.buttons] == [
        "U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4",
    ]  # fmt: skip
    assert msg.buttons[4] == Button(f"MJ::JOB::reroll::0::{H1}::SOLO", emoji="🔄")
    assert msg.buttons[0] == Button(f"MJ::JOB::upsample::1::{H1}", label="U1")


def test_upscaled_buttons_skip_the_web_link() -> None:
    msg = parse_fixture("upscale_result")
    assert msg is not None
    ids = [b.custom_id for b in msg.buttons]
    assert len(ids) == 10
    assert all(ids) and not any("midjourney.com" in i for i in ids)
    assert ids[0] == f"MJ::JOB::high_variation::1::{HU}::SOLO"
    assert ids[-1] == f"MJ::BOOKMARK::{HU}"
    assert msg.buttons[0].label == "Vary (Strong)" and msg.buttons[0].emoji == "🪄"


def test_describe_result_keeps_the_four_prompts_and_buttons() -> None:
    msg = parse_fixture("describe_result")
    assert msg is not None
    assert msg.description is not None
    assert msg.description.startswith("1️⃣ A simple, flat cartoon drawing")
    assert "4️⃣" in msg.description
    assert [b.custom_id for b in msg.buttons] == [
        "MJ::Job::PicReader::1",
        "MJ::Job::PicReader::2",
        "MJ::Job::PicReader::3",
        "MJ::Job::PicReader::4",
        "MJ::Picread::Retry",
        "MJ::Job::PicReader::all",
    ]


def test_info_description_is_the_embed_description() -> None:
    msg = parse_fixture("info")
    assert msg is not None and msg.description is not None
    assert "**Fast Time Remaining**: 2.87/15.0 hours (19.13%)" in msg.description


def test_shorten_result_keeps_the_description() -> None:
    msg = parse_fixture("shorten_result")
    assert msg is not None and msg.description is not None
    assert "## Shortened prompts\n1️⃣" in msg.description
    assert len(msg.buttons) == 5


# --- content catalog (H.8) on a recorded grid message ------------------------------------------

U = "<@1013250593877397634>"
CONTENTS: list[tuple[str, bool, dict[str, Any]]] = [
    (f"**cat** - {U} (Waiting to start)", False, {"kind": MessageKind.START, "progress": None}),
    (
        f"**cat** - {U} (0%) (fast)",
        False,
        {"kind": MessageKind.PROGRESS, "progress": 0, "mode": "fast"},
    ),
    (f"**cat** - {U} (93%) (turbo)", True, {"kind": MessageKind.PROGRESS, "progress": 93}),
    (
        f"**cat** - {U} (46%) (relaxed, stealth)",
        True,
        {"kind": MessageKind.PROGRESS, "progress": 46, "mode": "relaxed"},
    ),
    (
        f"**cat** - {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.IMAGINE, "prompt": "cat", "mode": "fast"},
    ),
    (f"**cat** - {U} (fast, stealth)", True, {"kind": MessageKind.RESULT, "mode": "fast"}),
    (
        f"**cat** - {U} (Open on website for full quality) (relaxed)",
        True,
        {"kind": MessageKind.RESULT, "mode": "relaxed", "prompt": "cat"},
    ),
    (
        "**<https://s.mj.run/pnvVhedeTbw> cat --fast --video 1 --aspect 1:1** - "
        f"{U} [(Open on website for full quality)](<https://midjourney.com/jobs/"
        "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6>) (fast)",
        True,
        {
            "kind": MessageKind.RESULT,
            "mode": "fast",
            "prompt": "<https://s.mj.run/pnvVhedeTbw> cat --fast --video 1 --aspect 1:1",
        },
    ),
    (
        f"**cat --v 7.0** - {U} (relaxed, stealth)\n-# Create, explore, and organize on "
        "[midjourney.com](<https://midjourney.com/imagine?from_discord=1>)",
        True,
        {"kind": MessageKind.RESULT, "mode": "relaxed", "prompt": "cat --v 7.0"},
    ),
    (
        f"**cat** - Image #2 {U}",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.UPSCALE, "index": 2, "mode": None},
    ),
    (
        f"**cat** - Upscaled by {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.UPSCALE, "index": None},
    ),
    *(
        (
            f"**cat** - Upscaled ({variant}) by {U} (relaxed)",
            True,
            {"kind": MessageKind.RESULT, "action": TaskAction.UPSCALE, "mode": "relaxed"},
        )
        for variant in ("Subtle", "Creative", "2x", "4x")
    ),
    (
        f"**cat** - Upscaled (4x) by {U} (Open on website for full quality) (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.UPSCALE, "mode": "fast"},
    ),
    (
        f"**cat** - Upscaling by {U} (31%) (fast)",
        True,
        {"kind": MessageKind.PROGRESS, "action": TaskAction.UPSCALE, "progress": 31},
    ),
    (
        f"**cat** - Variations by {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.VARIATION},
    ),
    *(
        (
            f"**cat** - Variations ({variant}) by {U} (fast)",
            True,
            {"kind": MessageKind.RESULT, "action": TaskAction.VARIATION, "index": None},
        )
        for variant in ("Strong", "Subtle")
    ),
    (
        f"**cat** - Variations (Strong) by {U} (31%) (fast)",
        True,
        {"kind": MessageKind.PROGRESS, "action": TaskAction.VARIATION, "progress": 31},
    ),
    (
        f"**cat** - Variations (Region) by {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.INPAINT},
    ),
    (
        f"**cat** - Remix (Strong) by {U} (relaxed)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.VARIATION, "mode": "relaxed"},
    ),
    (
        f"**cat** - Remix (Region) by {U} (relaxed)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.INPAINT},
    ),
    (f"**cat** - Remix by {U} (fast)", True, {"action": TaskAction.VARIATION}),
    (
        f"**cat** - Zoom Out by {U} (relaxed)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.ZOOM, "mode": "relaxed"},
    ),
    *(
        (
            f"**cat** - Pan {direction} by {U} (relaxed)",
            True,
            {"kind": MessageKind.RESULT, "action": TaskAction.PAN, "index": None},
        )
        for direction in ("Left", "Right", "Up", "Down")
    ),
    (
        f"**cat** - Animate (High motion) by {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.ACTION},
    ),
    (
        f"**** - {U} (fast)",
        True,
        {"kind": MessageKind.RESULT, "action": TaskAction.IMAGINE, "prompt": ""},
    ),
    (
        f"**a **bold** cat (fast)** - Variations (Subtle) by {U} (fast)",
        True,
        {"prompt": "a **bold** cat (fast)", "action": TaskAction.VARIATION},
    ),
    (
        f"Creating video with prompt **car --ar 3:2** - {U} (Waiting to start)",
        False,
        {"kind": MessageKind.START, "prompt": "car --ar 3:2", "action": None},
    ),
    (
        f"**car --ar 3:2 --seed 2960366558 --video 1** - {U} (75%) (fast)",
        True,
        {"kind": MessageKind.PROGRESS, "progress": 75},
    ),
    (
        f"**Variations (Strong) by <@1> (fast)** - {U} (fast)",
        True,
        {"prompt": "Variations (Strong) by <@1> (fast)", "action": TaskAction.IMAGINE},
    ),
    (f"**cat** - {U} (Stopped)", False, {"kind": MessageKind.ERROR}),
    (f"**cat** - {U} (paused)", False, {"kind": MessageKind.NOTICE}),
    (f"**cat** - {U} (fast)", False, {"kind": MessageKind.PROGRESS, "progress": None}),
    ("**cat** - nobody mentioned (fast)", True, {"kind": MessageKind.NOTICE, "prompt": None}),
]


def grid_with(content: str, *, attachments: bool) -> dict[str, Any]:
    _, data = load("imagine_result_grid")
    data = copy.deepcopy(data)
    data["content"] = content
    if not attachments:
        data["attachments"] = []
    return data


@pytest.mark.parametrize(
    ("content", "with_image", "expected"), CONTENTS, ids=[c[0][:60] for c in CONTENTS]
)
def test_content_catalog(content: str, with_image: bool, expected: dict[str, Any]) -> None:
    msg = parse_event("MESSAGE_CREATE", grid_with(content, attachments=with_image))
    assert msg is not None
    assert {field: getattr(msg, field) for field in expected} == expected


def test_progress_url_query_string_does_not_break_the_job_id() -> None:
    msg = parse_fixture("imagine_progress")
    assert msg is not None and msg.image_url is not None
    assert "?ex=6512a3c0&is=65115240&hm=" in msg.image_url
    assert msg.job_id == "5545fc38-0922-45f4-9f99-6909ff74f645"


# --- authorship ---------------------------------------------------------------------------------


def test_niji_messages_count_and_custom_bot_ids_narrow_it() -> None:
    _, data = load("imagine_result_grid")
    data["author"] = dict(data["author"], id=NIJI_BOT_ID, username="niji・journey Bot")
    assert parse_event("MESSAGE_CREATE", data) is not None
    assert parse_event("MESSAGE_CREATE", data, bot_ids=frozenset({"936929561302675456"})) is None


def test_partial_update_without_author_is_judged_by_application_id() -> None:
    _, data = load("describe_result")
    del data["author"]
    msg = parse_event("MESSAGE_UPDATE", data)
    assert msg is not None and msg.kind is MessageKind.DESCRIBE_RESULT
    del data["application_id"], data["webhook_id"]
    assert parse_event("MESSAGE_UPDATE", data) is None


def test_self_user_id_drops_other_users_jobs() -> None:
    own = "1125350768803848263"
    assert parse_fixture("imagine_waiting_v9", self_user_id=own) is not None
    assert parse_fixture("imagine_waiting_v9", self_user_id="42") is None
    # final grids carry no interaction: the mention decides
    assert parse_fixture("imagine_result_grid", self_user_id="1013250593877397634") is not None
    assert parse_fixture("imagine_result_grid", self_user_id="42") is None
    # no mention, no interaction user: kept
    assert parse_fixture("error_decline", self_user_id="42") is not None
    assert parse_fixture("error_plain_text", self_user_id="42") is not None


def test_self_user_id_accepts_the_older_user_id_field() -> None:
    _, data = load("describe_deferred")
    data["interaction_metadata"] = {"id": "1", "type": 2, "name": "describe", "user_id": "7"}
    del data["interaction"]
    assert parse_event("MESSAGE_CREATE", data, self_user_id="7") is not None
    assert parse_event("MESSAGE_CREATE", data, self_user_id="8") is None


# --- fields and edge shapes ---------------------------------------------------------------------


def test_numeric_nonce_becomes_a_string() -> None:
    _, data = load("imagine_waiting_v6")
    data["nonce"] = 1083788665919897600
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.nonce == "1083788665919897600"


def test_interaction_id_falls_back_to_the_deprecated_interaction() -> None:
    msg = parse_fixture("imagine_waiting_v6")
    assert msg is not None and msg.interaction_id == "1083788667513999500"
    _, data = load("imagine_waiting_v9")
    data["interaction_metadata"]["id"] = "999"
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.interaction_id == "999"


def test_components_v2_containers_are_flattened() -> None:
    _, data = load("zoom_waiting")
    data["components"] = [{"type": 17, "components": data["components"]}]
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and [b.custom_id for b in msg.buttons] == [
        "MJ::CancelJob::ByJobid::875fbd3a-ef43-4134-a4e8-cd853565cbfd"
    ]


def test_junk_shapes_are_tolerated() -> None:
    _, data = load("imagine_result_grid")
    data["attachments"] = ["not an object"]
    data["components"] = "nope"
    data["flags"] = True
    data["message_reference"] = "nope"
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None
    assert msg.kind is MessageKind.PROGRESS  # a job content without an image
    assert (msg.buttons, msg.flags, msg.referenced_message_id, msg.job_id) == ((), 0, None, None)


def test_job_id_comes_from_text_when_nothing_else_names_it() -> None:
    _, data = load("error_decline")
    data["embeds"][0]["description"] = "Job 6243686b-7ab1-4174-a9fe-527cca66a829 failed."
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.job_id == "6243686b-7ab1-4174-a9fe-527cca66a829"


def test_job_id_from_an_embed_image() -> None:
    _, data = load("describe_result")
    data["embeds"][0]["image"]["url"] = (
        "https://cdn.midjourney.com/6243686b-7ab1-4174-a9fe-527cca66a829/0_0.png"
    )
    msg = parse_event("MESSAGE_UPDATE", data)
    assert msg is not None and msg.job_id == "6243686b-7ab1-4174-a9fe-527cca66a829"


def test_job_id_from_the_attachment_filename_when_the_url_names_none() -> None:
    _, data = load("imagine_result_grid")
    data["attachments"][0]["url"] = "https://cdn.discordapp.com/attachments/1/2/grid.png"
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.job_id == H1


def test_attachment_without_job_id_falls_back_to_buttons() -> None:
    _, data = load("imagine_result_grid")
    for key in ("url", "proxy_url", "filename"):
        data["attachments"][0][key] = "https://cdn.discordapp.com/attachments/1/2/grid.png"
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.job_id == H1


def test_error_colours_are_configurable() -> None:
    _, data = load("notice_job_queued")
    data["embeds"][0]["title"] = "Something new"
    data["embeds"][0]["color"] = 123
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.kind is MessageKind.NOTICE
    msg = parse_event("MESSAGE_CREATE", data, error_colors=frozenset({123}))
    assert msg is not None and msg.kind is MessageKind.ERROR


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Banned image prompt", MessageKind.ERROR),
        ("Invalid link", MessageKind.ERROR),
        ("Request cancelled due to output filters", MessageKind.ERROR),
        ("Duplicate images detected", MessageKind.ERROR),
        ("Internal Error", MessageKind.ERROR),
        ("Blocked", MessageKind.ACCOUNT_ERROR),
        ("Subscription paused", MessageKind.ACCOUNT_ERROR),
        ("Tos not accepted", MessageKind.ACCOUNT_ERROR),
        ("Please complete the task", MessageKind.ACCOUNT_ERROR),
        ("Action required to continue", MessageKind.ACCOUNT_ERROR),
        ("A friendly tip", MessageKind.NOTICE),
    ],
)
def test_embed_titles(title: str, kind: MessageKind) -> None:
    _, data = load("notice_job_queued")
    data["embeds"][0]["title"] = title
    data["embeds"][0]["color"] = 0
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.kind is kind


def test_footer_without_command_gives_no_prompt() -> None:
    _, data = load("error_queue_full")
    data["embeds"][0]["footer"] = {"text": "/imagine"}
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.prompt is None


def test_describe_by_interaction_name_without_image() -> None:
    _, data = load("describe_result")
    del data["embeds"][0]["image"]
    msg = parse_event("MESSAGE_UPDATE", data)
    assert msg is not None and msg.kind is MessageKind.DESCRIBE_RESULT
    assert msg.image_url is None


def test_shorten_by_interaction_name() -> None:
    _, data = load("shorten_result")
    data["embeds"][0] = {"description": "1️⃣ short"}
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.kind is MessageKind.SHORTEN_RESULT


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("Failed to process your command :c", MessageKind.ERROR),
        ("Invalid link!", MessageKind.ERROR),
        ("Done! Your jobs now use fast-hours.", MessageKind.MODE_CHANGED),
        ("Remix mode turned off! ", MessageKind.MODE_CHANGED),
        ("Adjust your settings here.", MessageKind.NOTICE),
    ],
)
def test_plain_text_replies(content: str, kind: MessageKind) -> None:
    _, data = load("error_plain_text")
    data["content"] = content
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.kind is kind


def test_empty_message_without_interaction_is_a_notice() -> None:
    _, data = load("error_plain_text")
    data["content"] = ""
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None and msg.kind is MessageKind.NOTICE


def test_seed_without_prompt_line() -> None:
    _, data = load("seed_dm")
    data["content"] = "**Job ID**: 6243686b-7ab1-4174-a9fe-527cca66a829 **seed** 42"
    msg = parse_event("MESSAGE_CREATE", data)
    assert msg is not None
    assert (msg.kind, msg.prompt, msg.description) == (MessageKind.SEED, None, "42")


@pytest.mark.parametrize(
    ("data", "description"),
    [
        ({"id": "1", "nonce": "2"}, "Discord reported the interaction failed"),
        (
            {"id": "1", "nonce": "2", "reason_code": 1},
            "Discord reported the interaction failed (code 1: unknown error)",
        ),
        (
            {"id": "1", "nonce": "2", "reason_code": 9},
            "Discord reported the interaction failed (code 9: reason unknown)",
        ),
    ],
)
def test_interaction_failure_reasons(data: dict[str, Any], description: str) -> None:
    msg = parse_event("INTERACTION_FAILURE", data)
    assert msg is not None and msg.description == description


def test_captcha_is_recognised_by_path_alone() -> None:
    _, data = load("iframe_captcha")
    data["title"] = "Verify"
    msg = parse_event("INTERACTION_IFRAME_MODAL_CREATE", data)
    assert msg is not None and msg.kind is MessageKind.ACCOUNT_ERROR
    data["iframe_path"] = "/inpaint/index.html"
    msg = parse_event("INTERACTION_IFRAME_MODAL_CREATE", data)
    assert msg is not None and msg.kind is MessageKind.IFRAME_OPENED


def test_modal_without_prefilled_value() -> None:
    _, data = load("interaction_modal_create")
    del data["components"][0]["components"][0]["value"]
    msg = parse_event("INTERACTION_MODAL_CREATE", data)
    assert msg is not None and msg.prompt is None and len(msg.buttons) == 1


def test_unknown_dispatch_is_ignored() -> None:
    assert parse_event("TYPING_START", {"channel_id": "1"}) is None
