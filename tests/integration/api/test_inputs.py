"""Oversized, undecodable and malformed input: a clear 4xx or code 4, and nothing stored.

The rule (also in the OpenAPI descriptions): what the schema declares answers HTTP 400 (413 for
a body over the size limit) with code 4; what only the content can tell (empty prompt, image
bytes, dimensions) answers HTTP 200 with code 4.
"""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mjcore.api.schemas import MAX_BODY_BYTES, MAX_IMAGE_CHARS
from mjcore.inputs import MAX_PROMPT_LENGTH
from tests.integration.actions_helpers import button, data_url, run, submit
from tests.integration.api.conftest import kept_inputs, stored_tasks
from tests.integration.conftest import Stack

PNG = data_url()
CHUNK = 1024 * 1024


def encoded(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def image_bytes(fmt: str, size: tuple[int, int] = (32, 32), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, fmt)
    return buf.getvalue()


async def assert_nothing_stored(stack: Stack, tmp_path: Path, before: int) -> None:
    assert len(await stored_tasks(stack)) == before
    assert kept_inputs(tmp_path) == []


async def refused(
    stack: Stack, path: str, *, status: int, description: str = "", **request: Any
) -> dict[str, Any]:
    response = await stack.api.post(path, **request)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["code"] == 4 and body["result"] is None, body
    assert description in body["description"], body
    return body


@pytest.fixture
async def before(stack: Stack) -> AsyncIterator[int]:
    yield len(await stored_tasks(stack))


# --------------------------------------------------------------------------- HTTP 400 (schema)
@pytest.mark.parametrize(
    ("content", "description"),
    [
        (b'{"prompt": "cat"', "JSON decode error"),
        (b"", "body"),
        (b"[]", "valid dictionary"),
        (b'"cat"', "valid dictionary"),
        (b'{"prompt": 42}', "prompt: Input should be a valid string"),
        (b'{"base64Array": []}', "prompt: Field required"),
        (b'{"prompt": "\\ud800 cat"}', "prompt: "),
        (b'{"prompt": "cat", "botType": "DALL_E"}', "botType"),
        (b'{"prompt": "cat", "notifyHook": "ftp://example.com"}', "notifyHook"),
        (b'{"prompt": "cat", "base64Array": "not a list"}', "base64Array"),
    ],
)
async def test_malformed_imagine_bodies(
    stack: Stack, tmp_path: Path, before: int, content: bytes, description: str
) -> None:
    headers = {"content-type": "application/json"}
    await refused(
        stack,
        "/mj/submit/imagine",
        status=400,
        description=description,
        content=content,
        headers=headers,
    )
    await assert_nothing_stored(stack, tmp_path, before)


async def test_a_json_body_needs_a_json_content_type(
    stack: Stack, tmp_path: Path, before: int
) -> None:
    await refused(
        stack,
        "/mj/submit/imagine",
        status=400,
        content=b'{"prompt": "cat"}',
        headers={"content-type": "text/plain"},
    )
    await assert_nothing_stored(stack, tmp_path, before)


@pytest.mark.parametrize(
    ("path", "body", "description"),
    [
        ("/mj/submit/imagine", {"prompt": "c" * (MAX_PROMPT_LENGTH + 1)}, "prompt: String"),
        ("/mj/submit/shorten", {"prompt": "c" * (MAX_PROMPT_LENGTH + 1)}, "prompt: String"),
        ("/mj/submit/imagine", {"prompt": "cat", "base64Array": [PNG] * 6}, "base64Array"),
        ("/mj/submit/blend", {"base64Array": [PNG]}, "base64Array"),
        ("/mj/submit/blend", {"base64Array": [PNG] * 6}, "base64Array"),
        ("/mj/submit/describe", {}, "base64: Field required"),
        ("/mj/submit/change", {"taskId": "1", "action": "ZOOM", "index": 1}, "action"),
        ("/mj/submit/change", {"taskId": "1", "action": "UPSCALE", "index": 5}, "index"),
        ("/mj/submit/change", {"taskId": "1", "action": "UPSCALE", "index": "2"}, "index"),
        ("/mj/submit/change", {"taskId": "1", "action": "UPSCALE", "index": 1.5}, "index"),
        ("/mj/submit/change", {"taskId": "1" * 65, "action": "REROLL"}, "taskId"),
        ("/mj/submit/action", {"taskId": "1"}, "customId: Field required"),
        ("/mj/submit/simple-change", {"content": 12}, "content"),
        ("/mj/task/list-by-condition", {"ids": "1,2"}, "ids"),
        ("/mj/task/list-by-condition", {"ids": ["1"] * 1001}, "ids"),
    ],
)
async def test_values_beyond_the_schema_limits(
    stack: Stack, tmp_path: Path, before: int, path: str, body: dict[str, Any], description: str
) -> None:
    await refused(stack, path, status=400, description=description, json=body)
    await assert_nothing_stored(stack, tmp_path, before)


async def test_an_image_longer_than_the_limit_is_refused_by_the_schema(
    stack: Stack, tmp_path: Path, before: int
) -> None:
    oversized = "data:image/png;base64," + "A" * MAX_IMAGE_CHARS
    await refused(
        stack,
        "/mj/submit/describe",
        status=400,
        description="base64: String should have at most",
        json={"base64": oversized},
    )
    await assert_nothing_stored(stack, tmp_path, before)


async def test_a_body_over_the_size_limit_answers_413(
    stack: Stack, tmp_path: Path, before: int
) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"prompt": "cat", "state": "'
        while sent <= 2 * MAX_BODY_BYTES:
            sent += CHUNK
            yield b"x" * CHUNK

    await refused(
        stack,
        "/mj/submit/imagine",
        status=413,
        content=endless(),
        headers={"content-type": "application/json"},
    )
    assert sent < MAX_BODY_BYTES + 2 * CHUNK, "the body was read past the limit"
    declared = await stack.api.post(
        "/mj/submit/imagine",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(MAX_BODY_BYTES + 1)},
    )
    assert declared.status_code == 413 and declared.json()["code"] == 4
    await assert_nothing_stored(stack, tmp_path, before)


# --------------------------------------------------------------------------- HTTP 200, code 4
@pytest.mark.parametrize(
    ("image", "description"),
    [
        ("data:image/png;base64,@@not base64@@", "base64Array[0]: image is not valid base64"),
        ("", "base64Array[0]: image is empty"),
        (encoded(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "base64Array[0]: image cannot be decoded"),
        (encoded(b"GIF89a" + bytes(range(256))), "base64Array[0]: image cannot be decoded"),
        (encoded(image_bytes("BMP"), "image/bmp"), "image format BMP is not png"),
        (encoded(image_bytes("TIFF"), "image/tiff"), "image format TIFF is not png"),
        (encoded(image_bytes("PNG", (8000, 8000), "1")), "image has too many pixels"),
    ],
)
async def test_undecodable_images_answer_code_4(
    stack: Stack, tmp_path: Path, before: int, image: str, description: str
) -> None:
    answer = await submit(
        stack.api, "/mj/submit/imagine", {"prompt": "cat", "base64Array": [PNG, image][::-1]}
    )
    assert answer["code"] == 4 and description in answer["description"], answer
    await assert_nothing_stored(stack, tmp_path, before)


@pytest.mark.parametrize(
    ("path", "body", "description"),
    [
        ("/mj/submit/imagine", {"prompt": "   "}, "prompt must not be empty"),
        ("/mj/submit/shorten", {"prompt": ""}, "prompt must not be empty"),
        ("/mj/submit/imagine", {"prompt": "cat", "base64": "%%%"}, "base64: image is not"),
        ("/mj/submit/describe", {"base64": encoded(b"hello")}, "base64: image cannot be decoded"),
        (
            "/mj/submit/blend",
            {"base64Array": [PNG, encoded(b"hello")]},
            "base64Array[1]: image cannot be decoded",
        ),
        ("/mj/submit/blend", {"base64Array": [PNG, PNG], "dimensions": "ROUND"}, "dimensions"),
    ],
)
async def test_content_checks_answer_code_4(
    stack: Stack, tmp_path: Path, before: int, path: str, body: dict[str, Any], description: str
) -> None:
    answer = await submit(stack.api, path, body)
    assert answer["code"] == 4 and description in answer["description"], answer
    await assert_nothing_stored(stack, tmp_path, before)


async def test_a_bad_mask_keeps_the_modal_task_waiting(stack: Stack) -> None:
    grid = await run(stack.api, "/mj/submit/imagine", {"prompt": "a red fox"})
    single = await run(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "U1")}
    )
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Vary (Region)")},
    )
    assert opened["code"] == 21
    bad = await submit(
        stack.api,
        "/mj/submit/modal",
        {"taskId": opened["result"], "prompt": "a hat", "maskBase64": encoded(b"not a mask")},
    )
    assert bad["code"] == 4 and "maskBase64: image cannot be decoded" in bad["description"]
    task = (await stack.api.get(f"/mj/task/{opened['result']}/fetch")).json()
    assert task["status"] == "MODAL"


async def test_unknown_routes_and_methods_answer_json(stack: Stack) -> None:
    missing = await stack.api.get("/mj/submit/nothing")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    wrong = await stack.api.get("/mj/submit/imagine")
    assert wrong.status_code == 405 and wrong.json()["code"] == 405


@pytest.mark.parametrize(
    "params",
    [{"offset": 2**63}, {"offset": -1}, {"limit": 1001}, {"limit": "ten"}],
)
async def test_list_paging_outside_the_limits_is_400(stack: Stack, params: dict[str, Any]) -> None:
    response = await stack.api.get("/mj/task/list", params=params)
    assert response.status_code == 400 and response.json()["code"] == 4, response.text
