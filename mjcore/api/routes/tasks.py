"""``/mj/task/*``: read, list and cancel tasks.

The reading routes answer pre-serialised Task JSON (``deps.task_response``): ``response_model``
still documents it, FastAPI does not validate it again on the way out.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse, Response

from mjcore.api.deps import EngineDep, task_response, tasks_by_ids_response, tasks_response
from mjcore.api.errors import error_body
from mjcore.api.responses import ErrorResponse, SubmitResponse, TaskModel
from mjcore.api.schemas import IdsRequest
from mjcore.engine import Engine
from mjcore.models import SubmitCode

router = APIRouter(tags=["tasks"])

DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000
MAX_LIST_OFFSET = 1_000_000_000  # far beyond any store, well inside SQLite's 64-bit integers
FETCH_PATH = "/task/{task_id}/fetch"
_UNKNOWN = {"description": "Unknown task: code 3.", "model": ErrorResponse}
_IDS_EXAMPLES = {"ids": Example(value={"ids": ["1748339029401828", "1748339029401829"]})}
IdsBody = Annotated[IdsRequest, Body(openapi_examples=_IDS_EXAMPLES)]


@router.get(
    FETCH_PATH,
    response_model=TaskModel,
    responses={404: _UNKNOWN},
    summary="One task (Task JSON)",
)
async def fetch(task_id: str, engine: EngineDep) -> Response:
    return await fetch_answer(engine, task_id)


async def fetch_answer(engine: Engine, task_id: str) -> Response:
    """The answer of ``fetch`` (also given by ``mjcore.api.fast_fetch`` before the router)."""
    task = await engine.get(task_id)
    if task is None:
        return JSONResponse(
            error_body(SubmitCode.NOT_FOUND, f"task {task_id} not found"), status_code=404
        )
    return task_response(engine, task)


@router.post(
    "/task/list-by-condition",
    response_model=list[TaskModel],
    summary="The tasks with the given ids, in that order; unknown ids are left out",
)
async def list_by_condition(body: IdsBody, engine: EngineDep) -> Response:
    return await tasks_by_ids_response(engine, body.ids)


@router.post(
    "/task/list-by-ids",
    response_model=list[TaskModel],
    summary="Alias of list-by-condition",
)
async def list_by_ids(body: IdsBody, engine: EngineDep) -> Response:
    return await list_by_condition(body, engine)


@router.get(
    "/task/list",
    response_model=list[TaskModel],
    summary="Stored tasks, newest first",
)
async def list_tasks(
    engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = DEFAULT_LIST_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_LIST_OFFSET)] = 0,
) -> Response:
    return tasks_response(engine, await engine.list(limit=limit, offset=offset))


@router.get(
    "/task/queue",
    response_model=list[TaskModel],
    summary="Running and waiting tasks of every account, oldest first",
)
async def queue(engine: EngineDep) -> Response:
    ids: list[str] = []
    for runtime in engine.accounts.values():
        ids.extend(t.id for t in runtime.active_tasks())
        ids.extend(runtime.queued_task_ids())
    tasks = sorted(await engine.get_many(ids), key=lambda t: t.submit_time)
    return tasks_response(engine, tasks)


@router.post(
    "/task/{task_id}/cancel",
    response_model=SubmitResponse,
    summary="Cancel a task that has not started (NOT_START) or waits for a window (MODAL)",
    description=(
        "code 1 with the task id when cancelled; code 3 for an unknown task; code 4 when the"
        " task already runs or has finished."
    ),
)
async def cancel(task_id: str, engine: EngineDep) -> dict[str, Any]:
    task = await engine.cancel(task_id)
    return {
        "code": SubmitCode.SUCCESS,
        "description": "Cancelled",
        "result": task.id,
        "properties": {},
    }


@router.get(
    "/task/{task_id}/image-seed",
    response_model=SubmitResponse,
    summary="The seed of a finished task's image (asked from Midjourney once, then kept)",
    description=(
        "code 1 with the seed as `result`; code 3 for an unknown task or an unavailable"
        " account; code 4 when the task has not succeeded or the account has no DM channel;"
        " code 9 when Midjourney does not answer."
    ),
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {"code": 1, "description": "Success", "result": "636646138"}
                }
            }
        }
    },
)
async def image_seed(task_id: str, engine: EngineDep) -> dict[str, Any]:
    seed = await engine.image_seed(task_id)
    return {"code": SubmitCode.SUCCESS, "description": "Success", "result": seed, "properties": {}}
