"""Request bodies of the /mj contract (pydantic only lives at this edge)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from mjcore.models import BotType, TaskAction


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BaseSubmit(_Body):
    state: str | None = Field(None, max_length=4096)
    notify_hook: str | None = Field(None, alias="notifyHook", max_length=2048)


class ImagineRequest(BaseSubmit):
    prompt: str = Field(..., max_length=8192, examples=["a red cat on the moon --ar 16:9 --v 7"])
    base64_array: list[str] = Field(default_factory=list, alias="base64Array", max_length=5)
    base64: str | None = Field(None, description="deprecated single image, appended to base64Array")
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class DescribeRequest(BaseSubmit):
    base64: str = Field(..., description="data URL of the image, e.g. data:image/png;base64,...")
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class BlendRequest(BaseSubmit):
    base64_array: list[str] = Field(..., alias="base64Array", min_length=2, max_length=5)
    dimensions: str = Field("SQUARE", examples=["PORTRAIT", "SQUARE", "LANDSCAPE"])
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class ShortenRequest(BaseSubmit):
    prompt: str = Field(..., max_length=8192)
    bot_type: BotType = Field(BotType.MID_JOURNEY, alias="botType")


class ModalRequest(_Body):
    task_id: str = Field(..., alias="taskId", max_length=64)
    prompt: str | None = Field(None, max_length=8192)
    mask_base64: str | None = Field(None, alias="maskBase64")


class ChangeRequest(BaseSubmit):
    task_id: str = Field(..., alias="taskId", max_length=64)
    action: TaskAction
    index: int | None = Field(None, ge=1, le=4)


class SimpleChangeRequest(BaseSubmit):
    content: str = Field(..., max_length=128, examples=["1320098173412546 U2"])


class ActionRequest(BaseSubmit):
    task_id: str = Field(..., alias="taskId", max_length=64)
    custom_id: str = Field(..., alias="customId", max_length=256)


class IdsRequest(_Body):
    ids: list[str] = Field(default_factory=list, max_length=1000)


class SubmitResponse(BaseModel):
    code: int
    description: str
    result: str | None = None
    properties: dict[str, object] = Field(default_factory=dict)
