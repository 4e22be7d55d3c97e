"""Match one ``MjMessage`` to the task it belongs to and say what happened to it. Pure.

Correlation order (first hit wins; a message never touches two tasks):

1. interaction id: our recorded ``INTERACTION_SUCCESS.id`` = ``interaction_metadata.id``;
2. nonce (interaction events and the bot's first reply carry ours);
3. message id (progress updates edit the message that started the job), and errors that reply
   to that message;
4. ``message_reference`` to the parent message + the action and index the content names;
5. job uuid (learned from progress images);
6. only then the normalised prompt, among tasks of a compatible action that are not bound elsewhere.

A task whose job uuid is already known is never matched to a message of another job by rules 4 to 6.
Rules 1 to 5 are dictionary lookups (``ActiveTasks``); only the prompt rule looks through tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mjcore.events import (
    InteractionAccepted,
    ModalOpened,
    TaskEvent,
    TaskFailed,
    TaskNoticed,
    TaskProgressed,
    TaskStarted,
    TaskSucceeded,
)
from mjcore.midjourney.active import ActiveTasks
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.midjourney.normalize import prompt_key
from mjcore.models import Task, TaskAction, TaskStatus

__all__ = ["Match", "match"]

_INTERACTION_KINDS = frozenset(
    {
        MessageKind.INTERACTION_CREATED,
        MessageKind.INTERACTION_SUCCEEDED,
        MessageKind.INTERACTION_FAILED,
        MessageKind.MODAL_OPENED,
        MessageKind.IFRAME_OPENED,
    }
)
_JOB_KINDS = frozenset(
    {
        MessageKind.START,
        MessageKind.PROGRESS,
        MessageKind.RESULT,
        MessageKind.DESCRIBE_RESULT,
        MessageKind.SHORTEN_RESULT,
        MessageKind.NOTICE,
        MessageKind.ERROR,
        MessageKind.MODERATION,
        MessageKind.ACCOUNT_ERROR,
    }
)
# Actions whose result content reads like a plain imagine ("**prompt** - <@U> (fast)").
_IMAGINE_LIKE = frozenset({TaskAction.IMAGINE, TaskAction.REROLL, TaskAction.BLEND})
_UPDATE = "MESSAGE_UPDATE"
_CANCEL = "MJ::CancelJob::"
_OUTCOME_KINDS = frozenset(
    {MessageKind.ERROR, MessageKind.NOTICE, MessageKind.MODERATION, MessageKind.ACCOUNT_ERROR}
)
_MATCHABLE = frozenset({TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class Match:
    task_id: str
    event: TaskEvent
    rule: str  # which correlation rule decided (for logs and tests)


def match(msg: MjMessage, tasks: ActiveTasks | Sequence[Task], *, now: int) -> Match | None:
    """The task ``msg`` belongs to among ``tasks`` (one account's active tasks) and its event.

    Pass the account's ``ActiveTasks`` to get indexed lookups; a plain sequence works too.
    """
    active = tasks if isinstance(tasks, ActiveTasks) else ActiveTasks.of(list(tasks))
    if msg.kind in _INTERACTION_KINDS:
        return _match_interaction(msg, active, now)
    if msg.kind not in _JOB_KINDS:
        return None
    found = _find_task(msg, active)
    if found is None:
        return None
    task, rule = found
    event = _job_event(msg, task, now)
    if event is None:
        return None
    return Match(task.id, event, rule)


def _match_interaction(msg: MjMessage, active: ActiveTasks, now: int) -> Match | None:
    task = _running(active.by_nonce(msg.nonce)) if msg.nonce is not None else None
    if task is None and msg.interaction_id is not None:
        task = _running(active.by_interaction(msg.interaction_id))
    if task is None:
        return None
    if msg.kind is MessageKind.INTERACTION_FAILED:
        reason = msg.description or "Discord reported the interaction failed"
        return Match(task.id, TaskFailed(reason=reason, at=now), "nonce")
    if msg.kind in (MessageKind.MODAL_OPENED, MessageKind.IFRAME_OPENED):
        if msg.interaction_id is None or msg.custom_id is None:
            return None
        return Match(task.id, ModalOpened(msg.interaction_id, msg.custom_id, at=now), "nonce")
    if msg.interaction_id is None or task.interaction_id == msg.interaction_id:
        return None
    return Match(task.id, InteractionAccepted(msg.interaction_id), "nonce")


def _find_task(msg: MjMessage, active: ActiveTasks) -> tuple[Task, str] | None:
    if msg.interaction_id is not None:
        task = _running(active.by_interaction(msg.interaction_id))
        if task is not None:
            return task, "interaction"
    if msg.nonce is not None:
        task = _running(active.by_nonce(msg.nonce))
        if task is not None:
            return task, "nonce"
    if msg.message_id is not None:
        task = _running(active.by_progress_message(msg.message_id))
        if task is not None:
            return task, "message"
    if msg.referenced_message_id is not None and msg.kind in _OUTCOME_KINDS:
        # an error or notice replying to the job's progress message
        task = _running(active.by_progress_message(msg.referenced_message_id))
        if task is not None:
            return task, "reference"
    if msg.event == _UPDATE and msg.kind is not MessageKind.PROGRESS:
        # an edit of a message we do not follow (e.g. a grid whose U button turned blue)
        return None
    # Below this line a message can only go to a task that is not already bound to another job.
    if msg.referenced_message_id is not None:
        children = [
            t
            for t in active.children_of(msg.referenced_message_id)
            if _running(t) is not None and _compatible_job(t, msg)
        ]
        task = _by_parent(msg, children)
        if task is not None:
            return task, "reference"
    if msg.job_id is not None:
        task = _running(active.by_job(msg.job_id))
        if task is not None and _compatible_job(task, msg):
            return task, "job"
    if msg.prompt is None:
        return None
    free = [t for t in active.values() if t.status in _MATCHABLE and _compatible_job(t, msg)]
    if msg.kind in (MessageKind.RESULT, MessageKind.PROGRESS) and msg.prompt is not None:
        task = _by_prompt(msg, free)
        if task is not None:
            return task, "prompt"
    return None


def _compatible_job(task: Task, msg: MjMessage) -> bool:
    """False when the task already follows a different job or message."""
    if task.message_hash is not None and msg.job_id is not None and task.message_hash != msg.job_id:
        return False
    if msg.job_id is not None and task.custom_id is not None and msg.job_id in task.custom_id:
        return False  # the parent's own job: a button always starts a new job
    # a task that has its own progress message is finished by job uuid or prompt, not by a
    # message that references some other task's message
    return not (
        msg.kind is MessageKind.PROGRESS
        and task.progress_message_id is not None
        and task.progress_message_id != msg.message_id
    )


def _by_parent(msg: MjMessage, free: Sequence[Task]) -> Task | None:
    """The one task that pressed a button on the referenced message and fits action and index."""
    children = [t for t in free if t.referenced_message_id == msg.referenced_message_id]
    if msg.action is not None:
        children = [t for t in children if _action_fits(t.action, msg.action)]
    if msg.index is not None:
        children = [t for t in children if t.index in (None, msg.index)]
    return children[0] if len(children) == 1 else None


def _by_prompt(msg: MjMessage, free: Sequence[Task]) -> Task | None:
    assert msg.prompt is not None
    key = prompt_key(msg.prompt)
    candidates = [
        t
        for t in free
        if (msg.action is None or _action_fits(t.action, msg.action))
        and t.message_hash is None
        and key in _task_keys(t)
    ]
    if not candidates:
        return None
    return _oldest(candidates)


def _task_keys(task: Task) -> set[str]:
    return {prompt_key(p) for p in (task.final_prompt, task.prompt_en, task.prompt) if p}


def _action_fits(task_action: TaskAction, content_action: TaskAction) -> bool:
    if task_action == content_action:
        return True
    if content_action is TaskAction.VARIATION:  # "Remix by": a rerolled or remixed job
        return task_action is TaskAction.REROLL
    return task_action in _IMAGINE_LIKE and content_action in _IMAGINE_LIKE


def _job_event(msg: MjMessage, task: Task, now: int) -> TaskEvent | None:
    message_id = msg.message_id or ""
    kind = msg.kind
    if kind is MessageKind.START:
        if task.status is TaskStatus.IN_PROGRESS:
            return None
        cancel = next((b.custom_id for b in msg.buttons if b.custom_id.startswith(_CANCEL)), None)
        return TaskStarted(
            message_id,
            now,
            final_prompt=msg.prompt,
            message_flags=msg.flags,
            cancel_custom_id=cancel,
        )
    if kind is MessageKind.PROGRESS:
        return TaskProgressed(
            message_id,
            msg.progress or 0,
            now,
            image_url=msg.image_url,
            message_hash=msg.job_id,
            final_prompt=msg.prompt,
        )
    if kind in (MessageKind.RESULT, MessageKind.DESCRIBE_RESULT, MessageKind.SHORTEN_RESULT):
        final_prompt = msg.prompt
        if kind is not MessageKind.RESULT:
            final_prompt = msg.description
        return TaskSucceeded(
            message_id,
            now,
            message_hash=msg.job_id,
            image_url=msg.image_url,
            buttons=msg.buttons,
            final_prompt=final_prompt,
            message_content=msg.content,
            message_flags=msg.flags,
            image_width=msg.image_width,
            image_height=msg.image_height,
        )
    if kind is MessageKind.NOTICE:
        return TaskNoticed(_reason(msg))
    return TaskFailed(_reason(msg), now)


def _reason(msg: MjMessage) -> str:
    if msg.title and msg.description:
        return f"[{msg.title}] {msg.description}"
    return msg.title or msg.description or msg.content or "Midjourney reported an error"


def _running(task: Task | None) -> Task | None:
    """``task`` if it can still receive Discord messages (submitted or in progress)."""
    if task is not None and (
        task.status is TaskStatus.SUBMITTED or task.status is TaskStatus.IN_PROGRESS
    ):
        return task
    return None


def _oldest(tasks: Sequence[Task]) -> Task:
    return min(tasks, key=lambda t: (t.start_time or 0, t.submit_time, t.id))
