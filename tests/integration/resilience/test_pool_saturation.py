"""Sixty tasks at once on three accounts: exact submit codes, every slot kept busy."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from mjcore.accounts import AccountRuntime
from mjcore.engine import Engine
from mjcore.models import SubmitCode, SubmitResult, TaskStatus
from tests.integration.conftest import fast_sim_config, running_stack
from tests.integration.resilience.helpers import assert_finished_with_own_job

log = logging.getLogger(__name__)

ACCOUNTS = 3
CORE_SIZE = 3
QUEUE_SIZE = 15
TASKS = 60
STARTED = ACCOUNTS * CORE_SIZE  # 9 take a slot at once: code 1
QUEUED = ACCOUNTS * QUEUE_SIZE  # 45 wait: code 22, numberOfQueues 0..14, three of each
REFUSED = TASKS - STARTED - QUEUED  # 6 find every queue full: code 23
SAMPLE_EVERY = 0.002
# seconds a slot may be seen free while work waits (a job ended, the next one not started yet);
# sampling runs on the same event loop, so this also covers a few loop turns of a busy loop
IDLE_GRACE = 0.05
FINISH_WAIT = 60.0


@dataclass
class SlotWatch:
    """Samples running/waiting per account; measures how long a slot idled with work queued."""

    runtimes: list[AccountRuntime]
    samples: int = 0
    queued_samples: int = 0  # account samples with work waiting: what the check looked at
    idle_samples: int = 0
    max_running: dict[str, int] = field(default_factory=dict)
    worst_gap: float = 0.0
    _idle_since: dict[str, float] = field(default_factory=dict)

    def sample(self) -> None:
        now = time.monotonic()
        self.samples += 1
        for runtime in self.runtimes:
            self.max_running[runtime.id] = max(self.max_running.get(runtime.id, 0), runtime.running)
            self.queued_samples += runtime.waiting > 0
            idle = runtime.waiting > 0 and runtime.running < runtime.core_size
            since = self._idle_since.get(runtime.id)
            if idle:
                self.idle_samples += 1
                if since is None:
                    self._idle_since[runtime.id] = now
                else:
                    self.worst_gap = max(self.worst_gap, now - since)
            elif since is not None:
                self.worst_gap = max(self.worst_gap, now - since)
                del self._idle_since[runtime.id]

    async def run(self, engine: Engine, ids: list[str]) -> None:
        pending = set(ids)
        while pending:
            self.sample()
            await asyncio.sleep(SAMPLE_EVERY)
            if self.samples % 25 == 0:  # the store is slower than a sample
                pending = {t.id for t in await engine.get_many(list(pending)) if not t.is_final}


def expected_answers() -> list[tuple[SubmitCode, int | None]]:
    """What the submits must answer, in submit order (BestWaitIdle fills the accounts evenly)."""
    answers: list[tuple[SubmitCode, int | None]] = [(SubmitCode.SUCCESS, None)] * STARTED
    answers += [(SubmitCode.IN_QUEUE, i // ACCOUNTS) for i in range(QUEUED)]
    answers += [(SubmitCode.QUEUE_REJECTED, None)] * REFUSED
    return answers


def answer_of(result: SubmitResult) -> tuple[SubmitCode, int | None]:
    ahead = dict(result.properties).get("numberOfQueues")
    return result.code, None if ahead is None else int(str(ahead))


async def test_sixty_tasks_fill_every_slot_and_queue_exactly(tmp_path: Path) -> None:
    config = fast_sim_config(
        max_concurrent_jobs=CORE_SIZE,
        start_delay_seconds=0.005,
        progress_delay_seconds=0.01,
    )
    sizes = [{"core_size": CORE_SIZE, "queue_size": QUEUE_SIZE}] * ACCOUNTS
    async with running_stack(
        tmp_path, accounts=ACCOUNTS, sim_config=config, account_overrides=sizes
    ) as stack:
        runtimes = list(stack.engine.accounts.values())
        results = await asyncio.gather(
            *(stack.engine.submit_imagine(f"a tiny robot number {i}") for i in range(TASKS))
        )

        assert [answer_of(r) for r in results] == expected_answers()
        accepted = [r.result for r in results if r.result is not None]
        assert len(accepted) == STARTED + QUEUED
        assert all(r.result is None for r in results[STARTED + QUEUED :])

        watch = SlotWatch(runtimes)
        await asyncio.wait_for(watch.run(stack.engine, accepted), FINISH_WAIT)

        tasks = await stack.engine.get_many(accepted)
        assert len(tasks) == len(accepted)
        for task in tasks:
            assert_finished_with_own_job(stack, task)
        assert {t.account_id for t in tasks} == {r.id for r in runtimes}
        assert all(r.running == 0 and r.waiting == 0 for r in runtimes)
        assert len({t.message_hash for t in tasks}) == len(tasks)
        assert len(stack.sim.jobs) == len(accepted)
        log.info(
            "slot watch [samples:%d with work queued:%d idle-with-work:%d worst gap:%.4fs]",
            watch.samples,
            watch.queued_samples,
            watch.idle_samples,
            watch.worst_gap,
        )
        assert watch.queued_samples > 0
        assert set(watch.max_running.values()) == {CORE_SIZE}
        assert watch.worst_gap <= IDLE_GRACE, watch
        assert all(t.status is TaskStatus.SUCCESS for t in tasks)
