"""Pre-serialised Task JSON is byte for byte what FastAPI sends with ``response_model=TaskModel``.

The reference is FastAPI itself: one app answers the same dicts through ``response_model`` (the
way the task routes answered before) and through ``task_document`` + ``json_bytes``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response

from mjcore.api.responses import TaskModel, TaskProperties, json_bytes, task_document
from mjcore.contract import task_json
from mjcore.models import Button, Task, TaskAction, TaskStatus

PUBLIC_URL = "http://mjbridge.test"
CDN = "http://cdn.test"
HASH = "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6"
DISCORD_URL = f"https://cdn.discordapp.com/attachments/1/2/a_{HASH}.png"

TASKS = [
    Task(id="1", action=TaskAction.IMAGINE),
    Task(
        id="2",
        action=TaskAction.IMAGINE,
        status=TaskStatus.SUCCESS,
        prompt='un chat ü 中文 \u2028 «quoted» "x" \\ / --v 7',
        prompt_en="a cat --v 7",
        description="/imagine a cat",
        state="caller\u0001state\ttab\nline",
        submit_time=1748339029401,
        start_time=1748339030665,
        finish_time=1748339072775,
        image_url=DISCORD_URL,
        discord_image_url=DISCORD_URL,
        image_width=2048,
        image_height=2048,
        progress="100%",
        buttons=(
            Button(custom_id=f"MJ::JOB::upsample::1::{HASH}", label="U1"),
            Button(custom_id=f"MJ::JOB::reroll::0::{HASH}::SOLO", emoji="🔄", style=1),
        ),
        account_id="1050703772185268251",
        nonce="1648407736855097344",
        message_id="1376858604266586205",
        message_hash=HASH,
        message_flags=64,
        message_content="**a cat --v 7.0** - <@1050702627576483930> (relaxed)",
        final_prompt="a cat --v 7.0",
        extra=(("seed", "636646138"),),
    ),
    Task(
        id="3",
        action=TaskAction.ZOOM,
        status=TaskStatus.MODAL,
        parent_id="2",
        custom_id=f"MJ::CustomZoom::{HASH}",
        notify_hook="https://example.com/hook",
        extra=(("modalPrompt", "a cat --zoom 1.5"), ("remix", "true")),
    ),
    Task(
        id="4",
        action=TaskAction.BLEND,
        status=TaskStatus.IN_PROGRESS,
        image_url="https://cdn.discordapp.com/attachments/1/2/preview.webp",
        progress="46%",
        interaction_id="99",
        referenced_message_id="98",
        extra=(("dimensions", "SQUARE"),),
    ),
    Task(id="5", action=TaskAction.DESCRIBE, status=TaskStatus.FAILURE, fail_reason="Banned"),
]


def body(task: Task) -> dict[str, Any]:
    document = task_json(task, public_url=PUBLIC_URL, cdn_base=CDN)
    if task.status is TaskStatus.NOT_START:
        document["properties"]["queuePosition"] = 2
    return document


def reference_app() -> FastAPI:
    app = FastAPI()

    @app.get("/model/{index}", response_model=TaskModel)
    async def model_one(index: int) -> dict[str, Any]:
        return body(TASKS[index])

    @app.get("/fast/{index}")
    async def fast_one(index: int) -> Response:
        return Response(
            json_bytes(task_document(body(TASKS[index]))), media_type="application/json"
        )

    @app.get("/model", response_model=list[TaskModel])
    async def model_all() -> list[dict[str, Any]]:
        return [body(t) for t in TASKS]

    @app.get("/fast")
    async def fast_all() -> Response:
        documents = [task_document(body(t)) for t in TASKS]
        return Response(json_bytes(documents), media_type="application/json")

    return app


@pytest.fixture
async def client() -> Any:
    transport = httpx.ASGITransport(app=reference_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        yield api


@pytest.mark.parametrize("index", range(len(TASKS)))
async def test_one_task_is_the_same_answer(client: httpx.AsyncClient, index: int) -> None:
    model = await client.get(f"/model/{index}")
    fast = await client.get(f"/fast/{index}")
    assert model.status_code == fast.status_code == 200
    assert fast.content == model.content
    assert fast.headers["content-type"] == model.headers["content-type"] == "application/json"
    assert fast.headers["content-length"] == model.headers["content-length"]


async def test_a_list_is_the_same_answer(client: httpx.AsyncClient) -> None:
    model = await client.get("/model")
    fast = await client.get("/fast")
    assert fast.content == model.content
    assert len(json.loads(fast.content)) == len(TASKS)


def test_every_documented_property_is_present_in_order() -> None:
    document = task_document(body(TASKS[3]))
    names = list(document["properties"])
    documented = list(TaskProperties.model_fields)
    assert names[: len(documented)] == documented
    assert names[len(documented) :] == ["dimensions"]
    assert document["properties"]["queuePosition"] is None


def test_a_waiting_task_keeps_its_queue_position() -> None:
    assert task_document(body(TASKS[0]))["properties"]["queuePosition"] == 2
