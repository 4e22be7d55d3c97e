"""``/mj/task/list-by-condition`` over stored and live tasks.

Stored finished tasks are sent as their stored views, other stored tasks rendered from their
documents, live ones (running, queued) from the engine's memory; either way the answer is byte
for byte the Task JSON of the task, in the asked order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from pathlib import Path
from typing import Any

import pytest

from mjcore.api.deps import render_task
from mjcore.api.responses import json_bytes, task_document
from mjcore.contract import image_url_uses_cdn
from mjcore.engine import Engine, EngineOptions
from mjcore.models import FINAL_STATUSES, Task, TaskAction, TaskStatus
from tests.integration.conftest import Stack, fast_sim_config, running_stack
from tests.unit.test_stored_task_json import generated_tasks

PATHS = ("/mj/task/list-by-condition", "/mj/task/list-by-ids")
STORED = 400
SEED = 7
NEVER_STARTS = 120.0  # seconds the simulator waits before a job's first frame
SETTLE_TIMEOUT = 15.0
QUEUED = 2


def expected_answer(engine: Engine, tasks: list[Task]) -> bytes:
    """What ``response_model=list[TaskModel]`` sent for these tasks."""
    return json_bytes([task_document(render_task(engine, task)) for task in tasks])


async def test_stored_tasks_answer_their_task_json(stack: Stack) -> None:
    tasks = generated_tasks()[:STORED]
    await stack.engine.store.save_many(tasks)
    by_id = {t.id: t for t in tasks}
    rnd = random.Random(SEED)
    asked = [*rnd.sample(list(by_id), 200), "no-such-task", tasks[5].id, tasks[5].id]
    rnd.shuffle(asked)
    for path in PATHS:
        response = await stack.api.post(path, json={"ids": asked})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        answer = [by_id[i] for i in asked if i in by_id]
        assert response.content == expected_answer(stack.engine, answer), path


async def test_finished_tasks_are_kept_as_their_answers(stack: Stack) -> None:
    tasks = generated_tasks()[:STORED]
    await stack.engine.store.save_many(tasks)
    reads = await stack.engine.store.get_views([t.id for t in tasks])
    kept = [t for t in tasks if t.status in FINAL_STATUSES and not image_url_uses_cdn(t)]
    assert len(kept) > STORED // 4
    assert list(reads.views) == [t.id for t in kept]
    for t in kept:
        assert b"[" + reads.views[t.id] + b"]" == expected_answer(stack.engine, [t])


async def test_views_written_under_another_public_url_are_not_answered(tmp_path: Path) -> None:
    tasks = [t for t in generated_tasks()[:STORED] if t.status is TaskStatus.SUCCESS]
    ids = [t.id for t in tasks if t.image_url and not image_url_uses_cdn(t)][:20]
    assert ids
    before = EngineOptions(public_url="http://before.test")
    async with running_stack(tmp_path, engine_options=before) as first:
        await first.engine.store.save_many(tasks)
        answer = (await first.api.post(PATHS[0], json={"ids": ids})).json()
        assert {t["imageUrl"].split("/images/")[0] for t in answer} == {"http://before.test"}
    after = EngineOptions(public_url="http://after.test")
    async with running_stack(tmp_path, engine_options=after) as second:
        response = await second.api.post(PATHS[0], json={"ids": ids})
        by_id = {t.id: t for t in tasks}
        assert response.content == expected_answer(second.engine, [by_id[i] for i in ids])
        assert {t["imageUrl"].split("/images/")[0] for t in response.json()} == {
            "http://after.test"
        }


async def test_a_waiting_stored_task_has_no_queue_position(stack: Stack) -> None:
    waiting = Task(id="1760000000000001", action=TaskAction.IMAGINE)
    assert waiting.status is TaskStatus.NOT_START
    await stack.engine.store.save(waiting)
    answer = (await stack.api.post(PATHS[0], json={"ids": [waiting.id]})).json()
    assert answer[0]["status"] == "NOT_START"
    assert answer[0]["properties"]["queuePosition"] is None


async def _settled(engine: Engine, task_id: str) -> Task:
    """The running task once the simulator's "Waiting to start" message was applied."""
    async with asyncio.timeout(SETTLE_TIMEOUT):
        while True:
            task = engine.live(task_id)
            if task is not None and task.progress_message_id and task.interaction_id:
                return task
            await asyncio.sleep(0.02)


@pytest.fixture
async def busy(tmp_path: Path) -> Any:
    """One account with one slot: a job that does not start for minutes and two queued ones."""
    async with running_stack(
        tmp_path,
        sim_config=fast_sim_config(start_delay_seconds=NEVER_STARTS),
        account_overrides=[{"core_size": 1}],
    ) as stack:
        yield stack


async def test_live_tasks_win_over_their_stored_versions(busy: Stack) -> None:
    engine = busy.engine
    ids = []
    for n in range(1 + QUEUED):
        answer = (await busy.api.post("/mj/submit/imagine", json={"prompt": f"tree {n}"})).json()
        assert answer["code"] in (1, 22), answer
        ids.append(answer["result"])
    running = await _settled(engine, ids[0])
    assert running.status is TaskStatus.IN_PROGRESS
    live = [running, *[engine.live(i) for i in ids[1:]]]
    assert all(t is not None and t.status is TaskStatus.NOT_START for t in live[1:])
    # older versions in the store must not be answered while the engine holds newer ones
    stale = [
        dataclasses.replace(t, status=TaskStatus.SUCCESS, prompt="stale", progress="100%")
        for t in live
        if t is not None
    ]
    await engine.store.save_many(stale)
    finished = generated_tasks()[:3]
    await engine.store.save_many(finished)

    asked = [finished[0].id, ids[2], "no-such-task", ids[0], finished[1].id, ids[1]]
    response = await busy.api.post(PATHS[0], json={"ids": asked})
    assert response.status_code == 200
    answer = response.json()
    assert [t["id"] for t in answer] == [i for i in asked if i != "no-such-task"]
    by_id = {t["id"]: t for t in answer}
    assert [by_id[i]["prompt"] for i in ids] == ["tree 0", "tree 1", "tree 2"]
    assert by_id[ids[0]]["status"] == "IN_PROGRESS"
    assert [by_id[i]["properties"]["queuePosition"] for i in ids[1:]] == [1, 2]
    current = [engine.live(i) for i in ids]
    newest = {t.id: t for t in [*finished, *current] if t is not None}
    expected = expected_answer(engine, [newest[i] for i in asked if i in newest])
    assert response.content == expected
