"""Dependencies shared by the routes (everything comes from ``app.state``), and Task JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from mjcore.api.responses import json_bytes, task_document
from mjcore.contract import task_json
from mjcore.engine import Engine
from mjcore.models import Task, TaskStatus

JSON_MEDIA_TYPE = "application/json"


async def get_engine(request: Request) -> Engine:
    """The app's engine (``async``: resolved on the event loop, no thread hand-off)."""
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def render_task(engine: Engine, task: Task) -> dict[str, Any]:
    """Task JSON; a waiting task also shows its place in its account's queue."""
    body = task_json(task, public_url=engine.options.public_url, cdn_base=engine.endpoints.cdn)
    if task.status is TaskStatus.NOT_START:
        body["properties"]["queuePosition"] = engine.queue_position(task.id)
    return body


def task_response(engine: Engine, task: Task) -> Response:
    """One Task JSON, serialised here: the same bytes as ``response_model=TaskModel``."""
    document = task_document(render_task(engine, task))
    return Response(json_bytes(document), media_type=JSON_MEDIA_TYPE)


def tasks_response(engine: Engine, tasks: Iterable[Task]) -> Response:
    """A list of Task JSON, as ``response_model=list[TaskModel]`` would send it."""
    documents = [task_document(render_task(engine, task)) for task in tasks]
    return Response(json_bytes(documents), media_type=JSON_MEDIA_TYPE)
