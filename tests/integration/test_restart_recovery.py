"""Restart with the same database: queued tasks run again, running ones are reconciled."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx

from mjcore.engine import Engine, EngineOptions
from mjcore.media import InputFiles
from mjcore.models import ACTIVE_STATUSES, SubmitCode, TaskStatus
from mjcore.sim import SimAccount, Simulator
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.conftest import account_for, endpoints_for, fast_sim_config, wait_for_task


@contextlib.asynccontextmanager
async def engine_on(
    sim: Simulator, account: SimAccount, tmp: Path, http: httpx.AsyncClient, **acct: Any
) -> Any:
    """An engine over the SQLite file in ``tmp``: each use is one run of mjbridge."""
    async with SqliteTaskStore(tmp / "tasks.db") as store:
        engine = Engine(
            store=store,
            accounts=[account_for(account, **acct)],
            endpoints=endpoints_for(sim),
            inputs=InputFiles(tmp / "inputs"),
            options=EngineOptions(public_url="http://mjbridge.test"),
        )
        async with engine:
            yield engine


async def test_running_and_queued_tasks_survive_a_restart(tmp_path: Path) -> None:
    one_slot = {"core_size": 1, "queue_size": 5}
    async with Simulator(fast_sim_config()) as sim, httpx.AsyncClient() as http:
        account = sim.add_account(name="restart")
        async with engine_on(sim, account, tmp_path, http, **one_slot) as engine:
            await engine.wait_ready(10)
            sim.faults.pause_bot()  # jobs are accepted but make no progress
            running = await engine.submit_imagine("a lantern in the fog")
            queued = await engine.submit_imagine("a lantern on the sea")
            assert running.code is SubmitCode.SUCCESS
            assert queued.code is SubmitCode.IN_QUEUE
            await wait_for_task(engine, running.result or "", lambda t: t.status in ACTIVE_STATUSES)
        # mjbridge is down; Midjourney finishes the job meanwhile
        sim.faults.resume_bot()
        await sim.wait_idle(10)
        async with engine_on(sim, account, tmp_path, http, **one_slot) as engine:
            before = await engine.get(queued.result or "")
            assert before is not None and before.status is TaskStatus.NOT_START
            first = await wait_for_task(engine, running.result or "", lambda t: t.is_final)
            assert first.status is TaskStatus.SUCCESS, first.fail_reason
            job = sim.job_for_nonce(first.nonce or "")
            assert job is not None and job.job_id == first.message_hash
            second = await wait_for_task(engine, queued.result or "", lambda t: t.is_final)
            assert second.status is TaskStatus.SUCCESS, second.fail_reason


async def test_a_lost_job_times_out_after_restart(tmp_path: Path) -> None:
    quick = {"timeout_minutes": 0.05}
    async with Simulator(fast_sim_config()) as sim, httpx.AsyncClient() as http:
        account = sim.add_account(name="lost")
        async with engine_on(sim, account, tmp_path, http, **quick) as engine:
            await engine.wait_ready(10)
            lost = await engine.submit_imagine("a SIM_VANISH lantern")
            await wait_for_task(engine, lost.result or "", lambda t: t.status in ACTIVE_STATUSES)
        async with engine_on(sim, account, tmp_path, http, **quick) as engine:
            task = await wait_for_task(engine, lost.result or "", lambda t: t.is_final, timeout=10)
            assert task.status is TaskStatus.FAILURE
            assert task.fail_reason is not None and "timeout" in task.fail_reason
