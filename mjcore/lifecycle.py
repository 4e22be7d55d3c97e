"""The task state machine as a table: ``apply(task, event) -> task``.

``TRANSITIONS[status][event type]`` names the handler; anything else raises ``InvalidTransition``.
Handlers are pure: they only build a new frozen ``Task`` (with ``Task.evolve``, the fast
``dataclasses.replace``: one step runs for nearly every gateway event).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mjcore.errors import MjError
from mjcore.events import (
    InteractionAccepted,
    ModalOpened,
    ModalRequired,
    TaskCancelled,
    TaskEvent,
    TaskFailed,
    TaskNoticed,
    TaskProgressed,
    TaskRequeued,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
)
from mjcore.models import Task, TaskStatus

__all__ = ["TRANSITIONS", "InvalidTransition", "apply"]


class InvalidTransition(MjError):
    def __init__(self, task: Task, event: TaskEvent) -> None:
        super().__init__(
            f"{type(event).__name__} is not allowed in status {task.status}", task_id=task.id
        )
        self.status = task.status
        self.event = event


def _submitted(task: Task, event: TaskSubmitted) -> Task:
    return task.evolve(
        status=TaskStatus.SUBMITTED,
        nonce=event.nonce,
        start_time=event.at,
        progress="0%",
        interaction_id=None,
        fail_reason=None,
    )


def _resubmitted(task: Task, event: TaskSubmitted) -> Task:
    return task.evolve(nonce=event.nonce, interaction_id=None)


def _interaction(task: Task, event: InteractionAccepted) -> Task:
    return task.evolve(interaction_id=event.interaction_id)


def _started(task: Task, event: TaskStarted) -> Task:
    extra = task.extra
    if event.cancel_custom_id:
        extra = task.with_extra(cancelCustomId=event.cancel_custom_id)
    return task.evolve(
        extra=extra,
        status=TaskStatus.IN_PROGRESS,
        progress_message_id=event.message_id,
        final_prompt=event.final_prompt or task.final_prompt,
        message_flags=event.message_flags,
        progress=task.progress or "0%",
    )


def _progressed(task: Task, event: TaskProgressed) -> Task:
    return task.evolve(
        status=TaskStatus.IN_PROGRESS,
        progress=f"{event.progress}%",
        progress_message_id=task.progress_message_id or event.message_id,
        image_url=event.image_url or task.image_url,
        message_hash=event.message_hash or task.message_hash,
        final_prompt=event.final_prompt or task.final_prompt,
    )


def _noticed(task: Task, event: TaskNoticed) -> Task:
    return task.evolve(extra=task.with_extra(notice=event.text))


def _modal_opened(task: Task, event: ModalOpened) -> Task:
    """Discord opened the modal of a pressed button; the engine answers it with a modal submit."""
    return task.evolve(
        extra=task.with_extra(
            modalInteractionId=event.interaction_id, modalCustomId=event.modal_custom_id
        ),
    )


def _modal_required(task: Task, event: ModalRequired) -> Task:
    return task.evolve(status=TaskStatus.MODAL)


def _succeeded(task: Task, event: TaskSucceeded) -> Task:
    return task.evolve(
        status=TaskStatus.SUCCESS,
        progress="100%",
        finish_time=event.at,
        message_id=event.message_id,
        message_hash=event.message_hash or task.message_hash,
        image_url=event.image_url or task.image_url,
        discord_image_url=event.image_url or task.discord_image_url,
        buttons=event.buttons,
        final_prompt=event.final_prompt or task.final_prompt,
        message_content=event.message_content,
        message_flags=event.message_flags,
        image_width=event.image_width,
        image_height=event.image_height,
        fail_reason=None,
    )


def _failed(task: Task, event: TaskFailed) -> Task:
    return task.evolve(
        status=TaskStatus.FAILURE, progress="", fail_reason=event.reason, finish_time=event.at
    )


def _cancelled(task: Task, event: TaskCancelled) -> Task:
    return task.evolve(status=TaskStatus.CANCEL, progress="", finish_time=event.at)


def _requeued(task: Task, event: TaskRequeued) -> Task:
    return task.evolve(status=TaskStatus.NOT_START, progress="", nonce=None, interaction_id=None)


def _same(task: Task, event: Any) -> Task:
    return task


_Handler = Callable[[Task, Any], Task]

_RUNNING: dict[type, _Handler] = {
    InteractionAccepted: _interaction,
    TaskStarted: _started,
    TaskProgressed: _progressed,
    TaskNoticed: _noticed,
    ModalOpened: _modal_opened,
    TaskSucceeded: _succeeded,
    TaskFailed: _failed,
    TaskCancelled: _cancelled,
}

TRANSITIONS: dict[TaskStatus, dict[type, _Handler]] = {
    TaskStatus.NOT_START: {
        TaskSubmitted: _submitted,
        ModalRequired: _modal_required,
        TaskFailed: _failed,
        TaskCancelled: _cancelled,
        TaskRequeued: _same,
    },
    # a modal submit is a second interaction of the same job: new nonce, same task
    TaskStatus.SUBMITTED: {**_RUNNING, TaskRequeued: _requeued, TaskSubmitted: _resubmitted},
    TaskStatus.IN_PROGRESS: {**_RUNNING, TaskRequeued: _requeued},
    TaskStatus.MODAL: {
        TaskSubmitted: _submitted,
        TaskFailed: _failed,
        TaskCancelled: _cancelled,
        TaskRequeued: _requeued,
    },
    TaskStatus.SUCCESS: {},
    TaskStatus.FAILURE: {},
    TaskStatus.CANCEL: {},
}


def apply(task: Task, event: TaskEvent) -> Task:
    """Return ``task`` after ``event``; raise ``InvalidTransition`` if the table forbids it."""
    handler = TRANSITIONS[task.status].get(type(event))
    if handler is None:
        raise InvalidTransition(task, event)
    return handler(task, event)


def can_apply(task: Task, event: TaskEvent) -> bool:
    return type(event) in TRANSITIONS[task.status]
