"""Dependencies shared by the routes (everything comes from ``app.state``), and Task JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from mjcore.api.responses import json_bytes, task_document
from mjcore.contract import image_url_uses_cdn, stored_task_json, task_json
from mjcore.engine import Engine
from mjcore.models import FINAL_STATUSES, Button, Task, TaskAction, TaskStatus
from mjcore.store import StoredReads, TaskView
from mjcore.store.codec import StoredTask, document_from_json

JSON_MEDIA_TYPE = "application/json"
QUEUE_POSITION = "queuePosition"


async def get_engine(request: Request) -> Engine:
    """The app's engine (``async``: resolved on the event loop, no thread hand-off)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def render_task(engine: Engine, task: Task) -> dict[str, Any]:
    """Task JSON; a waiting task also shows its place in its account's queue."""
    body = task_json(task, public_url=engine.options.public_url, cdn_base=engine.endpoints.cdn)
    if task.status is TaskStatus.NOT_START:
        body["properties"][QUEUE_POSITION] = engine.queue_position(task.id)
    return body


def render_stored(engine: Engine, document: StoredTask) -> dict[str, Any]:
    """``render_task`` of a stored document, without building its ``Task``."""
    body = stored_task_json(
        document, public_url=engine.options.public_url, cdn_base=engine.endpoints.cdn
    )
    if body["status"] == TaskStatus.NOT_START:
        body["properties"][QUEUE_POSITION] = engine.queue_position(body["id"])
    return body


def _plain_properties() -> tuple[int, bool]:
    """How many properties Task JSON has without extras, and whether ``task_document`` keeps
    them in their order and only appends a null ``queuePosition``."""
    body = task_json(Task(id="0", action=TaskAction.IMAGINE), public_url="")
    count = len(body["properties"])
    expected = task_document(body)
    body["properties"][QUEUE_POSITION] = None
    same = list(expected) == list(body) and list(expected["properties"].items()) == list(
        body["properties"].items()
    )
    return count, same


_PLAIN_PROPERTY_COUNT, _PLAIN_IN_ORDER = _plain_properties()


def as_document(body: dict[str, Any]) -> dict[str, Any]:
    """``task_document`` of a ``render_task``/``render_stored`` body.

    A body without extra properties or a queue position is already in that order: it only gains
    the null ``queuePosition`` (in place), skipping the copy.
    """
    properties = body["properties"]
    if _PLAIN_IN_ORDER and len(properties) == _PLAIN_PROPERTY_COUNT:
        properties[QUEUE_POSITION] = None
        return body
    return task_document(body)


def task_response(engine: Engine, task: Task) -> Response:
    """One Task JSON, serialised here: the same bytes as ``response_model=TaskModel``."""
    document = as_document(render_task(engine, task))
    return Response(json_bytes(document), media_type=JSON_MEDIA_TYPE)


def task_view(engine: Engine) -> TaskView:
    """The stored view of the engine's finished tasks (``finished_task_view``)."""
    return finished_task_view(engine.options.public_url, engine.endpoints.cdn)


def finished_task_view(public_url: str, cdn_base: str) -> TaskView:
    """Finished tasks kept as the bytes ``task_response`` sends for them.

    A finished task's answer depends on the public URL alone, unless its image is shown through
    the Discord CDN (then on the CDN setting too: such a task gets no view). The key is the
    answer for a sample task, which shows the public URL: a change of either retires older views.
    """

    def answer(task: Task) -> bytes:
        body = task_json(task, public_url=public_url, cdn_base=cdn_base)
        return json_bytes(as_document(body))

    def render(task: Task) -> bytes | None:
        if task.status not in FINAL_STATUSES or image_url_uses_cdn(task):
            return None
        return answer(task)

    return TaskView(key=answer(_VIEW_SAMPLE).decode(), render=render)


# Every field Task JSON shows is set, so a change to how any of them is shown changes the key.
_VIEW_SAMPLE = Task(
    id="1700000000000000001",
    action=TaskAction.UPSCALE,
    status=TaskStatus.SUCCESS,
    prompt="sample",
    prompt_en="sample",
    description="/up",
    state="state",
    submit_time=1,
    start_time=2,
    finish_time=3,
    image_url="https://cdn.discordapp.com/attachments/1/2/sample.png",
    discord_image_url="https://cdn.discordapp.com/attachments/1/2/sample.png",
    image_width=4,
    image_height=5,
    progress="100%",
    buttons=(Button("MJ::JOB::upsample::1::x", emoji="e", label="U1"),),
    fail_reason="reason",
    account_id="6",
    notify_hook="https://hook.test/",
    nonce="9",
    interaction_id="10",
    progress_message_id="11",
    message_id="7",
    message_hash="x",
    message_flags=64,
    message_content="**sample**",
    final_prompt="sample final",
    parent_id="12",
    custom_id="MJ::JOB::upsample::1::x",
    referenced_message_id="13",
    extra=(("seed", "8"),),
)


def tasks_response(engine: Engine, tasks: Iterable[Task]) -> Response:
    """A list of Task JSON, as ``response_model=list[TaskModel]`` would send it."""
    documents = [as_document(render_task(engine, task)) for task in tasks]
    return Response(json_bytes(documents), media_type=JSON_MEDIA_TYPE)


async def tasks_by_ids_response(engine: Engine, ids: Sequence[str]) -> Response:
    """``tasks_response`` of the tasks with ``ids``, in that order, unknown ids left out.

    The engine's in-memory version of a task (``Engine.live``) wins; the others are sent as
    their stored view (``task_view``) or rendered from their stored documents, so no ``Task``
    is built for them.
    """
    live, missing = engine.live_many(ids)
    views, stored = await engine.store.get_views(missing) if missing else StoredReads({}, {})
    parts: list[bytes] = []
    for task_id in ids:
        task = live.get(task_id)
        if task is not None:
            parts.append(json_bytes(as_document(render_task(engine, task))))
        elif (view := views.get(task_id)) is not None:
            parts.append(view)
        elif (data := stored.get(task_id)) is not None:
            parts.append(json_bytes(as_document(render_stored(engine, document_from_json(data)))))
    return Response(b"[" + b",".join(parts) + b"]", media_type=JSON_MEDIA_TYPE)
