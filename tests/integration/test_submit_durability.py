"""A task is accepted only once it is written: a refused write leaves nothing behind.

The SQLite file itself refuses the write (a trigger added from a second connection), so the
engine sees a real database error, not a stand-in.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mjcore.errors import MjError
from mjcore.models import SubmitCode
from tests.integration.conftest import running_stack

REFUSE = (
    "CREATE TRIGGER refuse_tasks BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'disk full'); END"
)
ALLOW = "DROP TRIGGER refuse_tasks"


def run_sql(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(sql)


async def test_refused_write_neither_queues_nor_runs_the_task(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        db = tmp_path / "tasks.db"
        run_sql(db, REFUSE)
        with pytest.raises(MjError, match="task store unavailable"):
            await stack.engine.submit_imagine("a refused lighthouse")
        [runtime] = stack.engine.accounts.values()
        assert runtime.waiting == 0
        assert runtime.queued_task_ids() == []
        assert runtime.active_tasks() == []

        run_sql(db, ALLOW)
        accepted = await stack.engine.submit_imagine("an accepted lighthouse")
        assert accepted.code is SubmitCode.SUCCESS
        task = await stack.wait_final(accepted.result or "")
        stored = await stack.engine.store.list(limit=10)

    assert task.prompt == "an accepted lighthouse"
    assert [t.prompt for t in stored] == ["an accepted lighthouse"]
    assert [job.prompt for job in stack.sim.jobs] == ["an accepted lighthouse"]
