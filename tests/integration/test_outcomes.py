"""Every Midjourney outcome ends the task with a readable reason: nothing hangs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from mjcore.accounts import AccountState
from mjcore.engine import EngineOptions
from mjcore.models import SubmitCode, TaskStatus
from tests.integration.conftest import fast_sim_config, running_stack

QUICK = 10.0  # "within seconds"


async def outcome(tmp_path: Path, prompt: str, **stack_kw: object) -> tuple[str, str | None, float]:
    async with running_stack(tmp_path, **stack_kw) as stack:  # type: ignore[arg-type]
        started = time.monotonic()
        result = await stack.engine.submit_imagine(prompt)
        task = await stack.wait_final(result.result or "", timeout=QUICK * 3)
        return task.status, task.fail_reason, time.monotonic() - started


@pytest.mark.parametrize(
    ("prompt", "reason"),
    [
        ("a SIM_BANNED thing", "Banned prompt"),
        ("a cat --wings 3", "Invalid parameter"),
        ("a SIM_ERROR thing", "There was an error"),
        ("a SIM_FILTERED thing", "output filters"),
        ("a SIM_APPEAL thing", "Action needed to continue"),
    ],
)
async def test_failures_end_quickly_with_a_reason(tmp_path: Path, prompt: str, reason: str) -> None:
    status, fail_reason, elapsed = await outcome(tmp_path, prompt)
    assert status is TaskStatus.FAILURE
    assert fail_reason is not None and reason in fail_reason
    assert elapsed < QUICK


async def test_no_answer_at_all_fails_by_interaction_failure(tmp_path: Path) -> None:
    status, reason, elapsed = await outcome(tmp_path, "a SIM_SILENT thing")
    assert status is TaskStatus.FAILURE and reason
    assert elapsed < QUICK


async def test_vanished_job_times_out_after_the_account_timeout(tmp_path: Path) -> None:
    status, reason, elapsed = await outcome(
        tmp_path, "a SIM_VANISH thing", account_overrides=[{"timeout_minutes": 0.05}]
    )
    assert status is TaskStatus.FAILURE
    assert reason is not None and "timeout" in reason
    assert 2.5 < elapsed < QUICK


async def test_auto_appeal_lets_the_job_run(tmp_path: Path) -> None:
    status, reason, _ = await outcome(
        tmp_path, "a SIM_APPEAL thing", engine_options=EngineOptions(auto_appeal=True)
    )
    assert status is TaskStatus.SUCCESS, reason


async def test_job_queued_is_not_a_failure(tmp_path: Path) -> None:
    config = fast_sim_config(max_concurrent_jobs=1, progress_delay_seconds=0.05)
    async with running_stack(tmp_path, sim_config=config) as stack:
        results = await asyncio.gather(
            *(stack.engine.submit_imagine(f"a kite number {i}") for i in range(3))
        )
        tasks = await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))
        assert [t.status for t in tasks] == [TaskStatus.SUCCESS] * 3
        notices = [t.extra_value("notice") for t in tasks]
        assert any(n and "Job queued" in n for n in notices), notices


async def test_queue_full_fails_the_extra_job(tmp_path: Path) -> None:
    config = fast_sim_config(max_concurrent_jobs=1, max_queued_jobs=1, progress_delay_seconds=0.1)
    async with running_stack(tmp_path, sim_config=config) as stack:
        results = await asyncio.gather(
            *(stack.engine.submit_imagine(f"a boat number {i}") for i in range(3))
        )
        tasks = await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))
        failed = [t for t in tasks if t.status is TaskStatus.FAILURE]
        assert len(failed) == 1
        assert failed[0].fail_reason is not None and "Queue full" in failed[0].fail_reason
        assert sum(t.status is TaskStatus.SUCCESS for t in tasks) == 2


@pytest.mark.parametrize(
    ("state", "title"),
    [
        ("pending_mod", "Pending mod message"),
        ("blocked", "Blocked"),
        ("subscription_required", "Subscription required"),
        ("credits_exhausted", "Credits exhausted"),
    ],
)
async def test_account_level_errors_disable_the_account(
    tmp_path: Path, state: str, title: str
) -> None:
    async with running_stack(tmp_path, accounts=2) as stack:
        bad, good = stack.sim_accounts
        stack.sim.faults.set_account_state(bad, state)
        runtime = stack.engine.accounts[bad.channel_id]
        # the account choice is random among idle accounts: submit until one lands on `bad`
        for _ in range(20):
            result = await stack.engine.submit_imagine("a calm sea")
            task = await stack.wait_final(result.result or "", timeout=QUICK)
            if task.account_id == bad.channel_id:
                break
            assert task.status is TaskStatus.SUCCESS
        assert task.account_id == bad.channel_id
        assert task.status is TaskStatus.FAILURE
        assert task.fail_reason is not None and title in task.fail_reason
        assert runtime.state is AccountState.DISABLED
        assert runtime.reason is not None and title in runtime.reason
        # from now on every task goes to the healthy account and succeeds
        for _ in range(3):
            result = await stack.engine.submit_imagine("a calm lake")
            assert result.code is SubmitCode.SUCCESS
            task = await stack.wait_final(result.result or "", timeout=QUICK)
            assert task.account_id == good.channel_id
            assert task.status is TaskStatus.SUCCESS


async def test_command_version_rotation_is_survived(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        stack.sim.rotate_command_versions()
        result = await stack.engine.submit_imagine("a paper crane")
        task = await stack.wait_final(result.result or "")
        assert task.status is TaskStatus.SUCCESS, task.fail_reason
        stale = [
            r for r in stack.sim.requests if r.path.endswith("/interactions") and r.status == 400
        ]
        assert len(stale) == 1  # the stale version was refused once, then the index was refreshed
