"""Shared waits and configuration for the fault-injection tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mjcore.models import Task, TaskStatus
from mjcore.sim import SimConfig
from mjcore.sim.midjourney import JobRecord
from tests.integration.conftest import Stack, fast_sim_config, wait_for_task

WAIT = 15.0  # upper bound for any single expectation; they normally take a fraction of this
POLL = 0.01
HEARTBEAT_MS = 200  # small, so a missing ACK is noticed within half a second
# the simulator ends a session after this many intervals without a heartbeat: generous, so a
# loop stalled by a loaded machine is not taken for a dead client (no test here relies on it)
SESSION_GRACE_INTERVALS = 10.0


def gateway_fault_config(**overrides: Any) -> SimConfig:
    """A fast simulator with short heartbeats (zombie detection takes two intervals).

    Only for light tests: the simulator shares the event loop with the engine, and a loop stalled
    for two intervals (image generation under heavy load) looks like a zombie connection.
    """
    values: dict[str, Any] = {
        "heartbeat_interval_ms": HEARTBEAT_MS,
        "heartbeat_timeout_factor": SESSION_GRACE_INTERVALS,
        **overrides,
    }
    return fast_sim_config(**values)


async def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll state that offers no change notification (client and simulator internals)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(POLL)


async def wait_in_flight(stack: Stack, task_id: str) -> tuple[Task, JobRecord]:
    """Wait until the simulator runs the task's job and the engine has seen it start."""
    task = await wait_for_task(
        stack.engine,
        task_id,
        lambda t: t.status is TaskStatus.IN_PROGRESS or t.is_final,
        WAIT,
    )
    assert task.status is TaskStatus.IN_PROGRESS, (task.status, task.fail_reason)
    job = stack.sim.job_for_nonce(task.nonce or "")
    assert job is not None, f"the simulator runs no job for task {task_id}"
    return task, job


def assert_finished_with_own_job(stack: Stack, task: Task) -> None:
    """The task succeeded with the result of the job the simulator ran for its nonce."""
    assert task.status is TaskStatus.SUCCESS, task.fail_reason
    job = stack.sim.job_for_nonce(task.nonce or "")
    assert job is not None, f"the simulator ran no job for task {task.id}"
    assert task.message_hash == job.job_id
    assert task.message_id == job.result_message_id
    assert task.progress == "100%"
