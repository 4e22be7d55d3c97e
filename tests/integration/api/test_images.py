"""Durable images: a task's imageUrl keeps working after Discord's CDN link is gone."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from mjcore.api.app import create_app
from tests.integration.actions_helpers import button, run
from tests.integration.api.conftest import PUBLIC_URL
from tests.integration.conftest import Stack, running_stack

KEEP_TIMEOUT = 10.0


async def kept_file(stack: Stack, task_id: str) -> Path:
    """The local copy the engine downloads once the task succeeded."""
    assert stack.engine.images is not None
    path = stack.engine.images.path_for(task_id)
    async with asyncio.timeout(KEEP_TIMEOUT):
        while True:
            if path.exists():
                return path
            await asyncio.sleep(0.02)


async def discord_status(stack: Stack, task: dict[str, Any]) -> int:
    """What the (simulated) CDN answers for the Discord link in the task's properties."""
    assert stack.engine.images is not None
    url = stack.engine.images.cdn_url(task["properties"]["discordImageUrl"])
    return (await stack.http.get(url)).status_code


async def test_image_url_outlives_the_expired_cdn_file(stack: Stack) -> None:
    grid = await run(stack.api, "/mj/submit/imagine", {"prompt": "a lighthouse --v 7"})
    single = await run(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "U2")}
    )
    for task in (grid, single):
        assert task["status"] == "SUCCESS", task
        assert task["imageUrl"] == f"{PUBLIC_URL}/images/{task['id']}"
        kept = await kept_file(stack, task["id"])
        assert await discord_status(stack, task) == 200

        assert stack.sim.faults.expire_cdn_file(task["properties"]["discordImageUrl"]) == 1
        assert await discord_status(stack, task) == 404

        served = await stack.api.get(task["imageUrl"])
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.content == kept.read_bytes()
        with Image.open(io.BytesIO(served.content)) as img:
            assert img.size == (task["imageWidth"], task["imageHeight"])


async def test_image_survives_a_restart_without_discord(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as first:
        grid = await run(first.api, "/mj/submit/imagine", {"prompt": "a red kite"})
        kept = (await kept_file(first, grid["id"])).read_bytes()
    async with running_stack(tmp_path) as second:  # another simulator: Discord has nothing
        assert await discord_status(second, grid) == 404
        served = await second.api.get(grid["imageUrl"])
        assert served.status_code == 200 and served.content == kept
        locked = create_app(second.engine, api_secret="s3cret")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=locked), base_url=PUBLIC_URL
        ) as no_secret:  # images are linked from chats: no mj-api-secret needed
            assert (await no_secret.get(grid["imageUrl"])).status_code == 200
            assert (await no_secret.get(f"/mj/task/{grid['id']}/fetch")).status_code == 401


async def test_an_image_lost_before_it_was_kept_is_404_not_5xx(stack: Stack) -> None:
    grid = await run(stack.api, "/mj/submit/imagine", {"prompt": "a paper crane"})
    (await kept_file(stack, grid["id"])).unlink()
    stack.sim.faults.expire_cdn_file(grid["properties"]["messageHash"])
    lost = await stack.api.get(grid["imageUrl"])
    assert lost.status_code == 404
    assert lost.json() == {
        "code": 3,
        "description": "image is no longer available at Discord",
        "result": None,
        "properties": {},
    }


async def test_images_of_unknown_or_unfinished_tasks_are_404(stack: Stack) -> None:
    assert (await stack.api.get("/images/123")).json()["code"] == 3
    stack.sim.faults.pause_bot()
    answer = (await stack.api.post("/mj/submit/imagine", json={"prompt": "slow"})).json()
    waiting = await stack.api.get(f"/images/{answer['result']}")
    assert waiting.status_code == 404
    stack.sim.faults.resume_bot()
