"""A MODAL task that gets no /submit/modal in time fails, in one run and across a restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest

from mjcore.clock import now_ms
from mjcore.config import MODAL_TIMEOUT_SECONDS, Settings
from mjcore.engine import EngineOptions
from mjcore.errors import ValidationError
from mjcore.models import ACTIVE_STATUSES, Task, TaskStatus
from mjcore.store import MemoryTaskStore
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.actions_helpers import button, press, run, submit, wait_task
from tests.integration.conftest import Stack, running_stack, wait_for_task
from tests.integration.test_notify import HookReceiver, fast_notifier, ok

WAIT = 20.0  # upper bound for any wait here; they normally end far sooner
SHORT = 0.2  # a modal timeout that runs out while the test waits
LONG = 60.0  # a modal timeout that never runs out during a test
IN_TIME = 3.0  # long enough for a caller to answer the modal first
PUBLIC_URL = "http://mjbridge.test"
CLOCK_SLACK_MS = 5  # timers and the wall clock may disagree by a few milliseconds


@contextlib.asynccontextmanager
async def modal_stack(tmp_path: Path, modal_timeout: float, **kwargs: Any) -> AsyncIterator[Stack]:
    options = EngineOptions(public_url=PUBLIC_URL, modal_timeout=modal_timeout)
    async with running_stack(tmp_path, engine_options=options, **kwargs) as stack:
        for runtime in stack.engine.accounts.values():
            runtime.modal_delay = 0.01
        yield stack


async def upscaled(stack: Stack) -> dict[str, Any]:
    grid = await run(stack.api, "/mj/submit/imagine", {"prompt": "a glass whale --v 7"})
    assert grid["status"] == "SUCCESS", grid
    return await press(stack.api, grid, "U1")


async def open_zoom(stack: Stack, single: dict[str, Any], **body: Any) -> Task:
    """Press Custom Zoom: the new task waits in MODAL (code 21)."""
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Custom Zoom"), **body},
    )
    assert opened["code"] == 21, opened
    task = await stack.engine.get(opened["result"])
    assert task is not None and task.status is TaskStatus.MODAL
    return task


async def next_final(changes: asyncio.Queue[Task], task_id: str) -> Task:
    async with asyncio.timeout(WAIT):
        while True:
            task = await changes.get()
            if task.id == task_id and task.is_final:
                return task


async def sleep_until(deadline_ms: int) -> None:
    await asyncio.sleep(max(0.0, (deadline_ms - now_ms()) / 1000))


async def test_an_unanswered_modal_fails_and_is_written(tmp_path: Path) -> None:
    async with (
        httpx.AsyncClient(trust_env=False) as http,
        HookReceiver(ok) as hook,
        MemoryTaskStore() as outbox_store,
        fast_notifier(outbox_store.outbox(), http) as notifier,
        modal_stack(tmp_path, SHORT, notifier=notifier) as stack,
    ):
        engine = stack.engine
        single = await upscaled(stack)
        async with engine.subscribe() as changes:
            waiting = await open_zoom(stack, single, notifyHook=hook.url)
            failed = await next_final(changes, waiting.id)

        reason = f"modal not submitted within {SHORT:g} s"
        assert failed.status is TaskStatus.FAILURE
        assert failed.fail_reason == reason
        assert failed.finish_time is not None
        assert failed.finish_time >= waiting.submit_time + SHORT * 1000 - CLOCK_SLACK_MS
        assert waiting.id not in engine._open
        assert waiting.id not in engine._modal_timers
        await wait_for_task(engine, waiting.id, lambda t: t.id not in engine._unsaved, WAIT)
        stored = await engine.store.get(waiting.id)
        assert stored is not None and stored.status is TaskStatus.FAILURE
        assert stored.fail_reason == reason
        assert engine.live(waiting.id) == stored  # only among the last finished, as written

        fetched = await wait_task(stack.api, waiting.id)
        assert (fetched["status"], fetched["failReason"]) == ("FAILURE", reason)
        late = await submit(
            stack.api, "/mj/submit/modal", {"taskId": waiting.id, "prompt": "a whale --zoom 1.5"}
        )
        assert late["code"] == 4, late

        await notifier.wait_idle(WAIT)
        delivered = hook.received(waiting.id)
        assert delivered, "the hook heard nothing about the task"
        assert (delivered[-1]["status"], delivered[-1]["failReason"]) == ("FAILURE", reason)


async def test_a_modal_answered_or_cancelled_in_time_keeps_its_outcome(tmp_path: Path) -> None:
    async with modal_stack(tmp_path, IN_TIME) as stack:
        engine = stack.engine
        single = await upscaled(stack)
        answered = await open_zoom(stack, single)
        dropped = await open_zoom(stack, single)
        assert {answered.id, dropped.id} <= set(engine._modal_timers)

        accepted = await submit(
            stack.api,
            "/mj/submit/modal",
            {"taskId": answered.id, "prompt": "a glass whale --zoom 1.8"},
        )
        assert accepted["code"] == 1, accepted
        assert answered.id not in engine._modal_timers
        cancelled = (await stack.api.post(f"/mj/task/{dropped.id}/cancel")).json()
        assert cancelled["code"] == 1, cancelled
        assert dropped.id not in engine._modal_timers

        done = await stack.wait_final(answered.id, WAIT)
        assert done.status is TaskStatus.SUCCESS, done.fail_reason
        await sleep_until(max(answered.submit_time, dropped.submit_time) + int(IN_TIME * 1000))
        await asyncio.sleep(SHORT)  # past both deadlines, with room for a late timer
        after = {t.id: t for t in await engine.get_many([answered.id, dropped.id])}
        assert after[answered.id].status is TaskStatus.SUCCESS
        assert after[dropped.id].status is TaskStatus.CANCEL
        assert all(t.fail_reason is None for t in after.values())
        assert not engine._modal_timers


async def test_a_modal_refused_for_a_full_queue_still_expires(tmp_path: Path) -> None:
    one_slot = {"core_size": 1, "queue_size": 0}
    async with modal_stack(tmp_path, IN_TIME, account_overrides=[one_slot]) as stack:
        engine = stack.engine
        waiting = await open_zoom(stack, await upscaled(stack))
        stack.sim.faults.pause_bot()  # the next job takes the only slot and stays there
        busy = await engine.submit_imagine("a lantern in the fog")
        await wait_for_task(engine, busy.result or "", lambda t: t.status in ACTIVE_STATUSES)

        refused = await submit(
            stack.api, "/mj/submit/modal", {"taskId": waiting.id, "prompt": "a whale --zoom 1.5"}
        )
        assert refused["code"] == 23, refused
        assert waiting.id in engine._modal_timers
        failed = await wait_for_task(engine, waiting.id, lambda t: t.is_final, WAIT)
        assert failed.status is TaskStatus.FAILURE
        assert failed.fail_reason == f"modal not submitted within {IN_TIME:g} s"
        stack.sim.faults.resume_bot()


async def test_a_wait_that_ran_out_while_down_fails_at_restart(tmp_path: Path) -> None:
    async with modal_stack(tmp_path, LONG) as stack:
        waiting = await open_zoom(stack, await upscaled(stack))
    await sleep_until(waiting.submit_time + int(SHORT * 1000) + 1)

    async with modal_stack(tmp_path, SHORT, ready=False) as stack:
        engine = stack.engine
        failed = engine.live(waiting.id)  # failed while starting: no timer needed
        assert failed is not None and failed.status is TaskStatus.FAILURE
        assert failed.fail_reason == f"modal not submitted within {SHORT:g} s"
        assert failed.finish_time is not None
        assert waiting.id not in engine._open
        assert not engine._modal_timers

    async with SqliteTaskStore(tmp_path / "tasks.db") as store:
        stored = await store.get(waiting.id)
    assert stored is not None and stored.status is TaskStatus.FAILURE
    assert stored.fail_reason == failed.fail_reason


async def test_a_wait_resumed_after_restart_keeps_its_first_deadline(tmp_path: Path) -> None:
    resumed_timeout = 3.0
    waited_before_restart = 1.0
    async with modal_stack(tmp_path, LONG) as stack:
        waiting = await open_zoom(stack, await upscaled(stack))
    await sleep_until(waiting.submit_time + int(waited_before_restart * 1000))
    waited = (now_ms() - waiting.submit_time) / 1000

    async with modal_stack(tmp_path, resumed_timeout, ready=False) as stack:
        engine = stack.engine
        assert waiting.id in engine._open
        live = engine.live(waiting.id)
        assert live is not None and live.status is TaskStatus.MODAL
        timer = engine._modal_timers[waiting.id]
        left = timer.when() - asyncio.get_running_loop().time()
        assert left <= resumed_timeout - waited + 0.01  # measured from the first wait

        failed = await wait_for_task(engine, waiting.id, lambda t: t.is_final, WAIT)
        assert failed.status is TaskStatus.FAILURE
        assert failed.fail_reason == f"modal not submitted within {resumed_timeout:g} s"
        assert failed.finish_time is not None
        first_deadline = waiting.submit_time + resumed_timeout * 1000
        assert failed.finish_time >= first_deadline - CLOCK_SLACK_MS
        assert waiting.id not in engine._open


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)


def test_the_modal_timeout_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings(monkeypatch).modal_timeout == MODAL_TIMEOUT_SECONDS
    assert EngineOptions().modal_timeout == MODAL_TIMEOUT_SECONDS
    assert settings(monkeypatch, MJ_MODAL_TIMEOUT="2.5").modal_timeout == 2.5
    for bad in ("0", "-1", "nan", "inf", "soon"):
        with pytest.raises(pydantic.ValidationError, match="MJ_MODAL_TIMEOUT"):
            settings(monkeypatch, MJ_MODAL_TIMEOUT=bad)
    for value in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(ValidationError, match="modal_timeout"):
            EngineOptions(modal_timeout=value)
