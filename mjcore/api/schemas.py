"""Request bodies of the /mj contract (pydantic only lives at this edge).

What these models declare (types, required fields, lengths, counts, ranges, enums) is enforced
before the engine sees the request and answered with HTTP 400 and code 4. Checks the schema
cannot express (empty prompt, image content, dimensions, task state, buttons) are answered like
midjourney-proxy does: HTTP 200 with code 3 or 4.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mjcore.inputs import MAX_IMAGE_PROMPTS, MAX_PROMPT_LENGTH
from mjcore.media import MAX_INPUT_BYTES
from mjcore.models import BotType

MAX_STATE_LENGTH = 4096
MAX_HOOK_LENGTH = 2048
MAX_TASK_ID_LENGTH = 64
MAX_CUSTOM_ID_LENGTH = 256
MAX_SIMPLE_CHANGE_LENGTH = 128
MAX_IDS = 1000
MIN_BLEND_IMAGES = 2
MAX_BLEND_IMAGES = 5
_DATA_URL_PREFIX = 64  # room for "data:image/jpeg;base64," and parameters
MAX_IMAGE_CHARS = 4 * math.ceil(MAX_INPUT_BYTES / 3) + _DATA_URL_PREFIX
# a 1x1 png, the smallest image the examples can really submit
PIXEL_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HOOK_PATTERN = r"^(https?://\S+)?$"
# five full-size images plus room for the prompt and the other fields
MAX_BODY_BYTES = (MAX_BLEND_IMAGES + 1) * MAX_IMAGE_CHARS


def _encodable(value: str) -> str:
    """Refuse lone surrogates (valid JSON escapes, but not text that can be stored or sent)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid unicode (no lone surrogates)") from exc
    return value


Text = Annotated[str, AfterValidator(_encodable)]
ImageData = Annotated[
    str,
    Field(
        max_length=MAX_IMAGE_CHARS,
        description=(
            "Data URL (`data:image/png;base64,...`) or bare base64 of a png, jpeg, webp or gif"
            f" image of at most {MAX_INPUT_BYTES // (1024 * 1024)} MiB. Longer text answers"
            " HTTP 400; an image that is not valid base64, cannot be decoded, is too large"
            " in pixels or has another format answers code 4."
        ),
        examples=[PIXEL_PNG],
    ),
]
TaskId = Annotated[
    Text,
    Field(
        max_length=MAX_TASK_ID_LENGTH,
        description="Task id; an unknown id answers code 3.",
        examples=["1748339029401828"],
    ),
]


class _Body(BaseModel):
    """Unknown keys are ignored (other proxies' clients send extras such as accountFilter)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BaseSubmit(_Body):
    state: Text | None = Field(
        None,
        max_length=MAX_STATE_LENGTH,
        description="Opaque caller text, echoed back in the task's `state`.",
    )
    notify_hook: Text | None = Field(
        None,
        alias="notifyHook",
        max_length=MAX_HOOK_LENGTH,
        pattern=HOOK_PATTERN,
        description=(
            "http(s) URL that receives the Task JSON on every change; empty uses the global"
            " MJ_NOTIFY_HOOK."
        ),
        examples=["https://example.com/mj/callback"],
    )


class ImagineRequest(BaseSubmit):
    prompt: Text = Field(
        ...,
        max_length=MAX_PROMPT_LENGTH,
        description=(
            "The prompt; Chinese text is translated when MJ_TRANSLATE is set. An empty prompt"
            " answers code 4, a banned word code 24."
        ),
        examples=["dog playing ball --v 7"],
    )
    base64_array: list[ImageData] = Field(
        default_factory=list,
        alias="base64Array",
        max_length=MAX_IMAGE_PROMPTS,
        description=f"Image prompts (at most {MAX_IMAGE_PROMPTS}), put in front of the prompt.",
    )
    base64: ImageData | None = Field(
        None, description="Deprecated single image prompt, appended to base64Array."
    )
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class DescribeRequest(BaseSubmit):
    base64: ImageData
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class BlendRequest(BaseSubmit):
    base64_array: list[ImageData] = Field(
        ...,
        alias="base64Array",
        min_length=MIN_BLEND_IMAGES,
        max_length=MAX_BLEND_IMAGES,
        description=f"{MIN_BLEND_IMAGES} to {MAX_BLEND_IMAGES} images.",
    )
    dimensions: Text = Field(
        "SQUARE",
        max_length=16,
        description=(
            "PORTRAIT (2:3), SQUARE (1:1) or LANDSCAPE (3:2), any letter case; another value"
            " answers code 4."
        ),
        examples=["SQUARE", "PORTRAIT", "LANDSCAPE"],
    )
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class ShortenRequest(BaseSubmit):
    prompt: Text = Field(
        ...,
        max_length=MAX_PROMPT_LENGTH,
        description="The prompt to analyse; empty answers code 4.",
        examples=["a very beautiful and extremely detailed painting of a lighthouse"],
    )
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class ModalRequest(_Body):
    task_id: TaskId = Field(..., alias="taskId")
    prompt: Text | None = Field(
        None,
        max_length=MAX_PROMPT_LENGTH,
        description=(
            "Text for the window; empty keeps what Midjourney pre-fills. Custom Zoom needs"
            " `--zoom` between 1 and 2 (code 4 otherwise)."
        ),
        examples=["Cat --zoom 1.5"],
    )
    mask_base64: ImageData | None = Field(
        None,
        alias="maskBase64",
        description="Vary (Region) only: black background, the area to redraw white.",
    )


class ChangeRequest(BaseSubmit):
    task_id: TaskId = Field(..., alias="taskId")
    action: Literal["UPSCALE", "VARIATION", "REROLL"]
    index: int | None = Field(
        None,
        ge=1,
        le=4,
        strict=True,
        description="Image 1-4; needed for UPSCALE and VARIATION (code 4 when missing).",
    )


class SimpleChangeRequest(BaseSubmit):
    content: Text = Field(
        ...,
        max_length=MAX_SIMPLE_CHANGE_LENGTH,
        description="`<taskId> U1..U4|V1..V4|R`; another shape answers code 4.",
        examples=["1748339029401828 U2"],
    )


class ActionRequest(BaseSubmit):
    task_id: TaskId = Field(..., alias="taskId")
    custom_id: Text = Field(
        ...,
        alias="customId",
        max_length=MAX_CUSTOM_ID_LENGTH,
        description="`customId` of one of the task's buttons; another value answers code 4.",
        examples=["MJ::JOB::upsample::1::0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"],
    )


class IdsRequest(_Body):
    ids: list[Annotated[Text, Field(max_length=MAX_TASK_ID_LENGTH)]] = Field(
        default_factory=list,
        max_length=MAX_IDS,
        description="Task ids; unknown ids are left out of the answer.",
        examples=[["1748339029401828", "1748339029401829"]],
    )
