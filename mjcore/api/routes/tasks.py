"""``/mj/task/*``: read, list and cancel tasks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mjcore.api.deps import EngineDep, render_task
from mjcore.api.schemas import IdsRequest
from mjcore.models import SubmitCode

router = APIRouter(tags=["tasks"])


def _not_found(what: str) -> JSONResponse:
    return JSONResponse(
        {"code": SubmitCode.NOT_FOUND, "description": f"{what} not found", "result": None},
        status_code=404,
    )


@router.get("/task/{task_id}/fetch", response_model=None)
async def fetch(task_id: str, engine: EngineDep) -> dict[str, Any] | JSONResponse:
    task = await engine.get(task_id)
    if task is None:
        return _not_found(f"task {task_id}")
    return render_task(engine, task)


@router.post("/task/list-by-condition")
@router.post("/task/list-by-ids")
async def list_by_condition(body: IdsRequest, engine: EngineDep) -> list[dict[str, Any]]:
    return [render_task(engine, t) for t in await engine.get_many(body.ids)]


@router.get("/task/list")
async def list_tasks(
    engine: EngineDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    return [render_task(engine, t) for t in await engine.list(limit=limit, offset=offset)]


@router.get("/task/queue")
async def queue(engine: EngineDep) -> list[dict[str, Any]]:
    ids: list[str] = []
    for runtime in engine.accounts.values():
        ids.extend(t.id for t in runtime.active_tasks())
        ids.extend(runtime.queued_task_ids())
    tasks = sorted(await engine.get_many(ids), key=lambda t: t.submit_time)
    return [render_task(engine, t) for t in tasks]


@router.post("/task/{task_id}/cancel", response_model=None)
async def cancel(task_id: str, engine: EngineDep) -> dict[str, Any]:
    task = await engine.cancel(task_id)
    return {"code": SubmitCode.SUCCESS, "description": "Cancelled", "result": task.id}


@router.get("/task/{task_id}/image-seed")
async def image_seed(task_id: str, engine: EngineDep) -> dict[str, Any]:
    seed = await engine.image_seed(task_id)
    return {"code": SubmitCode.SUCCESS, "description": "Success", "result": seed}
