"""Token API shapes (``/midjourney``): tokens, jobs, describe jobs, devices. Pure.

A job collects every task made from one ``/imagine`` (the grid, then each button pressed on
any of its images); ``tasks`` counts the accepted requests. Its JSON keys are, in order,
``prompt, upscale, client_id, id, tasks, images``.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from mjcore.api.compat.trigger.shapes import split_reason
from mjcore.midjourney.custom_ids import classify
from mjcore.models import Button, Task, TaskAction, TaskStatus

TOKEN_LENGTH = 5
TOKEN_ALPHABET = string.ascii_lowercase + string.digits
JOB_ID_BYTES = 10
DAY_MS = 86_400_000
ROW_WIDTH = 5
_RATING = "::RATING::"
_EM_DASH = "\u2014"
_FAMILIES = {
    "reroll": "upscale",
    "variation": "variation",
    "low_variation": "vary",
    "high_variation": "vary",
    "Inpaint": "vary",
    "Outpaint": "zoom",
    "CustomZoom": "zoom",
}


@dataclass(frozen=True, slots=True)
class Token:
    """An API token: ``count`` uses left until ``expires_at`` (unix ms)."""

    token: str
    count: int
    expires_at: int
    created_at: int
    days: int = 0
    user: str = "admin"
    user_type: str = "1"
    token_type: str = "null"

    def usable(self, now: int) -> bool:
        return self.count > 0 and self.expires_at >= now

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Token:
        return cls(**json.loads(raw))


def new_token(value: str, *, count: int, days: int, now: int) -> Token:
    return Token(value, count=count, expires_at=now + days * DAY_MS, created_at=now, days=days)


@dataclass(frozen=True, slots=True)
class TokenJob:
    id: str  # 20 hex chars
    prompt: str
    upscale: bool
    client_id: str  # the account (Discord channel id) the job runs on
    token: str
    created_at: int
    tasks: int = 1  # accepted /imagine + /action requests
    task_ids: tuple[str, ...] = ()  # every task of the job, auto-upscales included
    auto_upscaled: bool = False

    def with_task(self, task_id: str, *, counted: bool) -> TokenJob:
        return replace(
            self, task_ids=(*self.task_ids, task_id), tasks=self.tasks + (1 if counted else 0)
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> TokenJob:
        data = json.loads(raw)
        data["task_ids"] = tuple(data.get("task_ids", ()))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class DescribeJob:
    id: str  # 13-digit unix ms
    image_name: str
    client_id: str
    task_id: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> DescribeJob:
        return cls(**json.loads(raw))


def job_prompt(prompt: str) -> str:
    """The prompt as the job shows it: every em dash written as ``--``."""
    return prompt.replace(_EM_DASH, "--")


def button_rows(buttons: Sequence[Button]) -> list[list[dict[str, str]]]:
    """``actions``: the buttons as ``{label, id}`` rows (link and rating buttons left out)."""
    rows: list[list[dict[str, str]]] = []
    last_family: str | None = None
    for button in buttons:
        custom_id = button.custom_id
        if not custom_id or _RATING in custom_id or custom_id.startswith(("http://", "https://")):
            continue
        family = _family(custom_id)
        if not rows or family != last_family or len(rows[-1]) >= ROW_WIDTH:
            rows.append([])
        rows[-1].append({"label": button.label or button.emoji, "id": custom_id})
        last_family = family
    return rows


def _family(custom_id: str) -> str:
    try:
        kind = classify(custom_id).kind
    except ValueError:
        return "other"
    if kind.startswith("upsample"):
        return "upscale"
    if kind.startswith("pan_"):
        return "pan"
    if kind.startswith("animate"):
        return "animate"
    return _FAMILIES.get(kind, kind)


def image_entry(task: Task, url: str | None) -> dict[str, Any]:
    return {
        "id": task.message_id or "",
        "url": url or "",
        "upscaled": task.action is TaskAction.UPSCALE,
        "actions": button_rows(task.buttons),
    }


def error_entry(task: Task) -> dict[str, Any]:
    title, description = split_reason(task.fail_reason or "the job failed")
    message_id = task.message_id or task.progress_message_id or task.id
    return {"id": message_id, "error": description, "title": title or "Job failed"}


def job_json(
    job: TokenJob, tasks: Sequence[Task], urls: Mapping[str, str | None]
) -> dict[str, Any]:
    """The job document; ``tasks`` are the job's tasks, ``urls`` their image links by task id."""
    finished = sorted((t for t in tasks if t.is_final), key=lambda t: (t.finish_time or 0, t.id))
    images = [
        image_entry(t, urls.get(t.id)) if t.status is TaskStatus.SUCCESS else error_entry(t)
        for t in finished
    ]
    return {
        "prompt": job.prompt,
        "upscale": job.upscale,
        "client_id": job.client_id,
        "id": job.id,
        "tasks": job.tasks,
        "images": images,
    }


def describe_job_json(job: DescribeJob, task: Task | None, image_url: str | None) -> dict[str, Any]:
    desc: list[dict[str, Any]] = []
    if task is not None and task.status is TaskStatus.SUCCESS:
        desc.append(
            {
                "id": task.message_id or "",
                "mj_image": image_url or "",
                "desc_text": (task.final_prompt or "").replace("\n\n", "\r\n"),
                "actions": button_rows(task.buttons),
            }
        )
    elif task is not None and task.is_final:
        desc.append(error_entry(task))
    return {"imageName": job.image_name, "id": job.id, "client_id": job.client_id, "desc": desc}


def progress_json(job_id: str, task: Task | None, image_url: str | None) -> dict[str, Any]:
    """``{id, percentage, image_url}`` for the job's latest task, ``{progress: 0}`` when idle."""
    if task is None:
        return {"progress": 0}
    if task.status is TaskStatus.SUCCESS:
        percentage = "100"
    elif task.status is TaskStatus.IN_PROGRESS:
        percentage = task.progress.rstrip("%") or "0"
    else:
        return {"progress": 0}
    return {"id": job_id, "percentage": percentage, "image_url": image_url or ""}


def device_status(*, running: int, core_size: int, waiting: int, queue_size: int) -> str:
    if waiting >= queue_size:
        return "full"
    if waiting > 0 or running >= core_size:
        return "queued"
    return "idle"


def device_json(channel_id: str, mode: str, status: str, count: int, time: int) -> dict[str, str]:
    return {
        "device": f"channel_id_{channel_id}",
        "channelID": channel_id,
        "patternType": mode,
        "status": status,
        "count": str(count),
        "time": str(time),
    }


def info_json(title: str, description: str) -> dict[str, Any]:
    """``/switch?type=info``: the key is ``"description:"``, colon included, as clients read it."""
    return {"code": 200, "result": {"title": title, "description:": description}}
