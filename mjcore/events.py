"""Task events: what can happen to a task. ``lifecycle.apply`` turns them into new task states.

Produced by the engine (submission, timeouts, cancels) and by ``midjourney.match``.
Times are unix milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from mjcore.models import Button


@dataclass(frozen=True, slots=True)
class TaskSubmitted:
    """Discord accepted our interaction (HTTP 204)."""

    nonce: str
    at: int


@dataclass(frozen=True, slots=True)
class InteractionAccepted:
    """INTERACTION_CREATE / INTERACTION_SUCCESS named the interaction id of our nonce."""

    interaction_id: str


@dataclass(frozen=True, slots=True)
class TaskStarted:
    """Midjourney's first message for the job ("Waiting to start" or a progress message)."""

    message_id: str
    at: int
    final_prompt: str | None = None
    message_flags: int = 0
    cancel_custom_id: str | None = None  # the progress message's "Cancel Job" button, if any


@dataclass(frozen=True, slots=True)
class TaskProgressed:
    message_id: str
    progress: int
    at: int
    image_url: str | None = None
    message_hash: str | None = None
    final_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class TaskNoticed:
    """A non-fatal notice from Midjourney, e.g. "Job queued"."""

    text: str


@dataclass(frozen=True, slots=True)
class ModalRequired:
    """The action needs text from the caller first (``/submit/modal``): the task waits in MODAL."""

    at: int


@dataclass(frozen=True, slots=True)
class ModalOpened:
    """Discord opened the modal of a pressed button; its id answers the modal submit."""

    interaction_id: str
    modal_custom_id: str
    at: int


@dataclass(frozen=True, slots=True)
class TaskSucceeded:
    message_id: str
    at: int
    message_hash: str | None = None
    image_url: str | None = None
    buttons: tuple[Button, ...] = ()
    final_prompt: str | None = None
    message_content: str | None = None
    message_flags: int = 0
    image_width: int | None = None
    image_height: int | None = None


@dataclass(frozen=True, slots=True)
class TaskFailed:
    reason: str
    at: int


@dataclass(frozen=True, slots=True)
class TaskCancelled:
    at: int


@dataclass(frozen=True, slots=True)
class TaskRequeued:
    """A task goes back to NOT_START (restart recovery, modal submitted)."""

    at: int


TaskEvent = (
    TaskSubmitted
    | InteractionAccepted
    | TaskStarted
    | TaskProgressed
    | TaskNoticed
    | ModalRequired
    | ModalOpened
    | TaskSucceeded
    | TaskFailed
    | TaskCancelled
    | TaskRequeued
)
