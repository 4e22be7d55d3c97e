"""Response shapes of the /mj contract, with examples from midjourney-proxy captures.

Routes build plain dicts (``mjcore.contract``); these models describe and check them. Extra keys
are kept, so a property added to the Task JSON is never dropped on the way out. The task routes
skip the model on the way out (``task_document`` + ``json_bytes`` give the same bytes, faster).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from mjcore.models import SubmitCode, TaskAction, TaskStatus

CODES_DESCRIPTION = (
    "1 accepted, starts now; 21 waiting for /mj/submit/modal (task status MODAL);"
    " 22 queued (`properties.numberOfQueues` tasks ahead); 23 the account's queue is full,"
    " nothing was stored; 24 banned word (`properties.promptEn`, `properties.bannedWord`);"
    " 3 unknown task or no usable account; 4 invalid input or the task cannot do that now;"
    " 9 failure."
)

SUBMIT_EXAMPLES: dict[str, dict[str, Any]] = {
    "accepted": {
        "code": 1,
        "description": "Submit success",
        "result": "1748339029401828",
        "properties": {"discordInstanceId": "1050703772185268251"},
    },
    "queued": {
        "code": 22,
        "description": "In queue, there are 2 tasks ahead",
        "result": "1748339029401828",
        "properties": {"discordInstanceId": "1050703772185268251", "numberOfQueues": 2},
    },
    "modal": {
        "code": 21,
        "description": "Waiting for window confirm",
        "result": "1748339029401829",
        "properties": {
            "discordInstanceId": "1050703772185268251",
            "finalPrompt": "dog playing ball --v 7.0",
            "remix": True,
        },
    },
    "queue full": {
        "code": 23,
        "description": "Queue full, please try again later",
        "result": None,
        "properties": {"discordInstanceId": "1050703772185268251"},
    },
    "banned word": {
        "code": 24,
        "description": "May contain sensitive words",
        "result": None,
        "properties": {"promptEn": "a bloody knife", "bannedWord": "bloody"},
    },
    "unknown task": {
        "code": 3,
        "description": "task 1748339029401828 not found",
        "result": None,
        "properties": {},
    },
    "invalid": {
        "code": 4,
        "description": "prompt must not be empty",
        "result": None,
        "properties": {},
    },
}

ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "malformed JSON": {
        "code": 4,
        "description": "body: JSON decode error",
        "result": None,
        "properties": {},
    },
    "limit exceeded": {
        "code": 4,
        "description": "base64Array: List should have at most 5 items after validation, not 6",
        "result": None,
        "properties": {},
    },
}

_DISCORD_URL = (
    "https://cdn.discordapp.com/attachments/1050703772185268251/1376858603847417937/"
    "lzn9819_dog_playing_ball_0ddb91a0-af46-4ae9-8e8e-c271074eb6e6.png"
)
_HASH = "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"
TASK_EXAMPLE: dict[str, Any] = {
    "id": "1748339029401828",
    "action": "IMAGINE",
    "status": "SUCCESS",
    "prompt": "dog playing ball --v 7",
    "promptEn": "dog playing ball --v 7",
    "description": "/imagine dog playing ball --v 7",
    "state": None,
    "submitTime": 1748339029401,
    "startTime": 1748339030665,
    "finishTime": 1748339072775,
    "imageUrl": "http://127.0.0.1:8080/images/1748339029401828",
    "imageWidth": 2048,
    "imageHeight": 2048,
    "progress": "100%",
    "failReason": None,
    "buttons": [
        {
            "customId": f"MJ::JOB::upsample::1::{_HASH}",
            "emoji": "",
            "label": "U1",
            "type": 2,
            "style": 2,
        },
        {
            "customId": f"MJ::JOB::reroll::0::{_HASH}::SOLO",
            "emoji": "🔄",
            "label": "",
            "type": 2,
            "style": 2,
        },
        {
            "customId": f"MJ::JOB::variation::1::{_HASH}",
            "emoji": "",
            "label": "V1",
            "type": 2,
            "style": 2,
        },
    ],
    "properties": {
        "notifyHook": None,
        "finalPrompt": "dog playing ball --v 7.0",
        "messageId": "1376858604266586205",
        "messageHash": _HASH,
        "progressMessageId": "1376858432602243142",
        "nonce": "1648407736855097344",
        "flags": 0,
        "discordInstanceId": "1050703772185268251",
        "discordChannelId": "1050703772185268251",
        "botType": "MID_JOURNEY",
        "messageContent": "**dog playing ball --v 7.0** - <@1050702627576483930> (relaxed)",
        "discordImageUrl": _DISCORD_URL,
    },
}


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class SubmitResponse(_Out):
    """``{code, description, result, properties}``: every submit and task command answers so."""

    code: int = Field(..., description=CODES_DESCRIPTION, examples=[int(SubmitCode.SUCCESS)])
    description: str
    result: str | None = Field(None, description="The task id (the seed for image-seed).")
    properties: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": list(SUBMIT_EXAMPLES.values())}
    )


class ErrorResponse(_Out):
    """A refused request: code 4 for input that breaks the schema (HTTP 400, 413), code 3 for
    an unknown task or account (HTTP 404), the HTTP status for 401, 404 and 405."""

    code: int
    description: str
    result: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": list(ERROR_EXAMPLES.values())}
    )


class ButtonModel(_Out):
    customId: str
    emoji: str
    label: str
    type: int = Field(..., description="2 = button")
    style: int = Field(..., description="1 blurple (used), 2 grey, 3 green (on), 5 link")


class TaskProperties(_Out):
    """Correlation details; keys beyond these (``seed``, ``modalPrompt``...) may appear."""

    notifyHook: str | None = None
    finalPrompt: str | None = Field(
        None, description="The prompt as Midjourney ran it; describe/shorten results."
    )
    messageId: str | None = None
    messageHash: str | None = Field(None, description="Midjourney job id")
    progressMessageId: str | None = None
    nonce: str | None = None
    flags: int = 0
    discordInstanceId: str | None = Field(None, description="Account id")
    discordChannelId: str | None = None
    botType: str | None = None
    messageContent: str | None = None
    interactionMetadataId: str | None = None
    referencedMessageId: str | None = None
    customId: str | None = Field(None, description="The button pressed")
    parentId: str | None = Field(None, description="The task whose button was pressed")
    discordImageUrl: str | None = Field(
        None, description="Discord's own (expiring) link to the final image."
    )
    queuePosition: int | None = Field(
        None, description="Place in the account's queue, only while NOT_START."
    )


class TaskModel(_Out):
    """Task JSON (midjourney-proxy plus)."""

    id: str
    action: TaskAction
    status: TaskStatus
    prompt: str
    promptEn: str
    description: str
    state: str | None
    submitTime: int = Field(..., description="unix milliseconds")
    startTime: int | None
    finishTime: int | None
    imageUrl: str | None = Field(
        ...,
        description=(
            "After SUCCESS: the durable copy served by mjbridge under MJ_PUBLIC_URL"
            " (`/images/{id}`); before: the latest progress preview."
        ),
    )
    imageWidth: int | None
    imageHeight: int | None
    progress: str = Field(..., examples=["46%"])
    failReason: str | None
    buttons: list[ButtonModel]
    properties: TaskProperties

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [TASK_EXAMPLE]})


class HealthAccount(_Out):
    id: str
    name: str
    state: str = Field(..., examples=["READY"])
    reason: str | None
    running: int
    queued: int
    coreSize: int
    queueSize: int


class HealthResponse(_Out):
    status: str = Field(..., description="UP once an account is connected, DOWN before.")
    accounts: list[HealthAccount]


_TASK_PROPERTY_DEFAULTS: tuple[tuple[str, Any], ...] = tuple(
    (name, info.get_default(call_default_factory=True))
    for name, info in TaskProperties.model_fields.items()
)


def task_document(body: Mapping[str, Any]) -> dict[str, Any]:
    """Task JSON as ``TaskModel`` answers it: every documented property present (null when
    unset) in the documented order, then the task's extra properties."""
    given: Mapping[str, Any] = body["properties"]
    properties = {name: given.get(name, default) for name, default in _TASK_PROPERTY_DEFAULTS}
    for key, value in given.items():
        properties.setdefault(key, value)
    return {**body, "properties": properties}


def json_bytes(content: object) -> bytes:
    """Compact UTF-8 JSON, byte for byte what FastAPI sends for a ``response_model``.

    orjson writes the plain values of Task JSON (str, int, bool, None, lists, dicts with str keys)
    exactly as pydantic does, about four times faster.
    """
    return orjson.dumps(content)
