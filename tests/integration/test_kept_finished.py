"""The engine keeps the latest finished tasks in memory once they are written.

Clients fetch a task again right after it ends; ``Engine.live`` (and the HTTP front's
``Engine.peek``) answer those from memory. ``kept_finished`` bounds how many are kept; older ones
are read from the store as before.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from mjcore.engine import Engine, EngineOptions
from mjcore.errors import ValidationError
from mjcore.models import Task, TaskStatus
from tests.integration.actions_helpers import button, run
from tests.integration.conftest import running_stack

PUBLIC_URL = "http://mjbridge.test"
IMAGINE = "/mj/submit/imagine"
ACTION = "/mj/submit/action"


async def written(engine: Engine, task_id: str) -> Task:
    """The final version of the task once the store holds the one the engine holds."""
    async with asyncio.timeout(20):
        while True:
            stored = await engine.store.get(task_id)
            live = engine.live(task_id)
            if stored is not None and stored.is_final and live in (None, stored):
                return stored
            await asyncio.sleep(0.02)


async def finish(api: httpx.AsyncClient, path: str, bodies: list[dict[str, str]]) -> list[str]:
    ids = []
    for body in bodies:
        task = await run(api, path, body)
        assert task["status"] == TaskStatus.SUCCESS, task
        ids.append(str(task["id"]))
    return ids


async def test_the_latest_finished_tasks_stay_in_memory(tmp_path: Path) -> None:
    options = EngineOptions(public_url=PUBLIC_URL, kept_finished=2)
    async with running_stack(tmp_path, engine_options=options) as stack:
        prompts = [{"prompt": p} for p in ("a red kite", "a blue kite", "a kite")]
        first, second, third = await finish(stack.api, IMAGINE, prompts)
        stored = {i: await written(stack.engine, i) for i in (first, second, third)}

        assert stack.engine.live(first) is None  # the oldest left memory
        assert stack.engine.live(second) == stored[second]
        assert stack.engine.live(third) == stored[third]
        assert stack.engine.peek(third) == stored[third]
        assert await stack.engine.get(first) == stored[first]  # read from the store

        shown = await stack.api.get(f"/mj/task/{third}/fetch")
        [upscale] = await finish(
            stack.api, ACTION, [{"taskId": third, "customId": button(shown.json(), "U1")}]
        )
        stored[upscale] = await written(stack.engine, upscale)
        assert stack.engine.live(upscale) == stored[upscale]
        assert stack.engine.live(third) == stored[third]
        assert stack.engine.live(second) is None  # two kept at most


async def test_none_kept_when_kept_finished_is_zero(tmp_path: Path) -> None:
    options = EngineOptions(public_url=PUBLIC_URL, kept_finished=0)
    async with running_stack(tmp_path, engine_options=options) as stack:
        [task_id] = await finish(stack.api, IMAGINE, [{"prompt": "a green kite"}])
        stored = await written(stack.engine, task_id)
        assert stack.engine.live(task_id) is None
        assert await stack.engine.get(task_id) == stored


def test_kept_finished_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match="kept_finished"):
        EngineOptions(kept_finished=-1)
