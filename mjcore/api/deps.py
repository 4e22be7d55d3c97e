"""Dependencies shared by the routes (everything comes from ``app.state``), and Task JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from mjcore.api.responses import json_bytes, task_document
from mjcore.contract import stored_task_json, task_json
from mjcore.engine import Engine
from mjcore.models import Task, TaskAction, TaskStatus
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


def tasks_response(engine: Engine, tasks: Iterable[Task]) -> Response:
    """A list of Task JSON, as ``response_model=list[TaskModel]`` would send it."""
    documents = [as_document(render_task(engine, task)) for task in tasks]
    return Response(json_bytes(documents), media_type=JSON_MEDIA_TYPE)


async def tasks_by_ids_response(engine: Engine, ids: Sequence[str]) -> Response:
    """``tasks_response`` of the tasks with ``ids``, in that order, unknown ids left out.

    The engine's in-memory version of a task (``Engine.live``) wins; the others are rendered
    from their stored documents, so no ``Task`` is built for them.
    """
    live, missing = engine.live_many(ids)
    stored = await engine.store.get_documents(missing) if missing else {}
    documents: list[dict[str, Any]] = []
    for task_id in ids:
        task = live.get(task_id)
        if task is not None:
            documents.append(as_document(render_task(engine, task)))
            continue
        data = stored.get(task_id)
        if data is not None:
            documents.append(as_document(render_stored(engine, document_from_json(data))))
    return Response(json_bytes(documents), media_type=JSON_MEDIA_TYPE)
