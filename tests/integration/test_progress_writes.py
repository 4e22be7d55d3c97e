"""A running job's progress is written behind at most every ``progress_write_interval``.

Readers see every progress step at once (the engine holds it in memory); the task store gets
status changes at once and progress steps at most once per interval, and closing the engine
writes what is held. What is stored is read from the SQLite file by a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from mjcore.engine import EngineOptions
from mjcore.errors import ValidationError
from mjcore.models import Task, TaskStatus
from tests.integration.conftest import Stack, fast_sim_config, running_stack, wait_for_task

STEPS = (10, 30, 50, 70, 90)


def stored(path: Path, task_id: str) -> tuple[str, str] | None:
    """(status, progress) of the row the file holds for ``task_id``."""
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT status, data FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if row is None:
        return None
    return str(row[0]), str(json.loads(row[1]).get("progress"))


def running_at(percent: int) -> Callable[[Task], bool]:
    return lambda t: (
        t.is_final
        or (t.status is TaskStatus.IN_PROGRESS and int((t.progress or "0%").rstrip("%")) >= percent)
    )


@contextlib.asynccontextmanager
async def running_job(
    tmp_path: Path, prompt: str, *, step_seconds: float, interval: float
) -> AsyncIterator[tuple[Stack, str]]:
    """A stack whose jobs step every ``step_seconds``, running one job of ``prompt``."""
    sim = fast_sim_config(progress_delay_seconds=step_seconds, progress_steps=STEPS)
    options = EngineOptions(public_url="http://mjbridge.test", progress_write_interval=interval)
    async with running_stack(tmp_path, sim_config=sim, engine_options=options) as stack:
        submitted = await stack.engine.submit_imagine(prompt)
        yield stack, submitted.result or ""


async def test_progress_steps_wait_for_the_interval_and_status_changes_do_not(
    tmp_path: Path,
) -> None:
    db = tmp_path / "tasks.db"
    async with running_job(tmp_path, "a slow one", step_seconds=0.15, interval=60.0) as (
        stack,
        task_id,
    ):
        live = await wait_for_task(stack.engine, task_id, running_at(50))
        assert live.status is TaskStatus.IN_PROGRESS, live
        await asyncio.sleep(0.1)  # the writer has had its turn
        # the first IN_PROGRESS is a status change: written; the steps after it are held
        assert stored(db, task_id) == ("IN_PROGRESS", "0%")

        done = await stack.wait_final(task_id)
        assert done.status is TaskStatus.SUCCESS
        await asyncio.sleep(0.1)
        assert stored(db, task_id) == ("SUCCESS", "100%")


async def test_held_progress_is_written_once_the_interval_passes(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    async with running_job(tmp_path, "a patient one", step_seconds=0.4, interval=0.2) as (
        stack,
        task_id,
    ):
        live = await wait_for_task(stack.engine, task_id, running_at(10))
        assert live.status is TaskStatus.IN_PROGRESS, live
        # the next step comes 0.4 s later: the held 10 % is written before it
        await asyncio.sleep(0.3)
        assert stack.engine.live(task_id) == live
        assert stored(db, task_id) == ("IN_PROGRESS", "10%")
        await stack.wait_final(task_id)


async def test_closing_the_engine_writes_held_progress(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    async with running_job(tmp_path, "an interrupted one", step_seconds=5.0, interval=60.0) as (
        stack,
        task_id,
    ):
        live: Task = await wait_for_task(stack.engine, task_id, running_at(10))
        assert live.progress == "10%"
        assert stored(db, task_id) == ("IN_PROGRESS", "0%")
    assert stored(db, task_id) == ("IN_PROGRESS", "10%")


async def test_a_zero_interval_writes_every_step(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    async with running_job(tmp_path, "an eager one", step_seconds=0.3, interval=0) as (
        stack,
        task_id,
    ):
        await wait_for_task(stack.engine, task_id, running_at(30))
        await asyncio.sleep(0.1)
        assert stored(db, task_id) in {("IN_PROGRESS", "30%"), ("IN_PROGRESS", "50%")}
        await stack.wait_final(task_id)


@pytest.mark.parametrize("interval", [-1.0, float("inf"), float("nan")])
def test_the_interval_must_be_a_number_of_seconds(interval: float) -> None:
    with pytest.raises(ValidationError, match="progress_write_interval"):
        EngineOptions(progress_write_interval=interval)
