"""Trigger API shapes: markers, button ids, which callback each task change sends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mjcore.api.compat.trigger.shapes import (
    CallbackType,
    ResultFile,
    Speaker,
    TriggerType,
    button_id,
    callback_type,
    marked_prompt,
    pick_button,
    split_picurl,
    split_reason,
    trigger_callback,
    trigger_id_in,
)
from mjcore.models import Button, Task, TaskAction, TaskStatus

H = "600f88ff-2147-40ad-83e4-50992c96aadb"
DISCORD = (
    "https://cdn.discordapp.com/attachments/1104292240064520356/1112838592809664594/"
    f"gaosh_7744309837string_{H}.png?ex=1&is=2&hm=3"
)
BASE = Task(
    id="t1",
    action=TaskAction.IMAGINE,
    prompt="<#7744309837#>string",
    prompt_en="<#7744309837#>string",
    final_prompt="<#7744309837#>string",
    progress_message_id="1112838432968949790",
)
SPEAKER = Speaker("1093106715702083594", "fast")


def test_picurl_from_a_leading_link() -> None:
    assert split_picurl("https://x/y.jpg a cat", None) == ("https://x/y.jpg", "a cat")
    assert split_picurl("https://x/y.jpg a cat", "http://given") == (
        "http://given",
        "https://x/y.jpg a cat",
    )
    assert split_picurl("a cat", "") == (None, "a cat")


def test_marked_prompt_and_marker() -> None:
    assert marked_prompt("a cute cat", "7744309837") == "<#7744309837#>a cute cat"
    marked = marked_prompt("a cute cat", "77", "https://x/y.jpg")
    assert marked == "https://x/y.jpg <#77#>a cute cat"
    assert trigger_id_in(marked) == "77"
    assert trigger_id_in("no marker") is None and trigger_id_in(None) is None


@pytest.mark.parametrize(
    ("kind", "kwargs", "expected"),
    [
        (TriggerType.UPSCALE, {"index": 2}, f"MJ::JOB::upsample::2::{H}"),
        (TriggerType.VARIATION, {"index": 4}, f"MJ::JOB::variation::4::{H}"),
        (TriggerType.SOLO_VARIATION, {"index": 3}, f"MJ::JOB::variation::1::{H}::SOLO"),
        (TriggerType.SOLO_LOW_VARIATION, {}, f"MJ::JOB::low_variation::1::{H}::SOLO"),
        (TriggerType.SOLO_HIGH_VARIATION, {}, f"MJ::JOB::high_variation::1::{H}::SOLO"),
        (TriggerType.EXPAND, {"value": "up"}, f"MJ::JOB::pan_up::1::{H}::SOLO"),
        (TriggerType.ZOOMOUT, {"value": "75"}, f"MJ::Outpaint::75::1::{H}::SOLO"),
        (TriggerType.RESET, {}, f"MJ::JOB::reroll::0::{H}::SOLO"),
    ],
)
def test_button_ids(kind: TriggerType, kwargs: dict[str, object], expected: str) -> None:
    assert button_id(kind, H, **kwargs) == expected  # type: ignore[arg-type]


def test_describe_presses_no_button() -> None:
    with pytest.raises(ValueError, match="presses no button"):
        button_id(TriggerType.DESCRIBE, H)


def test_pick_button_tolerates_the_solo_tail() -> None:
    buttons = (Button(f"MJ::JOB::upsample::1::{H}"), Button(f"MJ::JOB::variation::1::{H}"))
    assert pick_button(buttons, f"MJ::JOB::upsample::1::{H}") is buttons[0]
    assert pick_button(buttons, f"MJ::JOB::variation::1::{H}::SOLO") is buttons[1]
    assert pick_button(buttons, f"MJ::JOB::upsample::2::{H}") is None


def test_callback_sequence_of_a_job() -> None:
    submitted = replace(BASE, status=TaskStatus.SUBMITTED, progress="0%")
    started = replace(BASE, status=TaskStatus.IN_PROGRESS, progress="0%")
    p15 = replace(started, progress="15%", image_url="https://cdn/x/grid_0.webp")
    done = replace(p15, status=TaskStatus.SUCCESS, progress="100%", message_id="2")
    steps = [
        (replace(BASE), None, None),
        (submitted, BASE, None),
        (started, submitted, CallbackType.START),
        (p15, started, CallbackType.GENERATING),
        (p15, p15, None),
        (done, p15, CallbackType.END),
        (done, done, None),
    ]
    for task, previous, expected in steps:
        assert callback_type(task, previous) is expected, (task.status, task.progress)
    # a watcher that first sees the task mid-way
    assert callback_type(p15, None) is CallbackType.GENERATING


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("[Banned prompt detected] Sorry!", CallbackType.BANNED),
        ("[Action needed to continue] appeal", CallbackType.BANNED),
        ("[Invalid parameter] --foo", CallbackType.ERROR),
        ("timeout: no result after 5 minutes", CallbackType.ERROR),
    ],
)
def test_failures(reason: str, expected: CallbackType) -> None:
    failed = replace(BASE, status=TaskStatus.FAILURE, fail_reason=reason)
    assert callback_type(failed, BASE) is expected
    assert callback_type(failed, failed) is None


def test_describe_reports_only_its_text() -> None:
    describe = replace(BASE, action=TaskAction.DESCRIBE, status=TaskStatus.IN_PROGRESS)
    assert callback_type(describe, None) is None
    done = replace(describe, status=TaskStatus.SUCCESS, message_id="9")
    assert callback_type(done, describe) is CallbackType.TEXT


def test_end_body() -> None:
    previous = replace(BASE, status=TaskStatus.IN_PROGRESS, progress="93%")
    done = replace(
        previous,
        status=TaskStatus.SUCCESS,
        message_id="1112838593312997377",
        discord_image_url=DISCORD,
        image_width=2048,
        image_height=2048,
        message_content="**<#7744309837#>string** - <@1093106715702083594> (fast)",
    )
    result = ResultFile(url="http://mjbridge/compat/images/t1/x.png", discord_url=DISCORD, size=9)
    body = trigger_callback(done, previous, trigger_id="7744309837", speaker=SPEAKER, result=result)
    assert body == {
        "type": "end",
        "id": 1112838593312997377,
        "content": "**<#7744309837#>string** - <@1093106715702083594> (fast)",
        "attachments": [
            {
                "filename": f"gaosh_7744309837string_{H}.png",
                "id": 1112838592809664594,
                "proxy_url": result.url,
                "size": 9,
                "url": result.url,
                "spoiler": False,
                "height": 2048,
                "width": 2048,
                "content_type": "image/png",
            }
        ],
        "embeds": [],
        "trigger_id": "7744309837",
    }


def test_start_generating_and_error_bodies() -> None:
    started = replace(BASE, status=TaskStatus.IN_PROGRESS, progress="0%")
    start = trigger_callback(started, None, trigger_id="1", speaker=SPEAKER)
    assert start is not None and start["id"] == 1112838432968949790
    assert start["content"] == (
        "**<#7744309837#>string** - <@1093106715702083594> (Waiting to start)"
    )
    relaxed = Speaker("5", "relax")
    p31 = replace(started, progress="31%", image_url="https://cdn/a/b/1/grid_0.webp")
    generating = trigger_callback(
        p31, started, trigger_id="1", speaker=relaxed, preview_url="http://cdn/grid_0.webp"
    )
    assert generating is not None
    assert generating["content"] == "**<#7744309837#>string** - <@5> (31%) (relaxed)"
    assert generating["attachments"][0]["filename"] == "grid_0.webp"
    assert generating["attachments"][0]["content_type"] == "image/webp"
    failed = replace(p31, status=TaskStatus.FAILURE, fail_reason="[Queue full] try later")
    error = trigger_callback(failed, p31, trigger_id="1", speaker=SPEAKER)
    assert error is not None and error["type"] == "error"
    assert error["content"].endswith("(Stopped)")
    assert error["embeds"] == [
        {"color": 16711680, "type": "rich", "description": "try later", "title": "Queue full"}
    ]
    assert trigger_callback(p31, p31, trigger_id="1", speaker=SPEAKER) is None


def test_split_reason() -> None:
    assert split_reason("[Banned prompt detected] words") == ("Banned prompt detected", "words")
    assert split_reason("plain") == ("", "plain")


def test_speaker_without_user() -> None:
    assert Speaker().mention == "<@0>" and Speaker(None, "turbo").mode_word == "turbo"
