"""Node-style API shapes (``/api/v1``): request parameters in, task records out. Pure.

A record is the original's nedb document, keys in its order::

    _id index action prompt promptEn taskId uri hash content progress description
    submitTime finishTime creationTime state notifyHook imageUrl status
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from mjcore.models import Task, TaskAction, TaskStatus

SUCCESS_DESCRIPTION = "成功"
PROGRESS_DONE = "done"
NODE_ACTIONS = frozenset({TaskAction.IMAGINE, TaskAction.UPSCALE, TaskAction.VARIATION})
MIN_INDEX = 1
MAX_INDEX = 4

Scalar = str | int | float | bool

_STATUS = {
    TaskStatus.NOT_START: "NOT_START",
    TaskStatus.MODAL: "NOT_START",
    TaskStatus.SUBMITTED: "IN_PROGRESS",
    TaskStatus.IN_PROGRESS: "IN_PROGRESS",
    TaskStatus.SUCCESS: "SUCCESS",
    TaskStatus.FAILURE: "FAILURE",
    TaskStatus.CANCEL: "FAILURE",
}


class NodeInputError(ValueError):
    """A request the Node-style API cannot take; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class NodeMeta:
    """What the Node-style API remembers about one record besides the engine task."""

    id: str  # the record ``_id`` (UUID v4)
    task_id: str  # the engine task
    action: str
    index: Scalar = ""
    task_ref: str = ""  # the ``taskId`` given on submit (the parent record)
    state: Scalar = ""
    notify_hook: str = ""
    creation_time: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> NodeMeta:
        return cls(**json.loads(raw))


@dataclass(frozen=True, slots=True)
class SubmitParams:
    """A checked ``/trigger/submit`` request."""

    action: TaskAction
    prompt: str = ""
    task_ref: str = ""
    index: Scalar = ""
    index_number: int | None = None
    state: Scalar = ""
    notify_hook: str = ""


def submit_source(query: Mapping[str, Any], body: Mapping[str, Any]) -> Mapping[str, Any]:
    """All parameters come from the body when it has a truthy ``action``, else from the query."""
    return body if body.get("action") else query


def parse_submit(params: Mapping[str, Any]) -> SubmitParams:
    action_raw = params.get("action")
    try:
        action = TaskAction(action_raw) if isinstance(action_raw, str) else None
    except ValueError:
        action = None
    if action not in NODE_ACTIONS:
        raise NodeInputError("action must be IMAGINE, UPSCALE or VARIATION")
    assert action is not None
    state = _scalar(params, "state")
    notify_hook = _scalar(params, "notifyHook")
    if notify_hook != "" and not (
        isinstance(notify_hook, str) and notify_hook.startswith(("http://", "https://"))
    ):
        raise NodeInputError("notifyHook must be an http(s) URL")
    index = _scalar(params, "index")
    if action is TaskAction.IMAGINE:
        prompt = params.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise NodeInputError("prompt is required for IMAGINE")
        return SubmitParams(
            action, prompt=prompt, index=index, state=state, notify_hook=str(notify_hook)
        )
    task_ref = params.get("taskId")
    if not isinstance(task_ref, str | int) or isinstance(task_ref, bool) or str(task_ref) == "":
        raise NodeInputError(f"taskId (the _id of the image to {action.lower()}) is required")
    return SubmitParams(
        action,
        task_ref=str(task_ref),
        index=index,
        index_number=parse_index(index),
        state=state,
        notify_hook=str(notify_hook),
    )


def parse_index(index: Scalar) -> int:
    """``index`` as 1-4 (a number or a string of digits)."""
    number: int | None = None
    if isinstance(index, int) and not isinstance(index, bool):
        number = index
    elif isinstance(index, float) and index.is_integer():
        number = int(index)
    elif isinstance(index, str) and index.strip().isdigit():
        number = int(index.strip())
    if number is None or not MIN_INDEX <= number <= MAX_INDEX:
        raise NodeInputError(f"index must be between {MIN_INDEX} and {MAX_INDEX}")
    return number


def fetch_id(query: Mapping[str, Any], body: Mapping[str, Any]) -> str | None:
    """The record id of a fetch: the original's ``body._id`` when ``body.id`` is truthy, then
    ``query._id``, then the rest of the superset (``body._id``, ``body.id``, ``query.id``)."""
    candidates: list[Any] = []
    if body.get("id"):
        candidates.append(body.get("_id"))
    candidates += [query.get("_id"), body.get("_id"), body.get("id"), query.get("id")]
    for value in candidates:
        if isinstance(value, str) and value:
            return value
    return None


def hash_from_uri(uri: str) -> str:
    """The original's ``uri.split("_").pop().split(".")[0]``."""
    return uri.split("_")[-1].split(".")[0]


def node_status(task: Task) -> str:
    return _STATUS[task.status]


def node_record(meta: NodeMeta, task: Task, image_url: str | None) -> dict[str, Any]:
    """The record of ``meta`` as its task stands; ``image_url`` is the result image link."""
    succeeded = task.status is TaskStatus.SUCCESS
    uri = (image_url or "") if succeeded else ""
    started = task.status not in (TaskStatus.NOT_START, TaskStatus.MODAL)
    return {
        "_id": meta.id,
        "index": meta.index,
        "action": meta.action,
        "prompt": task.prompt,
        "promptEn": task.prompt_en,
        "taskId": (task.message_id or meta.task_ref) if succeeded else meta.task_ref,
        "uri": uri,
        "hash": (task.message_hash or hash_from_uri(uri)) if succeeded and uri else "",
        "content": (task.final_prompt or task.prompt_en) if succeeded else "",
        "progress": PROGRESS_DONE if succeeded else "",
        "description": f"/imagine {task.prompt_en}",
        "submitTime": (task.start_time or task.submit_time) if started else "",
        "finishTime": task.finish_time if task.is_final and task.finish_time else "",
        "creationTime": meta.creation_time,
        "state": meta.state,
        "notifyHook": meta.notify_hook,
        "imageUrl": uri,
        "status": node_status(task),
    }


def _scalar(params: Mapping[str, Any], key: str) -> Scalar:
    value = params.get(key)
    if value is None:
        return ""
    if isinstance(value, str | int | float | bool):
        return value
    raise NodeInputError(f"{key} must be a string or a number")
