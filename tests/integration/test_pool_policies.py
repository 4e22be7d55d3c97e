"""Per-account policies: auth failures on REST, pacing, daily limits, visible queue positions."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from mjcore.accounts import AccountState
from mjcore.errors import NoAccountError
from mjcore.models import SubmitCode, TaskStatus
from tests.integration.conftest import fast_sim_config, running_stack


@pytest.mark.parametrize("status", [401, 403])
async def test_rest_auth_failure_disables_the_account(tmp_path: Path, status: int) -> None:
    async with running_stack(tmp_path) as stack:
        stack.sim.faults.server_error(1, status=status, path_contains="/interactions")
        result = await stack.engine.submit_imagine("a locked door")
        task = await stack.wait_final(result.result or "")
        assert task.status is TaskStatus.FAILURE and task.fail_reason
        runtime = next(iter(stack.engine.accounts.values()))
        assert runtime.state is AccountState.DISABLED
        assert runtime.reason is not None and "refused the token" in runtime.reason
        with pytest.raises(NoAccountError):
            await stack.engine.submit_imagine("another door")


async def test_pacing_spaces_out_submissions(tmp_path: Path) -> None:
    paced = [{"pace_min_seconds": 0.3, "pace_max_seconds": 0.4}]
    async with running_stack(tmp_path, account_overrides=paced) as stack:
        results = await asyncio.gather(
            *(stack.engine.submit_imagine(f"a paced step {i}") for i in range(3))
        )
        await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))
        posts = [r.at for r in stack.sim.requests if r.path.endswith("/interactions")]
        assert len(posts) == 3
        gaps = [b - a for a, b in itertools.pairwise(posts)]
        assert all(gap >= 0.29 for gap in gaps), gaps


async def test_daily_limit_stops_new_work_on_the_account(tmp_path: Path) -> None:
    async with running_stack(tmp_path, account_overrides=[{"daily_limit": 2}]) as stack:
        for i in range(2):
            result = await stack.engine.submit_imagine(f"a daily sketch {i}")
            assert (await stack.wait_final(result.result or "")).status is TaskStatus.SUCCESS
        with pytest.raises(NoAccountError):
            await stack.engine.submit_imagine("one sketch too many")
        refused = (await stack.api.post("/mj/submit/imagine", json={"prompt": "again"})).json()
        assert refused["code"] == 3
        account = (await stack.api.get("/mj/account/list")).json()[0]
        assert account["usedToday"] == 2 and account["dailyLimit"] == 2


async def test_queued_tasks_show_their_position(tmp_path: Path) -> None:
    one_slot = [{"core_size": 1, "queue_size": 5}]
    config = fast_sim_config(progress_delay_seconds=0.2)
    async with running_stack(tmp_path, account_overrides=one_slot, sim_config=config) as stack:
        results = [await stack.engine.submit_imagine(f"a queued kite {i}") for i in range(3)]
        assert [r.code for r in results] == [
            SubmitCode.SUCCESS,
            SubmitCode.IN_QUEUE,
            SubmitCode.IN_QUEUE,
        ]
        assert [dict(r.properties).get("numberOfQueues") for r in results[1:]] == [0, 1]
        third = (await stack.api.get(f"/mj/task/{results[2].result}/fetch")).json()
        assert third["status"] == "NOT_START"
        assert third["properties"]["queuePosition"] == 2
        tasks = await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))
        assert all(t.status is TaskStatus.SUCCESS for t in tasks)
