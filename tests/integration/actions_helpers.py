"""Helpers for driving the REST API against the simulator in action tests."""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import httpx
from PIL import Image


def data_url(color: tuple[int, int, int] = (200, 30, 30), size: int = 64, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, fmt)
    mime = "image/png" if fmt == "PNG" else f"image/{fmt.lower()}"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode()


def mask_url(size: int = 64) -> str:
    img = Image.new("L", (size, size), 0)
    for x in range(size // 4, size // 2):
        for y in range(size // 4, size // 2):
            img.putpixel((x, y), 255)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


async def submit(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(path, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def wait_task(
    api: httpx.AsyncClient,
    task_id: str,
    *,
    statuses: tuple[str, ...] = ("SUCCESS", "FAILURE", "CANCEL"),
    timeout: float = 20.0,
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            task: dict[str, Any] = (await api.get(f"/mj/task/{task_id}/fetch")).json()
            if task["status"] in statuses:
                return task
            await asyncio.sleep(0.03)


async def run(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], timeout: float = 20.0
) -> dict[str, Any]:
    """Submit and wait for the final state; the submit must be accepted (code 1 or 22)."""
    result = await submit(api, path, body)
    assert result["code"] in (1, 22), result
    return await wait_task(api, result["result"], timeout=timeout)


def button(task: dict[str, Any], label: str) -> str:
    for b in task["buttons"]:
        if label in (b["label"], b["emoji"]):
            return str(b["customId"])
    raise AssertionError(
        f"no button {label!r} in {[(b['label'], b['emoji']) for b in task['buttons']]}"
    )


async def press(
    api: httpx.AsyncClient, task: dict[str, Any], label: str, timeout: float = 20.0
) -> dict[str, Any]:
    return await run(
        api, "/mj/submit/action", {"taskId": task["id"], "customId": button(task, label)}, timeout
    )
