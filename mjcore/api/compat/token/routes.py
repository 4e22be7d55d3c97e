"""Token API (``/midjourney``): GET with query parameters (``POST /describe`` is multipart).

``/imagine`` and ``/action`` each spend one use of the caller's ``token``; a task that fails
gets its use back. Errors keep the original's shapes: ``{"code":400,"result":"…"}`` as a
text/html body, or a bare ``Bad Request``/``Not Found``. Token creation needs the admin secret
when one is configured (see ``CompatOptions.token_admin_secret``).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from mjcore.accounts import AccountRuntime
from mjcore.api.compat.bodies import query_mapping
from mjcore.api.compat.links import discord_image_link, image_link, preview_image_link
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.owners import CompatApi, owner_of, task_for_message
from mjcore.api.compat.submits import RefusalKind, SubmitRefused, accepted_task_id
from mjcore.api.compat.token.book import JobBook, TokenBook
from mjcore.api.compat.token.shapes import (
    TokenJob,
    describe_job_json,
    device_json,
    device_status,
    info_json,
    job_json,
    job_prompt,
    progress_json,
)
from mjcore.api.compat.uploads import image_extension
from mjcore.api.deps import EngineDep
from mjcore.clock import now_ms
from mjcore.engine import Engine
from mjcore.errors import BannedPromptError, MjError, NoAccountError, QueueFullError
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.models import SubmitResult, Task

log = logging.getLogger(__name__)

PREFIX = "/midjourney"
ERROR_CODE = 400
OK_CODE = 200
MAX_COUNT = 1_000_000
MAX_DAYS = 36_500
SWITCH_TYPES = ("fast", "relax", "info")
SWITCH_TIMEOUT_SECONDS = 30.0
SECRET_HEADER = "mj-api-secret"
_TRUE = "true"
_INVALID_FILE = "无效的文件!!!"


class TokenApiError(Exception):
    """An answer in the original's error shape."""

    def __init__(self, result: str, status_code: int = status.HTTP_400_BAD_REQUEST) -> None:
        super().__init__(result)
        self.result = result
        self.status_code = status_code

    def response(self) -> Response:
        body = json.dumps({"code": ERROR_CODE, "result": self.result}, ensure_ascii=False)
        return HTMLResponse(body, self.status_code)


def bad_request() -> Response:
    return PlainTextResponse("Bad Request", status.HTTP_400_BAD_REQUEST)


def not_found() -> Response:
    return PlainTextResponse("Not Found", status.HTTP_404_NOT_FOUND)


def engine_failure(exc: MjError | SubmitRefused) -> TokenApiError:
    if isinstance(exc, BannedPromptError):
        return TokenApiError(f"banned prompt: {exc.banned_word}")
    if isinstance(exc, NoAccountError | QueueFullError) or (
        isinstance(exc, SubmitRefused) and exc.kind is RefusalKind.QUEUE_FULL
    ):
        return TokenApiError(exc.message, status.HTTP_503_SERVICE_UNAVAILABLE)
    return TokenApiError(exc.message)


def _int_param(params: dict[str, str], *names: str) -> int | None:
    for name in names:
        raw = params.get(name, "").strip()
        if raw:
            return int(raw) if raw.isdigit() else None
    return None


def build_router(options: CompatOptions) -> APIRouter:
    """The token API router; ``options`` holds the limit text and the admin secret."""
    router = APIRouter(prefix=PREFIX, tags=["compat: token API"])

    def limit_error() -> TokenApiError:
        return TokenApiError(options.token_limit_message)

    def urls_of(engine: Engine, tasks: list[Task]) -> dict[str, str | None]:
        prefix = options.image_url_prefix
        out: dict[str, str | None] = {}
        for task in tasks:
            if prefix is not None and task.discord_image_url:
                out[task.id] = prefix + task.discord_image_url
            else:
                out[task.id] = image_link(engine, task)
        return out

    async def render_job(engine: Engine, job: TokenJob) -> dict[str, Any]:
        tasks = await engine.get_many(list(job.task_ids))
        return job_json(job, tasks, urls_of(engine, tasks))

    async def spend(engine: Engine, token: str, start: Any) -> tuple[str, SubmitResult]:
        """Spend one use of ``token`` on ``start()``; the use comes back if nothing started."""
        tokens = TokenBook(engine.store)
        if await tokens.take(token, now=now_ms()) is None:
            raise limit_error()
        try:
            result: SubmitResult = await start()
            task_id = await accepted_task_id(engine, result)
        except (MjError, SubmitRefused) as exc:
            await tokens.refund(token)
            raise engine_failure(exc) from exc
        await tokens.bill(task_id, token)
        return task_id, result

    async def check_token(engine: Engine, token: str) -> None:
        found = await TokenBook(engine.store).get(token) if token else None
        if found is None or not found.usable(now_ms()):
            raise limit_error()

    @router.get("/imagine", response_model=None)
    async def imagine(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        params = query_mapping(request)
        token = params.get("token", "")
        prompt = params.get("prompt", "")
        try:
            await check_token(engine, token)
            if not prompt.strip():
                return HTMLResponse("prompt parameter is required", status.HTTP_400_BAD_REQUEST)
            task_id, result = await spend(engine, token, lambda: engine.submit_imagine(prompt))
        except TokenApiError as exc:
            return exc.response()
        jobs = JobBook(engine.store)
        client_id = str(dict(result.properties).get("discordInstanceId", ""))
        job = TokenJob(
            id=await jobs.mint_job_id(),
            prompt=job_prompt(prompt),
            upscale=params.get("upscale") == _TRUE,
            client_id=client_id,
            token=token,
            created_at=now_ms(),
            task_ids=(task_id,),
        )
        await jobs.add(job)
        await jobs.count_device(client_id, now=job.created_at)
        log.info("token imagine [job:%s task:%s]", job.id, task_id)
        return await render_job(engine, job)

    @router.get("/action", response_model=None)
    async def action(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        params = query_mapping(request)
        token = params.get("token", "")
        image, custom_id = params.get("image", ""), params.get("action", "")
        client_id = params.get("client_id", "")
        try:
            await check_token(engine, token)
            if not image or not custom_id:
                raise TokenApiError("image and action parameters should be provided")
            if not client_id:
                raise TokenApiError("client_id parameter should be provided")
            parent = await task_for_message(engine, image)
            if parent is None:
                raise TokenApiError(f"image {image} not found")
            owner = await owner_of(engine.store, parent.id)
            if owner is None or owner.api is not CompatApi.TOKEN:
                raise TokenApiError("cannot run action")
            if client_id != parent.account_id:
                raise TokenApiError(f"image {image} is not on client_id {client_id}")
            if custom_id not in {b.custom_id for b in parent.buttons}:
                raise TokenApiError(f"image {image} has no action {custom_id}")
            task_id, _ = await spend(engine, token, lambda: engine.action(parent.id, custom_id))
        except TokenApiError as exc:
            return exc.response()
        job = await JobBook(engine.store).add_task(owner.key, task_id, counted=True)
        if job is None:
            return TokenApiError("cannot run action").response()
        log.info("token action [job:%s task:%s]", job.id, task_id)
        return await render_job(engine, job)

    @router.get("/job", response_model=None)
    async def job(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        job_id = query_mapping(request).get("id", "").strip()
        if not job_id:
            return bad_request()
        found = await JobBook(engine.store).get(job_id)
        if found is None:
            return not_found()
        return await render_job(engine, found)

    @router.post("/describe", response_model=None)
    async def describe(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        try:
            async with request.form() as form:
                file = form.get("image")
                if not isinstance(file, UploadFile):
                    return TokenApiError(_INVALID_FILE).response()
                data = await file.read(options.max_upload_bytes + 1)
        except HTTPException:
            return TokenApiError(_INVALID_FILE).response()
        if len(data) > options.max_upload_bytes:
            return TokenApiError(
                f"file is larger than {options.max_upload_bytes} bytes",
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            ).response()
        extension = image_extension(data)
        if extension is None:
            return TokenApiError(_INVALID_FILE).response()
        try:
            result = await engine.submit_describe(data)
            task_id = await accepted_task_id(engine, result)
        except (MjError, SubmitRefused) as exc:
            return engine_failure(exc).response()
        client_id = str(dict(result.properties).get("discordInstanceId", ""))
        described = await JobBook(engine.store).add_describe(
            task_id=task_id, client_id=client_id, extension=extension, now=now_ms()
        )
        log.info("token describe [job:%s task:%s]", described.id, task_id)
        return describe_job_json(described, None, None)

    @router.get("/descjob", response_model=None)
    async def descjob(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        job_id = query_mapping(request).get("id", "").strip()
        if not job_id:
            return bad_request()
        found = await JobBook(engine.store).get_describe(job_id)
        if found is None:
            return not_found()
        task = await engine.get(found.task_id)
        link = None if task is None else discord_image_link(task, engine.endpoints.cdn)
        return describe_job_json(found, task, link)

    @router.get("/create_token", response_model=None)
    async def create_token(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        secret = options.token_admin_secret
        if secret is None:
            secret = str(getattr(request.app.state, "api_secret", "") or "")
        params = query_mapping(request)
        if secret:
            given = request.headers.get(SECRET_HEADER) or params.get("secret", "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return TokenApiError(
                    f"missing or wrong {SECRET_HEADER}", status.HTTP_401_UNAUTHORIZED
                ).response()
        count = _int_param(params, "count")
        days = _int_param(params, "day", "days")
        if count is None or days is None or not 0 < count <= MAX_COUNT or not 0 < days <= MAX_DAYS:
            return TokenApiError(
                f"count (1-{MAX_COUNT}) and day (1-{MAX_DAYS}) must be positive whole numbers"
            ).response()
        token = await TokenBook(engine.store).create(count=count, days=days, now=now_ms())
        log.info("token created [uses:%d days:%d]", count, days)
        return {"token": token.token}

    @router.get("/history")
    async def history(request: Request, engine: EngineDep) -> dict[str, Any]:
        token = query_mapping(request).get("token", "")
        rows: list[dict[str, Any]] = []
        for found in await JobBook(engine.store).of_token(token) if token else []:
            tasks = await engine.get_many(list(found.task_ids))
            urls = urls_of(engine, tasks)
            rows.extend(
                {"job_id": found.id, "images_url": urls[t.id]} for t in tasks if urls.get(t.id)
            )
        return {"data": rows}

    @router.get("/progress", response_model=None)
    async def progress(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        job_id = query_mapping(request).get("id", "").strip()
        if not job_id:
            return bad_request()
        found = await JobBook(engine.store).get(job_id)
        task = await engine.get(found.task_ids[-1]) if found and found.task_ids else None
        if task is None:
            return progress_json(job_id, None, None)
        link = image_link(engine, task) or preview_image_link(task, engine.endpoints.cdn)
        return progress_json(job_id, task, link)

    @router.get("/switch", response_model=None)
    async def switch(request: Request, engine: EngineDep) -> dict[str, Any] | Response:
        params = query_mapping(request)
        kind, client_id = params.get("type", ""), params.get("client_id", "")
        if kind not in SWITCH_TYPES:
            return TokenApiError("type must be fast, relax or info").response()
        if not client_id:
            return TokenApiError("client_id parameter should be provided").response()
        runtime = engine.accounts.get(client_id)
        if runtime is None or not runtime.enabled:
            return TokenApiError(f"unknown client_id {client_id}").response()
        try:
            reply = await command_reply(runtime, kind, SWITCH_TIMEOUT_SECONDS)
        except (MjError, TimeoutError, KeyError) as exc:
            log.warning("switch %s failed [account:%s] %s", kind, client_id, exc)
            return {"code": ERROR_CODE, "result": "fail"}
        if reply.kind is MessageKind.INFO:
            return info_json(reply.title or "", reply.description or "")
        if reply.kind is MessageKind.MODE_CHANGED:
            return {"code": OK_CODE, "result": reply.content}
        return {"code": ERROR_CODE, "result": "fail"}

    @router.get("/get_devices")
    async def get_devices(engine: EngineDep) -> list[dict[str, str]]:
        jobs = JobBook(engine.store)
        out: list[dict[str, str]] = []
        for runtime in engine.accounts.values():
            count, time = await jobs.device(runtime.id)
            out.append(
                device_json(runtime.id, runtime.config.mode.value, _status(runtime), count, time)
            )
        return out

    @router.get("/get_queue")
    async def get_queue(engine: EngineDep) -> JSONResponse:
        waiting = sum(r.waiting for r in engine.accounts.values())
        return JSONResponse({"status": OK_CODE, "data": waiting})

    return router


async def command_reply(runtime: AccountRuntime, name: str, timeout: float) -> MjMessage:
    """Midjourney's answer to ``/<name>`` (its info embed or its "Done!" text)."""
    return await runtime.run_command(name, timeout=timeout)


def _status(runtime: AccountRuntime) -> str:
    return device_status(
        running=runtime.running,
        core_size=runtime.config.core_size,
        waiting=runtime.waiting,
        queue_size=runtime.config.queue_size,
    )
