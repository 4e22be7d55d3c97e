"""Bot API calls per job: queued reply, a bounded number of progress edits, the final image.

The simulator's frames come slower than the bot's progress interval here, so every frame could
become an edit: the worst case for the number of calls.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.telegram.progress import MAX_PROGRESS_EDITS, progress_due
from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.sim.config import DEFAULT_PROGRESS_STEPS
from tests.fakes.telegram import FakeChat
from tests.integration.telegram.conftest import TgStack, sim_config, telegram_stack

MAX_CALLS_PER_JOB = 8
FRAME_SECONDS = 0.15  # well above the test pacing (0.05 s interval, 0.02 s flood window)
PERCENT = re.compile(r"(\d+)%")


@pytest.fixture
async def slow_frames(tmp_path: Path) -> AsyncIterator[TgStack]:
    config = sim_config(start_delay_seconds=FRAME_SECONDS / 2, progress_delay_seconds=FRAME_SECONDS)
    async with telegram_stack(tmp_path, config=config, start=False) as stack:
        yield stack


def shown_frames(percents: list[int], *, max_edits: int = MAX_PROGRESS_EDITS) -> list[str]:
    """The frames of a job whose message gets an edit, when each frame arrives on its own."""
    task = Task(id="t1", action=TaskAction.IMAGINE)
    edits, shown_percent = 0, None
    shown: list[str] = []
    frames = [replace(task, status=TaskStatus.NOT_START)] * 2
    frames.append(replace(task, status=TaskStatus.SUBMITTED))
    frames += [replace(task, status=TaskStatus.IN_PROGRESS, progress=f"{p}%") for p in percents]
    for frame in frames:
        if progress_due(frame, edits=edits, shown_percent=shown_percent, max_edits=max_edits):
            shown.append(frame.progress or frame.status.value)
            if frame.status is not TaskStatus.NOT_START:
                edits += 1
                shown_percent = int(frame.progress.rstrip("%") or 0)
    return shown


def test_the_rule_spreads_a_bounded_number_of_edits_over_the_progress() -> None:
    # queue moves are not counted; the start is always shown; the frame before the final is not
    default = ["NOT_START", "NOT_START", "SUBMITTED", "15%", "31%", "46%", "62%", "78%"]
    assert shown_frames(list(DEFAULT_PROGRESS_STEPS)) == default
    # many frames: still one start edit and five previews, spread over the whole job
    assert shown_frames(list(range(100))) == [
        "NOT_START", "NOT_START", "SUBMITTED", "13%", "27%", "41%", "56%", "73%"
    ]  # fmt: skip
    # a budget of one edit: only the start
    assert shown_frames(list(DEFAULT_PROGRESS_STEPS), max_edits=1) == default[:3]


def calls_in(tg: TgStack, chat: FakeChat) -> list[str]:
    return [c.method for c in tg.fake.calls if str(c.params.get("chat_id")) == str(chat.id)]


def percent_of(caption: str | None) -> int:
    found = PERCENT.search(caption or "")
    assert found is not None, caption
    return int(found[1])


async def test_private_job_costs_at_most_eight_calls_and_keeps_live_previews(
    slow_frames: TgStack,
) -> None:
    tg = slow_frames
    assert tg.sim.config.progress_steps == DEFAULT_PROGRESS_STEPS == (0, 15, 31, 46, 62, 78, 93)
    await tg.start_bot()
    alice = tg.fake.user("Alice", language_code="en")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a lighthouse at dusk")

    result = await tg.wait_result(chat, reply_to=sent.message_id)

    calls = calls_in(tg, chat)
    assert len(calls) <= MAX_CALLS_PER_JOB, calls
    assert calls[0] == "sendMessage" and calls[-1] == "editMessageMedia", calls
    first, started, *middle, last = result.history
    assert first.kind == "text" and (first.text or "").startswith("⏳ Queued")
    # the job says it started before any preview is ready
    assert started.kind == "text" and not (started.text or "").startswith("⏳"), started.text
    previews = [percent_of(v.caption) for v in middle if v.kind == "photo"]
    assert len(previews) == MAX_PROGRESS_EDITS - 1, [v.caption or v.text for v in result.history]
    assert previews == sorted(set(previews))
    assert previews[0] == min(p for p in DEFAULT_PROGRESS_STEPS if p > 0)
    assert last.kind == "photo" and (last.caption or "").startswith("✅")


async def test_private_job_without_previews_still_shows_it_started(slow_frames: TgStack) -> None:
    tg = slow_frames
    tg.options = replace(tg.options, progress=replace(tg.options.progress, previews=False))
    await tg.start_bot()
    bob = tg.fake.user("Bob", language_code="en")
    chat = tg.fake.private_chat(bob)
    sent = tg.fake.send_user_message(chat, bob, "a lighthouse at dawn")

    result = await tg.wait_result(chat, reply_to=sent.message_id)

    calls = calls_in(tg, chat)
    assert len(calls) <= MAX_CALLS_PER_JOB, calls
    first, *middle, last = result.history
    assert first.kind == "text" and (first.text or "").startswith("⏳ Queued")
    assert middle and all(v.kind == "text" for v in middle)
    assert not (middle[0].text or "").startswith("⏳"), middle[0].text
    assert last.kind == "photo" and (last.caption or "").startswith("✅")
