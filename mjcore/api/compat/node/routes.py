"""Node-style API (``/api/v1``): submit, fetch and list, any HTTP method, no authentication.

Submit answers ``{code: 1, description: "成功", result: <record _id>}``; fetch answers the bare
record and list a bare array of records. Bad input gets HTTP 400 ``{code: 0, description}``
before any task is made.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from mjcore.api.compat.bodies import BodyError, query_mapping, read_mapping
from mjcore.api.compat.links import image_link
from mjcore.api.compat.node.book import NodeBook
from mjcore.api.compat.node.records import (
    SUCCESS_DESCRIPTION,
    NodeInputError,
    NodeMeta,
    SubmitParams,
    fetch_id,
    node_record,
    parse_submit,
    submit_source,
)
from mjcore.api.compat.owners import task_for_message
from mjcore.api.compat.submits import RefusalKind, SubmitRefused, accepted_task_id
from mjcore.api.deps import EngineDep
from mjcore.clock import now_ms
from mjcore.engine import Engine
from mjcore.errors import (
    BannedPromptError,
    MjError,
    NoAccountError,
    QueueFullError,
    TaskNotFoundError,
    TaskStateError,
    ValidationError,
)
from mjcore.models import SubmitResult, Task, TaskAction

log = logging.getLogger(__name__)

ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
FAILURE_CODE = 0
SUCCESS_CODE = 1

router = APIRouter(prefix="/api/v1", tags=["compat: Node-style API"])


def _error(status_code: int, description: str) -> JSONResponse:
    return JSONResponse({"code": FAILURE_CODE, "description": description}, status_code)


def _engine_error(exc: MjError) -> JSONResponse:
    if isinstance(exc, BannedPromptError):
        return _error(status.HTTP_400_BAD_REQUEST, f"banned word in prompt: {exc.banned_word}")
    if isinstance(exc, ValidationError | TaskStateError | TaskNotFoundError):
        return _error(status.HTTP_400_BAD_REQUEST, exc.message)
    if isinstance(exc, NoAccountError | QueueFullError):
        return _error(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message)
    return _error(status.HTTP_502_BAD_GATEWAY, exc.message)


def _refused(exc: SubmitRefused) -> JSONResponse:
    if exc.kind is RefusalKind.NEEDS_PROMPT:
        return _error(status.HTTP_400_BAD_REQUEST, exc.message)
    if exc.kind is RefusalKind.QUEUE_FULL:
        return _error(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message)
    return _error(status.HTTP_502_BAD_GATEWAY, exc.message)


async def _parent_task_id(engine: Engine, book: NodeBook, ref: str) -> str | None:
    """The engine task named by ``taskId``: a record ``_id``, an engine id or a message id."""
    meta = await book.get(ref)
    if meta is not None:
        return meta.task_id
    if await engine.get(ref) is not None:
        return ref
    task = await task_for_message(engine, ref)
    return None if task is None else task.id


async def _start(engine: Engine, book: NodeBook, params: SubmitParams) -> SubmitResult | None:
    if params.action is TaskAction.IMAGINE:
        return await engine.submit_imagine(params.prompt)
    parent = await _parent_task_id(engine, book, params.task_ref)
    if parent is None:
        return None
    return await engine.change(parent, params.action, params.index_number)


@router.api_route("/trigger/submit", methods=ANY_METHOD)
@router.api_route("/mj/submit", methods=ANY_METHOD)
async def submit(request: Request, engine: EngineDep) -> JSONResponse:
    try:
        body = await read_mapping(request)
        params = parse_submit(submit_source(query_mapping(request), body))
    except (BodyError, NodeInputError) as exc:
        return _error(status.HTTP_400_BAD_REQUEST, str(exc))
    book = NodeBook(engine.store)
    try:
        result = await _start(engine, book, params)
        if result is None:
            return _error(status.HTTP_400_BAD_REQUEST, f"taskId {params.task_ref} not found")
        task_id = await accepted_task_id(engine, result)
    except MjError as exc:
        return _engine_error(exc)
    except SubmitRefused as exc:
        return _refused(exc)
    meta = NodeMeta(
        id=str(uuid4()),
        task_id=task_id,
        action=params.action.value,
        index=params.index,
        task_ref=params.task_ref,
        state=params.state,
        notify_hook=params.notify_hook,
        creation_time=now_ms(),
    )
    await book.add(meta)
    log.info("node-style record created [record:%s task:%s]", meta.id, task_id)
    return JSONResponse(
        {"code": SUCCESS_CODE, "description": SUCCESS_DESCRIPTION, "result": meta.id}
    )


def render(engine: Engine, meta: NodeMeta, task: Task) -> dict[str, Any]:
    return node_record(meta, task, image_link(engine, task))


@router.api_route("/task/fetch", methods=ANY_METHOD, response_model=None)
async def fetch(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
    try:
        body = await read_mapping(request)
    except BodyError as exc:
        return _error(status.HTTP_400_BAD_REQUEST, str(exc))
    record_id = fetch_id(query_mapping(request), body)
    if record_id is None:
        return _error(status.HTTP_400_BAD_REQUEST, "_id is required")
    meta = await NodeBook(engine.store).get(record_id)
    task = None if meta is None else await engine.get(meta.task_id)
    if meta is None or task is None:
        return _error(status.HTTP_400_BAD_REQUEST, f"record {record_id} not found")
    return render(engine, meta, task)


@router.api_route("/task/list", methods=ANY_METHOD)
async def list_records(engine: EngineDep) -> list[dict[str, Any]]:
    metas = await NodeBook(engine.store).all()
    tasks = {t.id: t for t in await engine.get_many([m.task_id for m in metas])}
    return [render(engine, m, tasks[m.task_id]) for m in metas if m.task_id in tasks]
