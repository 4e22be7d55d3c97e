"""``/mj/submit/*``: start jobs and press buttons.

Every route answers HTTP 200 with ``{code, description, result, properties}`` once the body
matches the schema; images are decoded and checked before the engine stores anything.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.openapi.models import Example

from mjcore.api.deps import EngineDep
from mjcore.api.images import checked_image, checked_images
from mjcore.api.responses import SUBMIT_EXAMPLES, SubmitResponse
from mjcore.api.schemas import (
    PIXEL_PNG,
    ActionRequest,
    BlendRequest,
    ChangeRequest,
    DescribeRequest,
    ImagineRequest,
    ModalRequest,
    ShortenRequest,
    SimpleChangeRequest,
)
from mjcore.contract import submit_json
from mjcore.errors import ValidationError
from mjcore.models import TaskAction

router = APIRouter(prefix="/submit", tags=["submit"])

_SIMPLE_CHANGE = re.compile(r"^(?P<task>\S+) (?P<op>[UuVv][1-4]|[Rr])$")
_SIMPLE_ACTIONS = {"U": TaskAction.UPSCALE, "V": TaskAction.VARIATION, "R": TaskAction.REROLL}
_TASK_ID = "1748339029401828"
_CUSTOM_ID = "MJ::JOB::upsample::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"


def _responses(*names: str) -> dict[int | str, dict[str, Any]]:
    examples = {name: {"value": SUBMIT_EXAMPLES[name]} for name in names}
    return {200: {"content": {"application/json": {"examples": examples}}}}


def _examples(**bodies: dict[str, Any]) -> dict[str, Example]:
    return {name.replace("_", " "): Example(value=body) for name, body in bodies.items()}


_NEW_TASK = ("accepted", "queued", "queue full", "invalid")
_ON_A_TASK = (*_NEW_TASK, "unknown task")


@router.post(
    "/imagine",
    response_model=SubmitResponse,
    responses=_responses("accepted", "queued", "queue full", "banned word", "invalid"),
    summary="Imagine: /imagine a prompt, optionally with image prompts",
)
async def imagine(
    engine: EngineDep,
    body: Annotated[
        ImagineRequest,
        Body(
            openapi_examples=_examples(
                prompt={"prompt": "dog playing ball --v 7", "notifyHook": "", "state": ""},
                with_image={"prompt": "a cat in this style --v 7", "base64Array": [PIXEL_PNG]},
            )
        ),
    ],
) -> dict[str, Any]:
    images = checked_images(body.base64_array, "base64Array")
    if body.base64:
        images.append(checked_image(body.base64, "base64"))
    result = await engine.submit_imagine(
        body.prompt,
        images=images,
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post(
    "/describe",
    response_model=SubmitResponse,
    responses=_responses(*_NEW_TASK),
    summary="Describe: four prompts for an image, in properties.finalPrompt",
)
async def describe(
    engine: EngineDep,
    body: Annotated[
        DescribeRequest,
        Body(openapi_examples=_examples(image={"base64": PIXEL_PNG})),
    ],
) -> dict[str, Any]:
    result = await engine.submit_describe(
        checked_image(body.base64, "base64"),
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post(
    "/blend",
    response_model=SubmitResponse,
    responses=_responses(*_NEW_TASK),
    summary="Blend 2 to 5 images",
)
async def blend(
    engine: EngineDep,
    body: Annotated[
        BlendRequest,
        Body(
            openapi_examples=_examples(
                two_images={"base64Array": [PIXEL_PNG, PIXEL_PNG], "dimensions": "SQUARE"}
            )
        ),
    ],
) -> dict[str, Any]:
    result = await engine.submit_blend(
        checked_images(body.base64_array, "base64Array"),
        dimensions=body.dimensions,
        bot_type=body.bot_type,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post(
    "/shorten",
    response_model=SubmitResponse,
    responses=_responses("accepted", "queued", "banned word", "invalid"),
    summary="Shorten: analyse a prompt, five shorter prompts in properties.finalPrompt",
)
async def shorten(
    engine: EngineDep,
    body: Annotated[
        ShortenRequest,
        Body(
            openapi_examples=_examples(
                prompt={
                    "prompt": "a very beautiful and extremely detailed painting of a lighthouse"
                }
            )
        ),
    ],
) -> dict[str, Any]:
    result = await engine.submit_shorten(
        body.prompt, bot_type=body.bot_type, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)


@router.post(
    "/modal",
    response_model=SubmitResponse,
    responses=_responses(*_ON_A_TASK),
    summary="Give a MODAL task (code 21) its text and, for Vary (Region), its mask",
)
async def modal(
    engine: EngineDep,
    body: Annotated[
        ModalRequest,
        Body(
            openapi_examples=_examples(
                custom_zoom={"taskId": _TASK_ID, "prompt": "Cat --zoom 1.5"},
                keep_the_prompt={"taskId": _TASK_ID},
            )
        ),
    ],
) -> dict[str, Any]:
    mask = checked_image(body.mask_base64, "maskBase64") if body.mask_base64 else None
    result = await engine.submit_modal(body.task_id, prompt=body.prompt, mask=mask)
    return submit_json(result)


@router.post(
    "/change",
    response_model=SubmitResponse,
    responses=_responses(*_ON_A_TASK),
    summary="U1-U4, V1-V4 or reroll of a finished grid",
)
async def change(
    engine: EngineDep,
    body: Annotated[
        ChangeRequest,
        Body(
            openapi_examples=_examples(
                upscale={"taskId": _TASK_ID, "action": "UPSCALE", "index": 2},
                reroll={"taskId": _TASK_ID, "action": "REROLL"},
            )
        ),
    ],
) -> dict[str, Any]:
    result = await engine.change(
        body.task_id,
        TaskAction(body.action),
        body.index,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post(
    "/simple-change",
    response_model=SubmitResponse,
    responses=_responses(*_ON_A_TASK),
    summary="The same as change, written as '<taskId> U2'",
)
async def simple_change(
    engine: EngineDep,
    body: Annotated[
        SimpleChangeRequest,
        Body(openapi_examples=_examples(upscale={"content": f"{_TASK_ID} U2"})),
    ],
) -> dict[str, Any]:
    found = _SIMPLE_CHANGE.match(body.content.strip())
    if found is None:
        raise ValidationError("content must look like '<taskId> U1..U4|V1..V4|R'")
    op = found["op"].upper()
    index = int(op[1]) if len(op) == 2 else None
    result = await engine.change(
        found["task"],
        _SIMPLE_ACTIONS[op[0]],
        index,
        notify_hook=body.notify_hook,
        state=body.state,
    )
    return submit_json(result)


@router.post(
    "/action",
    response_model=SubmitResponse,
    responses=_responses("accepted", "queued", "modal", "queue full", "invalid", "unknown task"),
    summary="Press any button of a finished task (code 21 when a window needs text first)",
)
async def action(
    engine: EngineDep,
    body: Annotated[
        ActionRequest,
        Body(openapi_examples=_examples(upscale={"taskId": _TASK_ID, "customId": _CUSTOM_ID})),
    ],
) -> dict[str, Any]:
    result = await engine.action(
        body.task_id, body.custom_id, notify_hook=body.notify_hook, state=body.state
    )
    return submit_json(result)
