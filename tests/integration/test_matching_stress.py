"""30 concurrent tasks on 2 accounts: identical prompts, rewritten params, image prompts and
button presses on the same parents. Every task ends with the job the simulator ran for it."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from mjcore.models import SubmitCode, TaskStatus
from tests.integration.actions_helpers import data_url
from tests.integration.conftest import fast_sim_config, running_stack

# Discord details the references could not verify, each way round (see SimConfig)
VARIANTS = {
    "default": {},
    "success-first": {"success_order": "before_first_message"},
    "nonce-on-buttons": {"nonce_on_component_jobs": True},
    "ephemeral-progress": {"ephemeral_progress": True, "ephemeral_errors": True},
    "modern-content": {"modern_decorations": True, "interaction_metadata_on_results": True},
    "events-to-all-sessions": {"interaction_routing": "all", "start_message_type": 0},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
async def test_thirty_mixed_tasks_never_mix_up(tmp_path: Path, variant: str) -> None:
    roomy = [{"queue_size": 30}, {"queue_size": 30}]
    config = fast_sim_config(progress_delay_seconds=0.03, **VARIANTS[variant])
    async with running_stack(
        tmp_path, accounts=2, account_overrides=roomy, sim_config=config
    ) as stack:
        engine = stack.engine
        parents = await asyncio.gather(
            *(engine.submit_imagine(f"a parent grid {i}") for i in range(2))
        )
        grids = await asyncio.gather(*(stack.wait_final(p.result or "") for p in parents))
        assert all(g.status is TaskStatus.SUCCESS for g in grids)

        image = base64.b64decode(data_url().split(",", 1)[1])
        submits = [engine.submit_imagine("a red fox in the snow") for _ in range(10)]
        submits += [
            engine.submit_imagine("https://example.com/x.png a fox --v 7 --q 1 --stylize 100")
            for _ in range(6)
        ]
        submits += [engine.submit_imagine("a fox in this style", images=[image]) for _ in range(4)]
        presses = [b.custom_id for b in grids[0].buttons] + [
            b.custom_id for b in grids[1].buttons if b.label in ("U1",)
        ]
        submits += [
            engine.action(g.id, c)
            for g in grids
            for c in presses
            if c in {b.custom_id for b in g.buttons}
        ]
        results = await asyncio.gather(*submits)
        assert len(results) == 30
        assert all(r.code in (SubmitCode.SUCCESS, SubmitCode.IN_QUEUE) for r in results), results

        tasks = await asyncio.gather(
            *(stack.wait_final(r.result or "", timeout=60) for r in results)
        )
        failures = [(t.id, t.fail_reason) for t in tasks if t.status is not TaskStatus.SUCCESS]
        assert not failures
        seen_jobs: set[str] = set()
        for task in tasks:
            job = stack.sim.job_for_nonce(task.nonce or "")
            assert job is not None, task.id
            assert job.job_id == task.message_hash, f"task {task.id} got someone else's job"
            assert job.result_message_id == task.message_id
            assert task.message_hash not in seen_jobs
            seen_jobs.add(task.message_hash or "")
        assert {t.account_id for t in tasks} == {a.channel_id for a in stack.sim_accounts}
