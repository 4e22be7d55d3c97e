"""The engine against the simulator over real sockets: every task ends with its own job."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mjcore.models import SubmitCode, TaskStatus
from tests.integration.conftest import running_stack


async def test_identical_and_rewritten_prompts_on_two_accounts(tmp_path: Path) -> None:
    # one slot per account, so BestWaitIdle has to spread the three tasks over both accounts
    one_slot = [{"core_size": 1}, {"core_size": 1}]
    async with running_stack(tmp_path, accounts=2, account_overrides=one_slot) as stack:
        prompts = [
            "a lighthouse in a storm",
            "a lighthouse in a storm",
            "https://example.com/ref.png a fox --v 7 --q 1 --stylize 100",
        ]
        results = await asyncio.gather(*(stack.engine.submit_imagine(p) for p in prompts))
        assert all(r.code in (SubmitCode.SUCCESS, SubmitCode.IN_QUEUE) for r in results), results
        tasks = await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))

        assert [t.status for t in tasks] == [TaskStatus.SUCCESS] * 3, [t.fail_reason for t in tasks]
        hashes = [t.message_hash for t in tasks]
        assert len(set(hashes)) == 3, hashes
        for task in tasks:
            job = stack.sim.job_for_nonce(task.nonce or "")
            assert job is not None, f"the simulator ran no job for task {task.id}"
            assert job.job_id == task.message_hash, "task finished with another task's job"
            assert job.result_message_id == task.message_id
            assert len(task.buttons) == 9
        # Midjourney rewrote the third prompt; the task still carries the echoed final prompt
        rewritten = tasks[2].final_prompt or ""
        assert "--v 7.0" in rewritten and "s.mj.run" in rewritten and "--q 1" not in rewritten
        # both accounts were used (BestWaitIdle sends work to the free slot)
        assert {t.account_id for t in tasks} == {a.channel_id for a in stack.sim_accounts}


async def test_upscale_variation_and_reroll_each_get_their_own_result(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        first = await stack.engine.submit_imagine("a quiet harbour at dawn")
        grid = await stack.wait_final(first.result or "")
        assert grid.status is TaskStatus.SUCCESS
        by_label = {b.label or b.emoji: b.custom_id for b in grid.buttons}
        presses = [by_label["U1"], by_label["U2"], by_label["V3"], by_label["🔄"]]
        results = await asyncio.gather(*(stack.engine.action(grid.id, c) for c in presses))
        children = await asyncio.gather(*(stack.wait_final(r.result or "") for r in results))
        assert [c.status for c in children] == [TaskStatus.SUCCESS] * 4, [
            c.fail_reason for c in children
        ]
        for child, custom_id in zip(children, presses, strict=True):
            job = stack.sim.job_for_nonce(child.nonce or "")
            assert job is not None and job.custom_id == custom_id
            assert job.job_id == child.message_hash
            assert child.parent_id == grid.id
        upscale_labels = {b.label for b in children[0].buttons}
        assert {"Vary (Strong)", "Vary (Subtle)", "Zoom Out 2x", "Custom Zoom"} <= upscale_labels
        assert len({c.message_hash for c in children}) == 4
