"""`mjbridge serve` as a real subprocess in sandbox mode, driven over HTTP only."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.integration.serve_process import clean_env, free_port, serving

SECRET = "s3cret-for-tests"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    env = clean_env(MJ_PORT=str(port), MJ_DATA_DIR=str(tmp_path / "data"), MJ_API_SECRET=SECRET)
    log_path = tmp_path / "serve.log"
    async with serving(env, tmp_path, log_path):
        yield f"http://127.0.0.1:{port}"
    text = log_path.read_text()
    assert "SANDBOX MODE" in text
    assert SECRET not in text


async def poll(client: httpx.AsyncClient, url: str, timeout: float = 30.0) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            task = (await client.get(url)).json()
            if task["status"] in ("SUCCESS", "FAILURE", "CANCEL"):
                return task
            await asyncio.sleep(0.1)


async def test_imagine_then_upscale_over_http(server: str) -> None:
    headers = {"mj-api-secret": SECRET}
    async with httpx.AsyncClient(base_url=server, headers=headers, timeout=30) as client:
        submit = (
            await client.post("/mj/submit/imagine", json={"prompt": "a paper boat --v 7"})
        ).json()
        assert submit["code"] == 1 and submit["result"]
        task = await poll(client, f"/mj/task/{submit['result']}/fetch")
        assert task["status"] == "SUCCESS", task
        assert len(task["buttons"]) == 9
        assert task["properties"]["finalPrompt"] == "a paper boat --v 7.0"
        for key in ("messageId", "messageHash", "nonce", "discordInstanceId"):
            assert task["properties"][key], key
        image = await client.get(task["imageUrl"])
        assert image.status_code == 200
        with Image.open(io.BytesIO(image.content)) as img:
            assert img.size[0] > 0 and img.size[1] > 0

        u1 = next(b for b in task["buttons"] if b["label"] == "U1")
        action = (
            await client.post(
                "/mj/submit/action", json={"taskId": task["id"], "customId": u1["customId"]}
            )
        ).json()
        assert action["code"] == 1
        upscaled = await poll(client, f"/mj/task/{action['result']}/fetch")
        assert upscaled["status"] == "SUCCESS", upscaled
        assert upscaled["action"] == "UPSCALE"
        labels = {b["label"] for b in upscaled["buttons"]}
        assert {"Vary (Strong)", "Vary (Subtle)", "Zoom Out 2x", "Zoom Out 1.5x"} <= labels
        assert upscaled["properties"]["messageHash"] != task["properties"]["messageHash"]


async def test_secret_and_unknown_task(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        missing = await client.post("/mj/submit/imagine", json={"prompt": "cat"})
        assert missing.status_code == 401
        wrong = await client.get("/mj/task/1/fetch", headers={"mj-api-secret": "nope"})
        assert wrong.status_code == 401
        unknown = await client.get(
            "/mj/task/does-not-exist/fetch", headers={"mj-api-secret": SECRET}
        )
        assert unknown.status_code == 404
        assert unknown.json()["code"] == 3
        assert (await client.get("/health")).status_code == 200
