"""Trigger API (``/v1/api/trigger``): POST JSON in, ``{message: "success", …}`` out, no auth.

Errors: ``{code: 13, message: "request params error: …"}`` with HTTP 400 for bad input,
``{code: 14, message: "banned prompt: …"}`` and ``{code: 15, message: "Task queue is full: …"}``
with HTTP 200 (as the original answers them). Results arrive later as callbacks (see
``trigger.hooks``).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import APIRouter, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from mjcore.api.compat.bodies import BodyError, read_object
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.owners import task_for_message
from mjcore.api.compat.submits import RefusalKind, SubmitRefused, accepted_task_id
from mjcore.api.compat.trigger.book import TriggerBook
from mjcore.api.compat.trigger.shapes import (
    EXPAND_DIRECTIONS,
    TriggerType,
    button_id,
    marked_prompt,
    pick_button,
    split_picurl,
)
from mjcore.api.compat.uploads import UploadStore, image_extension, stem_of, upload_root
from mjcore.api.deps import EngineDep
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
from mjcore.inputs import MAX_PROMPT_LENGTH
from mjcore.models import SubmitResult

log = logging.getLogger(__name__)

PREFIX = "/v1/api/trigger"
UPLOADS_PATH = "/uploads"
SUCCESS = "success"
PARAMS_ERROR = 13
MAX_RETRY_ERROR = 12
BANNED_PROMPT = 14
QUEUE_FULL = 15
ID_MAX_LENGTH = 64
UPLOAD_NAME_MAX_LENGTH = 128

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------------------------- bodies
class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class ImagineBody(_Body):
    prompt: str = Field(..., max_length=MAX_PROMPT_LENGTH)
    picurl: str | None = Field(None, max_length=2048)


class MessageRef(_Body):
    msg_id: str = Field(..., min_length=1, max_length=ID_MAX_LENGTH)
    msg_hash: str = Field(..., min_length=1, max_length=ID_MAX_LENGTH)
    trigger_id: str = Field(..., min_length=1, max_length=ID_MAX_LENGTH)


class IndexedRef(MessageRef):
    index: int


class ExpandRef(MessageRef):
    direction: str


class ZoomRef(MessageRef):
    zoomout: int


class DescribeBody(_Body):
    upload_filename: str = Field(..., max_length=UPLOAD_NAME_MAX_LENGTH)
    trigger_id: str = Field(..., max_length=ID_MAX_LENGTH)


class UploadNameBody(_Body):
    upload_filename: str = Field(..., max_length=UPLOAD_NAME_MAX_LENGTH)


class ReleaseBody(_Body):
    trigger_id: str = Field(..., max_length=ID_MAX_LENGTH)


class ParamsError(Exception):
    """A request body the trigger API cannot take (code 13)."""


# ---------------------------------------------------------------------------------- answers
def success(trigger_id: str, kind: TriggerType | str) -> dict[str, Any]:
    return {"message": SUCCESS, "trigger_id": trigger_id, "trigger_type": str(kind)}


def params_error(detail: str) -> JSONResponse:
    return JSONResponse(
        {"code": PARAMS_ERROR, "message": f"request params error: {detail}"},
        status.HTTP_400_BAD_REQUEST,
    )


def queue_full(engine: Engine) -> JSONResponse:
    capacity = sum(r.config.queue_size for r in engine.accounts.values() if r.enabled)
    return JSONResponse({"code": QUEUE_FULL, "message": f"Task queue is full: {capacity}"})


def engine_error(engine: Engine, exc: MjError, prompt: str = "") -> JSONResponse:
    if isinstance(exc, BannedPromptError):
        return JSONResponse({"code": BANNED_PROMPT, "message": f"banned prompt: {prompt}"})
    if isinstance(exc, QueueFullError):
        return queue_full(engine)
    if isinstance(exc, NoAccountError):
        return JSONResponse(
            {"code": QUEUE_FULL, "message": exc.message}, status.HTTP_503_SERVICE_UNAVAILABLE
        )
    if isinstance(exc, ValidationError | TaskStateError | TaskNotFoundError):
        return params_error(exc.message)
    return JSONResponse(
        {"code": MAX_RETRY_ERROR, "message": exc.message}, status.HTTP_502_BAD_GATEWAY
    )


def refused(engine: Engine, exc: SubmitRefused) -> JSONResponse:
    if exc.kind is RefusalKind.QUEUE_FULL:
        return queue_full(engine)
    if exc.kind is RefusalKind.NEEDS_PROMPT:
        return params_error(exc.message)
    return JSONResponse(
        {"code": MAX_RETRY_ERROR, "message": exc.message}, status.HTTP_502_BAD_GATEWAY
    )


async def parse(request: Request, model: type[M]) -> M:
    try:
        return model.model_validate(await read_object(request))
    except BodyError as exc:
        raise ParamsError(str(exc)) from exc
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ParamsError(problems) from exc


def upload_failure(message: str, status_code: int) -> JSONResponse:
    body = {"message": message, "upload_filename": "", "upload_url": "", "trigger_id": ""}
    return JSONResponse(body, status_code)


# ---------------------------------------------------------------------------------- router
def build_router(options: CompatOptions) -> APIRouter:
    """The trigger API router; ``options`` says where uploads are kept."""
    router = APIRouter(prefix=PREFIX, tags=["compat: trigger API"])

    def uploads(engine: Engine) -> UploadStore | None:
        root = upload_root(engine, options)
        return None if root is None else UploadStore(root)

    def upload_url(engine: Engine, name: str) -> str:
        return f"{engine.options.public_url}{PREFIX}{UPLOADS_PATH}/{name}"

    async def own_upload(engine: Engine, url: str) -> bytes | None:
        """The bytes behind a link this API handed out (``/message``), else ``None``."""
        base = f"{engine.options.public_url}{PREFIX}{UPLOADS_PATH}/"
        store = uploads(engine)
        if store is None or not url.startswith(base):
            return None
        return await store.load(url.removeprefix(base))

    async def started(engine: Engine, result: SubmitResult, trigger_id: str) -> str:
        task_id = await accepted_task_id(engine, result)
        await TriggerBook(engine.store).own(task_id, trigger_id)
        return task_id

    @router.post("/imagine", response_model=None)
    async def imagine(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, ImagineBody)
        except ParamsError as exc:
            return params_error(str(exc))
        picurl, prompt = split_picurl(body.prompt.strip(), body.picurl)
        if not prompt.strip():
            return params_error("prompt must not be empty")
        images: list[bytes] = []
        if picurl:
            own = await own_upload(engine, picurl)
            if own is not None:
                images, picurl = [own], None
        book = TriggerBook(engine.store)
        trigger_id = await book.mint("imagine")
        try:
            result = await engine.submit_imagine(
                marked_prompt(prompt, trigger_id, picurl), images=images
            )
            task_id = await started(engine, result, trigger_id)
        except MjError as exc:
            return engine_error(engine, exc, body.prompt)
        except SubmitRefused as exc:
            return refused(engine, exc)
        log.info("trigger imagine [trigger:%s task:%s]", trigger_id, task_id)
        return success(trigger_id, TriggerType.GENERATE)

    async def press(
        engine: Engine, ref: MessageRef, kind: TriggerType, *, index: int = 1, value: str = ""
    ) -> dict[str, Any] | JSONResponse:
        parent = await task_for_message(engine, ref.msg_id)
        if parent is None:
            return params_error(f"msg_id {ref.msg_id} is not a finished Midjourney image")
        wanted = button_id(kind, ref.msg_hash, index=index, value=value)
        button = pick_button(parent.buttons, wanted)
        if button is None:
            return params_error(f"message {ref.msg_id} has no button {wanted}")
        try:
            result = await engine.action(parent.id, button.custom_id)
            task_id = await started(engine, result, ref.trigger_id)
        except MjError as exc:
            return engine_error(engine, exc)
        except SubmitRefused as exc:
            return refused(engine, exc)
        log.info("trigger %s [trigger:%s task:%s]", kind, ref.trigger_id, task_id)
        return success(ref.trigger_id, kind)

    def indexed_route(kind: TriggerType) -> None:
        async def route(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
            try:
                body = await parse(request, IndexedRef)
            except ParamsError as exc:
                return params_error(str(exc))
            return await press(engine, body, kind, index=body.index)

        route.__name__ = f"trigger_{kind.value}"
        router.add_api_route(f"/{kind.value}", route, methods=["POST"], response_model=None)

    for kind in (
        TriggerType.UPSCALE,
        TriggerType.VARIATION,
        TriggerType.SOLO_VARIATION,
        TriggerType.SOLO_LOW_VARIATION,
        TriggerType.SOLO_HIGH_VARIATION,
    ):
        indexed_route(kind)

    @router.post("/expand", response_model=None)
    async def expand(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, ExpandRef)
        except ParamsError as exc:
            return params_error(str(exc))
        if body.direction not in EXPAND_DIRECTIONS:
            return params_error("direction must be left, right, up or down")
        return await press(engine, body, TriggerType.EXPAND, value=body.direction)

    @router.post("/zoomout", response_model=None)
    async def zoomout(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, ZoomRef)
        except ParamsError as exc:
            return params_error(str(exc))
        return await press(engine, body, TriggerType.ZOOMOUT, value=str(body.zoomout))

    @router.post("/reset", response_model=None)
    async def reset(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, MessageRef)
        except ParamsError as exc:
            return params_error(str(exc))
        return await press(engine, body, TriggerType.RESET)

    @router.post("/upload", response_model=None)
    async def upload(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        store = uploads(engine)
        if store is None:
            return upload_failure("uploads are not configured", status.HTTP_503_SERVICE_UNAVAILABLE)
        try:
            async with request.form() as form:
                file = form.get("file")
                if not isinstance(file, UploadFile):
                    return params_error("file: a multipart file field is required")
                data = await file.read(options.max_upload_bytes + 1)
        except HTTPException as exc:
            return params_error(str(exc.detail))
        if len(data) > options.max_upload_bytes:
            return upload_failure(
                f"file is larger than {options.max_upload_bytes} bytes",
                status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        if image_extension(data) is None:
            return upload_failure("must image", status.HTTP_400_BAD_REQUEST)
        trigger_id = await TriggerBook(engine.store).mint("upload")
        name = await store.save(data, trigger_id)
        return {
            "message": SUCCESS,
            "upload_filename": name,
            "upload_url": upload_url(engine, name),
            "trigger_id": trigger_id,
        }

    @router.get(UPLOADS_PATH + "/{folder}/{name}", response_model=None)
    async def uploaded_file(folder: str, name: str, engine: EngineDep) -> Response:
        store = uploads(engine)
        path = None if store is None else store.path_of(f"{folder}/{name}")
        if path is None or not path.is_file():
            return JSONResponse({"message": "not found"}, status.HTTP_404_NOT_FOUND)
        return FileResponse(path)

    @router.post("/message", response_model=None)
    async def message(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, UploadNameBody)
        except ParamsError as exc:
            return params_error(str(exc))
        store = uploads(engine)
        path = None if store is None else store.path_of(body.upload_filename)
        if path is None or not path.is_file():
            return JSONResponse(
                {"message": "Failed to send message", "picurl": ""}, status.HTTP_400_BAD_REQUEST
            )
        return {"message": SUCCESS, "picurl": upload_url(engine, body.upload_filename)}

    @router.post("/describe", response_model=None)
    async def describe(request: Request, engine: EngineDep) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, DescribeBody)
        except ParamsError as exc:
            return params_error(str(exc))
        store = uploads(engine)
        data = None if store is None else await store.load(body.upload_filename)
        if data is None:
            return params_error(f"upload_filename {body.upload_filename} is not an upload")
        try:
            result = await engine.submit_describe(data)
            task_id = await started(engine, result, stem_of(body.upload_filename))
        except MjError as exc:
            return engine_error(engine, exc)
        except SubmitRefused as exc:
            return refused(engine, exc)
        log.info("trigger describe [trigger:%s task:%s]", body.trigger_id, task_id)
        return success(body.trigger_id, TriggerType.DESCRIBE)

    @router.post("/queue/release", response_model=None)
    async def queue_release(request: Request) -> dict[str, Any] | JSONResponse:
        try:
            body = await parse(request, ReleaseBody)
        except ParamsError as exc:
            return params_error(str(exc))
        return success(body.trigger_id, "")

    return router
