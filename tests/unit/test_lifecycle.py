from __future__ import annotations

import pytest

from mjcore import lifecycle
from mjcore.events import (
    InteractionAccepted,
    ModalOpened,
    ModalRequired,
    TaskCancelled,
    TaskFailed,
    TaskNoticed,
    TaskProgressed,
    TaskRequeued,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
)
from mjcore.models import Button, Task, TaskAction, TaskStatus

BUTTON = Button("MJ::JOB::upsample::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6", label="U1")


def new_task() -> Task:
    return Task(id="1", action=TaskAction.IMAGINE, prompt="cat", prompt_en="cat", submit_time=5)


def test_happy_path_sets_every_contract_field() -> None:
    task = lifecycle.apply(new_task(), TaskSubmitted("111", at=10))
    assert (task.status, task.nonce, task.start_time, task.progress) == (
        TaskStatus.SUBMITTED,
        "111",
        10,
        "0%",
    )
    task = lifecycle.apply(task, InteractionAccepted("999"))
    assert task.interaction_id == "999" and task.status is TaskStatus.SUBMITTED
    task = lifecycle.apply(task, TaskStarted("m1", 11, final_prompt="cat --v 7.0"))
    assert (task.status, task.progress_message_id, task.final_prompt) == (
        TaskStatus.IN_PROGRESS,
        "m1",
        "cat --v 7.0",
    )
    task = lifecycle.apply(
        task, TaskProgressed("m1", 46, 12, image_url="https://x/j_grid_0.webp", message_hash="j")
    )
    assert (task.progress, task.message_hash, task.image_url) == (
        "46%",
        "j",
        "https://x/j_grid_0.webp",
    )
    task = lifecycle.apply(
        task,
        TaskSucceeded(
            "m2",
            13,
            message_hash="j",
            image_url="https://x/a_j.png",
            buttons=(BUTTON,),
            image_width=1024,
            image_height=1024,
        ),
    )
    assert task.status is TaskStatus.SUCCESS
    assert (task.progress, task.finish_time, task.message_id) == ("100%", 13, "m2")
    assert task.discord_image_url == "https://x/a_j.png"
    assert task.buttons == (BUTTON,)
    assert task.progress_message_id == "m1"


def test_progress_from_submitted_moves_to_in_progress() -> None:
    task = lifecycle.apply(new_task(), TaskSubmitted("1", at=1))
    task = lifecycle.apply(task, TaskProgressed("m", 15, 2))
    assert task.status is TaskStatus.IN_PROGRESS
    assert task.progress_message_id == "m"


def test_failure_clears_progress_and_keeps_reason() -> None:
    task = lifecycle.apply(new_task(), TaskSubmitted("1", at=1))
    task = lifecycle.apply(task, TaskFailed("[Banned prompt detected] no", at=3))
    assert (task.status, task.progress, task.fail_reason, task.finish_time) == (
        TaskStatus.FAILURE,
        "",
        "[Banned prompt detected] no",
        3,
    )


@pytest.mark.parametrize("final", [TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.CANCEL])
@pytest.mark.parametrize(
    "event",
    [
        TaskSubmitted("1", 1),
        TaskStarted("m", 1),
        TaskProgressed("m", 10, 1),
        TaskSucceeded("m", 1),
        TaskFailed("x", 1),
        TaskCancelled(1),
        InteractionAccepted("i"),
    ],
)
def test_final_states_accept_nothing(final: TaskStatus, event: object) -> None:
    task = Task(id="1", action=TaskAction.IMAGINE, status=final)
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.apply(task, event)  # type: ignore[arg-type]


def test_not_start_cannot_progress_or_succeed() -> None:
    for event in (TaskStarted("m", 1), TaskProgressed("m", 1, 1), TaskSucceeded("m", 1)):
        assert not lifecycle.can_apply(new_task(), event)
        with pytest.raises(lifecycle.InvalidTransition):
            lifecycle.apply(new_task(), event)


def test_notice_is_not_a_failure() -> None:
    task = lifecycle.apply(new_task(), TaskSubmitted("1", at=1))
    task = lifecycle.apply(task, TaskNoticed("[Job queued] starts soon"))
    assert task.status is TaskStatus.SUBMITTED
    assert task.extra_value("notice") == "[Job queued] starts soon"


def test_modal_round_trip() -> None:
    task = lifecycle.apply(new_task(), ModalRequired(at=1))
    assert task.status is TaskStatus.MODAL
    task = lifecycle.apply(task, TaskRequeued(at=2))
    assert task.status is TaskStatus.NOT_START
    task = lifecycle.apply(task, TaskSubmitted("5", at=3))
    task = lifecycle.apply(task, ModalOpened("77", "MJ::OutpaintCustomZoomModal::j", at=4))
    assert task.status is TaskStatus.SUBMITTED
    assert task.extra_value("modalInteractionId") == "77"
    assert task.extra_value("modalCustomId") == "MJ::OutpaintCustomZoomModal::j"


def test_requeue_after_restart_forgets_the_old_interaction() -> None:
    task = lifecycle.apply(new_task(), TaskSubmitted("1", at=1))
    task = lifecycle.apply(task, InteractionAccepted("i"))
    task = lifecycle.apply(task, TaskRequeued(at=2))
    assert (task.status, task.nonce, task.interaction_id) == (TaskStatus.NOT_START, None, None)


def test_every_status_has_a_row() -> None:
    assert set(lifecycle.TRANSITIONS) == set(TaskStatus)
