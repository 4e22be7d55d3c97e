"""Button custom ids: classification, human descriptions and the modals they open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mjcore.midjourney.custom_ids import (
    ButtonAction,
    classify,
    description_for,
    modal_input_id,
    remix_modal_for,
)
from mjcore.midjourney.parse import parse_event
from mjcore.models import TaskAction

FIXTURES = Path(__file__).parent / "fixtures" / "discord"
H = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        f"MJ::JOB::upsample::1::{H}",
        {"action": TaskAction.UPSCALE, "index": 1, "job_id": H, "kind": "upsample"},
        "Upscale 1",
    ),
    (
        f"MJ::JOB::upsample::4::{H.upper()}",
        {"action": TaskAction.UPSCALE, "index": 4, "job_id": H, "modal_if_remix": False},
        "Upscale 4",
    ),
    (
        f"MJ::JOB::upsample_v7_2x_subtle::1::{H}::SOLO",
        {"action": TaskAction.UPSCALE, "kind": "upsample_v7_2x_subtle", "needs_modal": False},
        "Upscale (Subtle)",
    ),
    (
        f"MJ::JOB::upsample_v6_2x_creative::1::{H}::SOLO",
        {"action": TaskAction.UPSCALE, "index": 1},
        "Upscale (Creative)",
    ),
    (
        f"MJ::JOB::upsample_v6r1_2x_subtle::1::{H}::SOLO",
        {"action": TaskAction.UPSCALE},
        "Upscale (Subtle)",
    ),
    (f"MJ::JOB::upsample_v5_2x::1::{H}::SOLO", {"action": TaskAction.UPSCALE}, "Upscale (2x)"),
    (f"MJ::JOB::upsample_v5_4x::1::{H}::SOLO", {"action": TaskAction.UPSCALE}, "Upscale (4x)"),
    (f"MJ::JOB::upsample_max::1::{H}::SOLO", {"action": TaskAction.UPSCALE}, "Upscale to Max"),
    (f"MJ::JOB::upsample_beta::1::{H}::SOLO", {"action": TaskAction.UPSCALE}, "Upscale"),
    (
        f"MJ::JOB::variation::3::{H}",
        {
            "action": TaskAction.VARIATION,
            "index": 3,
            "kind": "variation",
            "modal_if_remix": True,
            "needs_modal": False,
        },
        "Variation 3",
    ),
    (
        f"MJ::JOB::high_variation::1::{H}::SOLO",
        {"action": TaskAction.VARIATION, "kind": "high_variation", "modal_if_remix": True},
        "Vary (Strong)",
    ),
    (
        f"MJ::JOB::low_variation::1::{H}::SOLO",
        {"action": TaskAction.VARIATION, "kind": "low_variation", "modal_if_remix": True},
        "Vary (Subtle)",
    ),
    (
        f"MJ::JOB::reroll::0::{H}::SOLO",
        {"action": TaskAction.REROLL, "index": None, "job_id": H, "modal_if_remix": True},
        "Reroll",
    ),
    *(
        (
            f"MJ::JOB::pan_{direction}::1::{H}::SOLO",
            {"action": TaskAction.PAN, "kind": f"pan_{direction}", "modal_if_remix": True},
            f"Pan {direction.capitalize()}",
        )
        for direction in ("left", "right", "up", "down")
    ),
    (
        f"MJ::Outpaint::50::1::{H}::SOLO",
        {"action": TaskAction.ZOOM, "kind": "Outpaint", "value": "50", "needs_modal": False},
        "Zoom Out 2x",
    ),
    (
        f"MJ::Outpaint::75::1::{H}::SOLO",
        {"action": TaskAction.ZOOM, "index": 1, "job_id": H},
        "Zoom Out 1.5x",
    ),
    (f"MJ::Outpaint::60::1::{H}", {"action": TaskAction.ZOOM}, "Zoom Out (60%)"),
    (
        f"MJ::CustomZoom::{H}",
        {"action": TaskAction.ZOOM, "kind": "CustomZoom", "needs_modal": True, "index": None},
        "Custom Zoom",
    ),
    (
        f"MJ::CustomZoom::1::{H}",
        {"action": TaskAction.ZOOM, "kind": "CustomZoom", "index": 1, "job_id": H},
        "Custom Zoom",
    ),
    (
        f"MJ::Inpaint::1::{H}::SOLO",
        {"action": TaskAction.INPAINT, "kind": "Inpaint", "needs_modal": True, "job_id": H},
        "Vary (Region)",
    ),
    (
        "MJ::Job::PicReader::2",
        {
            "action": TaskAction.IMAGINE,
            "kind": "PicReader",
            "index": 2,
            "needs_modal": True,
            "supported": True,
            "job_id": None,
        },
        "Imagine prompt 2",
    ),
    (
        "MJ::Job::PicReader::all",
        {"action": TaskAction.IMAGINE, "kind": "PicReader", "supported": False, "index": None},
        "Imagine all",
    ),
    (
        "MJ::Picread::Retry",
        {"action": TaskAction.ACTION, "kind": "PicReadRetry", "needs_modal": False},
        "Describe again",
    ),
    (
        "MJ::Job::PromptAnalyzer::5",
        {"action": TaskAction.IMAGINE, "kind": "PromptAnalyzer", "index": 5, "needs_modal": True},
        "Imagine shortened prompt 5",
    ),
    (
        f"MJ::BOOKMARK::{H}",
        {"action": TaskAction.ACTION, "kind": "BOOKMARK", "supported": False, "job_id": H},
        "Favourite",
    ),
    (
        f"MJ::CancelJob::ByJobid::{H}",
        {"action": TaskAction.ACTION, "kind": "CancelJob", "job_id": H, "supported": True},
        "Cancel Job",
    ),
    (
        "MJ::Prompts::Appeal::7_dEy36TiEY",
        {"action": TaskAction.ACTION, "kind": "Appeal", "value": "7_dEy36TiEY", "job_id": None},
        "Appeal",
    ),
    (
        "MJ::Settings::HighVariabilityMode::1",
        {"action": TaskAction.ACTION, "kind": "Settings", "value": "HighVariabilityMode"},
        "Settings: HighVariabilityMode",
    ),
    ("MJ::Settings::VersionSelector", {"kind": "Settings"}, "Settings: VersionSelector"),
    (
        f"MJ::JOB::animate_high::1::{H}::SOLO",
        {"action": TaskAction.ACTION, "kind": "animate_high", "modal_if_remix": False},
        "Animate (High motion)",
    ),
    (f"MJ::JOB::animate_low_extend::1::{H}", {"kind": "animate_low_extend"}, "Extend (Low motion)"),
    (
        f"MJ::JOB::video_virtual_upscale::2::{H}",
        {"action": TaskAction.ACTION, "index": 2},
        "Upscale video 2",
    ),
    (f"MJ::JOB::remaster::1::{H}::SOLO", {"action": TaskAction.ACTION}, "Remaster 1"),
    (
        f"https://www.midjourney.com/jobs/{H}",
        {"action": TaskAction.ACTION, "kind": "link", "supported": False},
        "Open link",
    ),
]


@pytest.mark.parametrize(("custom_id", "fields", "description"), CASES, ids=[c[0] for c in CASES])
def test_classify(custom_id: str, fields: dict[str, Any], description: str) -> None:
    button = classify(custom_id)
    assert button.custom_id == custom_id
    assert {name: getattr(button, name) for name in fields} == fields
    assert description_for(custom_id) == description == button.description


@pytest.mark.parametrize(
    "custom_id",
    [
        "",
        "Acknowledged",
        "MJ::JOB::upsample::1::not-a-uuid",
        f"MJ::JOB::upsample::x::{H}",
        "MJ::Job::PicReader::some",
        "MJ::Unknown::thing",
    ],
)
def test_unknown_formats_raise(custom_id: str) -> None:
    with pytest.raises(ValueError, match="unknown Midjourney custom id"):
        classify(custom_id)


def test_every_button_in_the_recorded_messages_is_known() -> None:
    seen = 0
    for path in sorted(FIXTURES.glob("*.json")):
        payload = json.loads(path.read_text("utf-8"))
        msg = parse_event(payload["t"], payload["d"])
        if msg is None or msg.kind.value.startswith(("modal", "interaction")):
            continue
        for b in msg.buttons:
            classify(b.custom_id)
            seen += 1
    assert seen >= 40


# --- modals --------------------------------------------------------------------------------------

MODALS: list[tuple[str, dict[str, Any], tuple[str, str]]] = [
    (
        f"MJ::JOB::variation::4::{H}",
        {},
        (f"MJ::RemixModal::{H}::4::1", "MJ::RemixModal::new_prompt"),
    ),
    (
        f"MJ::JOB::variation::2::{H}",
        {"high_variability": False},
        (f"MJ::RemixModal::{H}::2::0", "MJ::RemixModal::new_prompt"),
    ),
    (
        f"MJ::JOB::high_variation::1::{H}::SOLO",
        {"high_variability": False},
        (f"MJ::RemixModal::{H}::1::1", "MJ::RemixModal::new_prompt"),
    ),
    (
        f"MJ::JOB::low_variation::1::{H}::SOLO",
        {},
        (f"MJ::RemixModal::{H}::1::0", "MJ::RemixModal::new_prompt"),
    ),
    (
        f"MJ::JOB::pan_up::1::{H}::SOLO",
        {},
        (f"MJ::PanModal::up::{H}::1", "MJ::PanModal::prompt"),
    ),
    (
        f"MJ::JOB::reroll::0::{H}::SOLO",
        {"message_id": "1118549876049973350"},
        ("MJ::ImagineModal::1118549876049973350", "MJ::ImagineModal::new_prompt"),
    ),
    (
        "MJ::Job::PromptAnalyzer::3",
        {"message_id": "1377953000000000010"},
        ("MJ::ImagineModal::1377953000000000010", "MJ::ImagineModal::new_prompt"),
    ),
    (
        f"MJ::CustomZoom::{H}",
        {},
        (f"MJ::OutpaintCustomZoomModal::{H}", "MJ::OutpaintCustomZoomModal::prompt"),
    ),
    (
        "MJ::Job::PicReader::1",
        {},
        ("MJ::Picreader::Modal::1", "MJ::Picreader::Modal::PromptField"),
    ),
]


@pytest.mark.parametrize(("custom_id", "kwargs", "expected"), MODALS, ids=[m[0] for m in MODALS])
def test_remix_modal_for(custom_id: str, kwargs: dict[str, Any], expected: tuple[str, str]) -> None:
    assert remix_modal_for(classify(custom_id), **kwargs) == expected


def test_every_modal_button_has_a_modal() -> None:
    for custom_id, _, _ in MODALS:
        button = classify(custom_id)
        assert button.needs_modal or button.modal_if_remix


@pytest.mark.parametrize(
    "custom_id",
    [
        f"MJ::JOB::upsample::1::{H}",
        f"MJ::Outpaint::50::1::{H}::SOLO",
        f"MJ::Inpaint::1::{H}::SOLO",  # an iframe, not a type-5 modal
        f"MJ::BOOKMARK::{H}",
        "MJ::Job::PicReader::all",
    ],
)
def test_buttons_without_modal_raise(custom_id: str) -> None:
    with pytest.raises(ValueError, match="opens no modal"):
        remix_modal_for(classify(custom_id))


@pytest.mark.parametrize(
    "custom_id", [f"MJ::JOB::reroll::0::{H}::SOLO", "MJ::Job::PromptAnalyzer::1"]
)
def test_imagine_modals_need_the_message_id(custom_id: str) -> None:
    with pytest.raises(ValueError, match="message_id needed"):
        remix_modal_for(classify(custom_id))


@pytest.mark.parametrize(
    ("modal", "text_input"),
    [
        (
            "MJ::RemixModal::c11b36f2-5a80-4c8f-b4a3-91801e615cbb::4::1",
            "MJ::RemixModal::new_prompt",
        ),
        (
            "MJ::OutpaintModal::-1::1::c11b36f2-5a80-4c8f-b4a3-91801e615cbb",
            "MJ::OutpaintModal::new_prompt",
        ),
        ("MJ::AnimateModal::high::1", "MJ::AnimateModal::prompt"),
        ("MJ::Picreader::Modal::4", "MJ::Picreader::Modal::PromptField"),
    ],
)
def test_modal_input_id(modal: str, text_input: str) -> None:
    assert modal_input_id(modal) == text_input


def test_modal_input_id_of_unknown_modal_raises() -> None:
    with pytest.raises(ValueError, match="unknown Midjourney modal"):
        modal_input_id("MJ::iframe::abc")


def test_button_action_is_frozen() -> None:
    button = classify(f"MJ::JOB::upsample::1::{H}")
    assert isinstance(button, ButtonAction)
    with pytest.raises(AttributeError):
        button.index = 2  # type: ignore[misc]
