"""parse → match → lifecycle over recorded-shape payloads (captures in the protocol notes)."""

from __future__ import annotations

from typing import Any

from mjcore import lifecycle
from mjcore.events import (
    InteractionAccepted,
    TaskFailed,
    TaskProgressed,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
)
from mjcore.midjourney.match import match
from mjcore.midjourney.parse import parse_event
from mjcore.models import Task, TaskAction, TaskStatus

MJ = {
    "id": "936929561302675456",
    "username": "Midjourney Bot",
    "discriminator": "9282",
    "public_flags": 589824,
    "bot": True,
    "avatar": "f6ce562a6b4979c4b1cbc5b436d3be76",
}
USER = "1013250593877397634"
CHANNEL = "1116666992993259573"
GUILD = "1116666992993259570"
JOB_A = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"
JOB_B = "3eaa7c0c-9825-4110-9c89-02c4e463a8d0"
JOB_U = "f58fa448-1620-4aca-9621-005ef9f3b383"
SIGNED = (
    "?ex=6836daff&is=6835897f&hm=2afb48dc2afb48dc2afb48dc2afb48dc2afb48dc2afb48dc2afb48dc2afb48dc&"
)


def message(mid: str, content: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": mid,
        "channel_id": CHANNEL,
        "guild_id": GUILD,
        "type": 0,
        "author": MJ,
        "content": content,
        "attachments": [],
        "embeds": [],
        "components": [],
        "mentions": [{"id": USER, "username": "april39"}],
        "flags": 0,
        "tts": False,
        "pinned": False,
        "timestamp": "2023-06-14T14:37:52.102000+00:00",
        "edited_timestamp": None,
        "webhook_id": None,
    }
    payload.update(extra)
    return payload


def waiting(mid: str, prompt: str, nonce: str | None, interaction_id: str) -> dict[str, Any]:
    return message(
        mid,
        f"**{prompt}** - <@{USER}> (Waiting to start)",
        type=20,
        nonce=nonce,
        webhook_id=MJ["id"],
        application_id=MJ["id"],
        interaction={"id": interaction_id, "type": 2, "name": "imagine", "user": {"id": USER}},
        interaction_metadata={
            "id": interaction_id,
            "type": 2,
            "name": "imagine",
            "user": {"id": USER},
        },
    )


def progress(mid: str, prompt: str, pct: int, job: str) -> dict[str, Any]:
    name = f"{job}_grid_0.webp"
    return message(
        mid,
        f"**{prompt}** - <@{USER}> ({pct}%) (fast)",
        attachments=[
            {
                "id": "1154350823397150782",
                "filename": name,
                "url": f"https://cdn.discordapp.com/attachments/{CHANNEL}/1154350823397150782/{name}{SIGNED}",
                "proxy_url": f"https://media.discordapp.net/attachments/{CHANNEL}/1154350823397150782/{name}",
                "width": 512,
                "height": 512,
                "content_type": "image/webp",
            }
        ],
    )


def grid_buttons(job: str) -> list[dict[str, Any]]:
    row1 = [
        {"type": 2, "style": 2, "label": f"U{i}", "custom_id": f"MJ::JOB::upsample::{i}::{job}"}
        for i in range(1, 5)
    ]
    row1.append(
        {
            "type": 2,
            "style": 2,
            "emoji": {"name": "🔄"},
            "custom_id": f"MJ::JOB::reroll::0::{job}::SOLO",
        }
    )
    row2 = [
        {"type": 2, "style": 2, "label": f"V{i}", "custom_id": f"MJ::JOB::variation::{i}::{job}"}
        for i in range(1, 5)
    ]
    return [{"type": 1, "components": row1}, {"type": 1, "components": row2}]


def final_grid(mid: str, prompt: str, job: str, words: str = "cat") -> dict[str, Any]:
    name = f"april39_{words}_{job}.png"
    return message(
        mid,
        f"**{prompt}** - <@{USER}> (fast)",
        attachments=[
            {
                "id": "1118549875865427998",
                "filename": name,
                "url": f"https://cdn.discordapp.com/attachments/{CHANNEL}/1118549875865427998/{name}{SIGNED}",
                "proxy_url": f"https://media.discordapp.net/attachments/{CHANNEL}/1118549875865427998/{name}",
                "width": 2048,
                "height": 2048,
                "size": 6730686,
                "content_type": "image/png",
            }
        ],
        components=grid_buttons(job),
    )


def submitted(task_id: str, prompt: str, nonce: str, at: int = 1, **kw: Any) -> Task:
    task = Task(
        id=task_id,
        action=kw.pop("action", TaskAction.IMAGINE),
        prompt=prompt,
        prompt_en=prompt,
        **kw,
    )
    return lifecycle.apply(task, TaskSubmitted(nonce, at=at))


def feed(tasks: dict[str, Task], name: str, data: dict[str, Any]) -> str | None:
    """Parse, match and apply one event; the id of the task it went to."""
    msg = parse_event(name, data)
    assert msg is not None, data
    found = match(msg, list(tasks.values()), now=99)
    if found is None:
        return None
    tasks[found.task_id] = lifecycle.apply(tasks[found.task_id], found.event)
    return found.task_id


def test_imagine_lifecycle_end_to_end() -> None:
    tasks = {"t": submitted("t", "cat --v 7", "1118000000000000001")}
    assert feed(tasks, "INTERACTION_CREATE", {"id": "5001", "nonce": "1118000000000000001"}) == "t"
    assert tasks["t"].interaction_id == "5001"
    assert (
        feed(tasks, "MESSAGE_CREATE", waiting("m1", "cat --v 7.0", "1118000000000000001", "5001"))
        == "t"
    )
    assert tasks["t"].status is TaskStatus.IN_PROGRESS
    assert tasks["t"].final_prompt == "cat --v 7.0"
    assert (
        feed(tasks, "INTERACTION_SUCCESS", {"id": "5001", "nonce": "1118000000000000001"}) is None
    )
    assert feed(tasks, "MESSAGE_UPDATE", progress("m1", "cat --v 7.0", 31, JOB_A)) == "t"
    assert (tasks["t"].progress, tasks["t"].message_hash) == ("31%", JOB_A)
    assert feed(tasks, "MESSAGE_CREATE", final_grid("m2", "cat --v 7.0", JOB_A)) == "t"
    task = tasks["t"]
    assert task.status is TaskStatus.SUCCESS
    assert task.message_id == "m2" and task.message_hash == JOB_A
    assert len(task.buttons) == 9
    assert task.buttons[0].custom_id == f"MJ::JOB::upsample::1::{JOB_A}"
    assert task.image_url is not None and JOB_A in task.image_url


def test_identical_prompts_each_get_their_own_job() -> None:
    tasks = {
        "a": submitted("a", "glass", "100", at=1),
        "b": submitted("b", "glass", "200", at=2),
    }
    assert feed(tasks, "MESSAGE_CREATE", waiting("ma", "glass", "100", "i-a")) == "a"
    assert feed(tasks, "MESSAGE_CREATE", waiting("mb", "glass", "200", "i-b")) == "b"
    assert feed(tasks, "MESSAGE_UPDATE", progress("mb", "glass", 15, JOB_B)) == "b"
    assert feed(tasks, "MESSAGE_UPDATE", progress("ma", "glass", 15, JOB_A)) == "a"
    # b's job finishes first although a is older: the job uuid decides, not the prompt
    assert feed(tasks, "MESSAGE_CREATE", final_grid("fb", "glass", JOB_B, "glass")) == "b"
    assert feed(tasks, "MESSAGE_CREATE", final_grid("fa", "glass", JOB_A, "glass")) == "a"
    assert tasks["a"].message_hash == JOB_A and tasks["b"].message_hash == JOB_B


def test_rewritten_prompt_matches_by_normalised_prompt_as_last_resort() -> None:
    prompt = "https://example.com/ref.png a red cat --v 7 --q 1"
    tasks = {"t": submitted("t", prompt, "300")}
    echoed = "<https://s.mj.run/pnvVhedeTbw> a red cat --v 7.0"
    msg = parse_event("MESSAGE_CREATE", final_grid("f", echoed, JOB_A))
    assert msg is not None
    found = match(msg, list(tasks.values()), now=1)
    assert found is not None and found.rule == "prompt" and found.task_id == "t"


def test_one_message_never_finishes_two_tasks() -> None:
    tasks = {
        "a": submitted("a", "dog", "1", at=1),
        "b": submitted("b", "dog", "2", at=2),
    }
    first = feed(tasks, "MESSAGE_CREATE", final_grid("f1", "dog", JOB_A, "dog"))
    second = feed(tasks, "MESSAGE_CREATE", final_grid("f2", "dog", JOB_B, "dog"))
    assert {first, second} == {"a", "b"}
    assert tasks["a"].message_hash != tasks["b"].message_hash


def test_job_uuid_guard_blocks_a_foreign_result() -> None:
    tasks = {"a": submitted("a", "dog", "1")}
    feed(
        tasks, "MESSAGE_UPDATE", progress("m", "dog", 15, JOB_A)
    )  # no start seen: matched by prompt
    assert tasks["a"].message_hash == JOB_A
    # another client's identical prompt finishing in the same channel is not ours
    assert feed(tasks, "MESSAGE_CREATE", final_grid("x", "dog", JOB_B, "dog")) is None
    assert tasks["a"].status is TaskStatus.IN_PROGRESS


def upscale_reply(mid: str, prompt: str, index: int, parent_mid: str) -> dict[str, Any]:
    name = f"april39_cat_{JOB_U}.png"
    return message(
        mid,
        f"**{prompt}** - Image #{index} <@{USER}>",
        type=19,
        message_reference={"channel_id": CHANNEL, "message_id": parent_mid, "guild_id": GUILD},
        attachments=[
            {
                "id": "1131713978821791776",
                "filename": name,
                "url": f"https://cdn.discordapp.com/attachments/{CHANNEL}/1131713978821791776/{name}",
                "width": 1024,
                "height": 1024,
                "content_type": "image/png",
            }
        ],
        components=[
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 2,
                        "label": "Vary (Strong)",
                        "emoji": {"name": "🪄"},
                        "custom_id": f"MJ::JOB::high_variation::1::{JOB_U}::SOLO",
                    },
                    {
                        "type": 2,
                        "style": 2,
                        "label": "Vary (Subtle)",
                        "emoji": {"name": "🪄"},
                        "custom_id": f"MJ::JOB::low_variation::1::{JOB_U}::SOLO",
                    },
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 5,
                        "label": "Web",
                        "url": f"https://www.midjourney.com/jobs/{JOB_U}",
                    }
                ],
            },
        ],
    )


def button_task(task_id: str, index: int, nonce: str, parent_mid: str = "grid") -> Task:
    return submitted(
        task_id,
        "cat",
        nonce,
        action=TaskAction.UPSCALE,
        index=index,
        referenced_message_id=parent_mid,
        custom_id=f"MJ::JOB::upsample::{index}::{JOB_A}",
    )


def test_upscale_reply_matches_by_reference_and_index() -> None:
    tasks = {"u1": button_task("u1", 1, "11"), "u2": button_task("u2", 2, "22")}
    assert feed(tasks, "MESSAGE_CREATE", upscale_reply("r2", "cat --v 7.0", 2, "grid")) == "u2"
    assert tasks["u2"].status is TaskStatus.SUCCESS
    assert tasks["u2"].message_hash == JOB_U
    assert [b.label for b in tasks["u2"].buttons] == ["Vary (Strong)", "Vary (Subtle)"]
    assert tasks["u1"].status is TaskStatus.SUBMITTED


def test_interaction_id_binds_a_start_message_without_nonce() -> None:
    task = lifecycle.apply(button_task("v", 1, "33"), InteractionAccepted("7777"))
    tasks = {"v": task}
    start = waiting("w", "cat --v 7.0", None, "7777")
    start["type"] = 19
    start["interaction_metadata"] = {"id": "7777", "type": 3, "user": {"id": USER}}
    assert feed(tasks, "MESSAGE_CREATE", start) == "v"
    assert tasks["v"].progress_message_id == "w"


def test_error_embed_with_our_nonce_fails_the_task() -> None:
    tasks = {"t": submitted("t", "bad words", "444")}
    embed = message(
        "e",
        "",
        nonce="444",
        embeds=[
            {
                "type": "rich",
                "title": "Banned prompt detected",
                "color": 16711680,
                "description": "Sorry! Our AI moderator thinks this prompt is probably against"
                " our community standards.",
                "footer": {"text": "/imagine bad words"},
            }
        ],
    )
    assert feed(tasks, "MESSAGE_CREATE", embed) == "t"
    assert tasks["t"].status is TaskStatus.FAILURE
    assert tasks["t"].fail_reason is not None and "Banned prompt detected" in tasks["t"].fail_reason


def test_events_are_the_expected_types() -> None:
    tasks = {"t": submitted("t", "cat", "9")}
    msg = parse_event("MESSAGE_CREATE", waiting("m", "cat", "9", "i"))
    assert msg is not None
    found = match(msg, list(tasks.values()), now=1)
    assert found is not None and isinstance(found.event, TaskStarted)
    msg = parse_event("MESSAGE_UPDATE", progress("m", "cat", 62, JOB_A))
    assert msg is not None
    tasks["t"] = lifecycle.apply(tasks["t"], found.event)
    found = match(msg, list(tasks.values()), now=2)
    assert found is not None and isinstance(found.event, TaskProgressed) and found.rule == "message"
    assert not isinstance(found.event, TaskSucceeded | TaskFailed)


def test_an_edit_of_the_parent_grid_never_finishes_a_child() -> None:
    reroll = submitted(
        "r",
        "cat",
        "55",
        action=TaskAction.REROLL,
        referenced_message_id="grid",
        custom_id=f"MJ::JOB::reroll::0::{JOB_A}::SOLO",
    )
    tasks = {"r": reroll}
    # after a U press Midjourney edits the grid (the pressed U button turns blue)
    edited = final_grid("grid", "cat", JOB_A)
    assert feed(tasks, "MESSAGE_UPDATE", edited) is None
    # even a fresh copy of the parent's grid is not the reroll's result
    assert feed(tasks, "MESSAGE_CREATE", final_grid("copy", "cat", JOB_A)) is None
    assert feed(tasks, "MESSAGE_CREATE", final_grid("new", "cat", JOB_B)) == "r"
    assert tasks["r"].message_hash == JOB_B


def test_an_error_replying_to_the_progress_message_fails_that_task() -> None:
    tasks = {"a": submitted("a", "dog", "1"), "b": submitted("b", "dog", "2")}
    feed(tasks, "MESSAGE_CREATE", waiting("pa", "dog", "1", "ia"))
    feed(tasks, "MESSAGE_CREATE", waiting("pb", "dog", "2", "ib"))
    filtered = message(
        "e",
        "",
        type=19,
        message_reference={"channel_id": CHANNEL, "message_id": "pb", "guild_id": GUILD},
        embeds=[
            {
                "type": "rich",
                "title": "Request cancelled due to output filters",
                "description": "Sorry! Your image was filtered out by our output moderation.",
                "color": 16711680,
                "footer": {"text": "/imagine dog"},
            }
        ],
    )
    assert feed(tasks, "MESSAGE_CREATE", filtered) == "b"
    assert tasks["b"].status is TaskStatus.FAILURE
    assert tasks["a"].status is TaskStatus.IN_PROGRESS
