"""``/mj/task/*`` and ``/mj/account/*``: read tasks and accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mjcore.api.deps import EngineDep, render_task
from mjcore.api.schemas import IdsRequest
from mjcore.errors import TaskNotFoundError
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


def _account_json(engine: EngineDep, account_id: str) -> dict[str, Any]:
    runtime = engine.accounts.get(account_id)
    if runtime is None:
        raise TaskNotFoundError(f"account {account_id} not found")
    c = runtime.config
    return {
        "id": c.id,
        "name": c.name,
        "guildId": c.guild_id,
        "channelId": c.channel_id,
        "userAgent": c.user_agent,
        "enable": runtime.enabled,
        "state": runtime.state.value,
        "reason": runtime.reason,
        "coreSize": c.core_size,
        "queueSize": c.queue_size,
        "timeoutMinutes": c.timeout_minutes,
        "mode": c.mode.value,
        "remixAutoSubmit": c.remix_auto_submit,
        "weight": c.weight,
        "running": runtime.running,
        "queued": runtime.waiting,
    }


@router.get("/account/list")
async def account_list(engine: EngineDep) -> list[dict[str, Any]]:
    return [_account_json(engine, account_id) for account_id in engine.accounts]


@router.get("/account/{account_id}/fetch", response_model=None)
async def account_fetch(account_id: str, engine: EngineDep) -> dict[str, Any] | JSONResponse:
    if account_id not in engine.accounts:
        return _not_found(f"account {account_id}")
    return _account_json(engine, account_id)
