"""Dependencies shared by the routes (everything comes from ``app.state``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from mjcore.contract import task_json
from mjcore.engine import Engine
from mjcore.models import Task, TaskStatus


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def render_task(engine: Engine, task: Task) -> dict[str, Any]:
    """Task JSON; a waiting task also shows its place in its account's queue."""
    body = task_json(task, public_url=engine.options.public_url, cdn_base=engine.endpoints.cdn)
    if task.status is TaskStatus.NOT_START:
        body["properties"]["queuePosition"] = engine.queue_position(task.id)
    return body
