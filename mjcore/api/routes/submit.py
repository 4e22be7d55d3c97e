"""``/mj/submit/*``: start jobs and press buttons."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter

from mjcore.api.deps import EngineDep
from mjcore.api.schemas import (
    ActionRequest,
    BlendRequest,
    ChangeRequest,
    DescribeRequest,
    ImagineRequest,
    ModalRequest,
    ShortenRequest,
    SimpleChangeRequest,
    SubmitResponse,
)
from mjcore.contract import submit_json
from mjcore.errors import ValidationError
from mjcore.media import decode_data_url
from mjcore.models import TaskAction

router = APIRouter(prefix="/submit", tags=["submit"])

_SIMPLE_CHANGE = re.compile(r"^(?P<task>\S+) (?P<op>[UuVv][1-4]|[Rr])$")


@router.post("/imagine", response_model=SubmitResponse)
async def imagine(body: ImagineRequest, engine: EngineDep) -> dict[str, Any]:
    images = [decode_data_url(b) for b in [*body.base64_array, *filter(None, [body.base64])]]
    result = await engine.submit_imagine(
        body.prompt,
        images=images,
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post("/describe", response_model=SubmitResponse)
async def describe(body: DescribeRequest, engine: EngineDep) -> dict[str, Any]:
    result = await engine.submit_describe(
        decode_data_url(body.base64),
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post("/blend", response_model=SubmitResponse)
async def blend(body: BlendRequest, engine: EngineDep) -> dict[str, Any]:
    result = await engine.submit_blend(
        [decode_data_url(b) for b in body.base64_array],
        dimensions=body.dimensions,
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post("/shorten", response_model=SubmitResponse)
async def shorten(body: ShortenRequest, engine: EngineDep) -> dict[str, Any]:
    result = await engine.submit_shorten(
        body.prompt, bot_type=body.bot_type, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)


@router.post("/modal", response_model=SubmitResponse)
async def modal(body: ModalRequest, engine: EngineDep) -> dict[str, Any]:
    mask = decode_data_url(body.mask_base64) if body.mask_base64 else None
    result = await engine.submit_modal(body.task_id, prompt=body.prompt, mask=mask)
    return submit_json(result)


@router.post("/change", response_model=SubmitResponse)
async def change(body: ChangeRequest, engine: EngineDep) -> dict[str, Any]:
    result = await engine.change(
        body.task_id, body.action, body.index, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)


@router.post("/simple-change", response_model=SubmitResponse)
async def simple_change(body: SimpleChangeRequest, engine: EngineDep) -> dict[str, Any]:
    found = _SIMPLE_CHANGE.match(body.content.strip())
    if found is None:
        raise ValidationError("content must look like '<taskId> U1..U4|V1..V4|R'")
    op = found["op"].upper()
    action = {"U": TaskAction.UPSCALE, "V": TaskAction.VARIATION, "R": TaskAction.REROLL}[op[0]]
    index = int(op[1]) if len(op) == 2 else None
    result = await engine.change(
        found["task"], action, index, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)


@router.post("/action", response_model=SubmitResponse)
async def action(body: ActionRequest, engine: EngineDep) -> dict[str, Any]:
    result = await engine.action(
        body.task_id, body.custom_id, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)
