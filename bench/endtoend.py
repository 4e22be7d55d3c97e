"""Benchmark 2: Engine + simulator end to end with zero Midjourney delay.

The simulator runs in its own process (``bench.simproc``); the engine and the REST API run in
this one, composed as ``mjbridge serve`` composes them. All tasks are submitted at once
(concurrently), so every account has a backlog until its last task starts.

- tasks per second: tasks / (last task final - first submit);
- slot utilisation: see ``bench.stats.slot_utilisation`` (task start/finish times, ms). A task
  waits for a slot from the moment its submit call returned (it is then in its account's queue):
  the 1,000 submits arrive in one burst, and the time the engine spends accepting them is not
  time a queued task waited;
- added latency: from the moment the simulator's gateway sent the final message (its session
  writer took MESSAGE_CREATE from the outbox and wrote the frame, recorded in its process) to the
  moment a ``/mj/task/{id}/fetch`` answered SUCCESS. The fetch is sent as soon as the engine
  publishes the change, so the figure includes one HTTP round trip, as any client would see it.
  The part spent in this process is measured too, from the moment the engine's gateway client
  decoded the final MESSAGE_CREATE; and, for information, the time from the simulator posting the
  message (``MessageBus.post``) to it being sent: the simulator's own send queue, which is
  Discord's side of the wire and grows when the simulator's process is saturated.

The simulated images are made small (``SIM_IMAGES``): at Midjourney's sizes the simulator spends
most of its time in Pillow encoding previews, and the benchmark would measure that instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.procs import Child, CpuMeter, describe_cpu
from bench.report import Figure, at_least, at_most
from bench.stack import LOCALHOST, product
from bench.stats import percentile, slot_utilisation
from mjcore.engine import Engine
from mjcore.models import SubmitCode, SubmitResult, Task, TaskStatus
from mjcore.store.sqlite import SqliteTaskStore

Dispatch = Callable[[str, Mapping[str, Any]], None]

NAME = "engine"
TASKS_FULL = 1000
TASKS_QUICK = 200
ACCOUNTS = 20
CORE_SIZE = 3
QUEUE_SIZE = 50  # every task of the run fits in its account's queue
RUN_TIMEOUT_SECONDS = 600.0
FETCH_CONNECTIONS = 16
SETTLE_SECONDS = 0.5
SETTLE_TIMEOUT_SECONDS = 30.0
TARGET_UTILISATION = 0.98
TARGET_LATENCY_P99_MS = 50.0
SIM_IMAGES = {"grid_long_side": 256, "upscale_long_side": 256, "progress_preview_side": 64}
SIM_CONFIG = {
    "start_delay_seconds": 0,
    "progress_delay_seconds": 0,
    "max_concurrent_jobs": CORE_SIZE,
    "rest_requests_per_second": 1_000_000,
    **SIM_IMAGES,
}
_ACCEPTED = frozenset({SubmitCode.SUCCESS, SubmitCode.IN_QUEUE})
PROMPTS = ("a lighthouse at dusk", "a paper boat on a pond", "a fox in the snow", "a glass city")


class StoreMeter:
    """Counts the store's database round trips and times the engine's batched writes
    (``save_many``, wait for the write lock included): measuring hooks around the store's own
    methods, which they call unchanged. A transaction (a batch of more than
    ``ROWS_PER_STATEMENT`` tasks) is not counted as a round trip."""

    ROUND_TRIPS = ("write", "insert", "fetchone", "fetchall")

    def __init__(self, store: SqliteTaskStore) -> None:
        self.round_trips = 0
        self.rows = 0
        self.saves_ms: list[float] = []
        for name in self.ROUND_TRIPS:
            setattr(store, name, self._counted(getattr(store, name)))
        store.save_many = self._timed(store.save_many)  # type: ignore[method-assign]

    async def settle(self) -> None:
        """Until no round trip happened for ``SETTLE_SECONDS`` (at most ``SETTLE_TIMEOUT``)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SETTLE_TIMEOUT_SECONDS):
                while True:
                    seen = self.round_trips
                    await asyncio.sleep(SETTLE_SECONDS)
                    if self.round_trips == seen:
                        return

    def _counted(self, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.round_trips += 1
            return await call(*args, **kwargs)

        return counted

    def _timed(
        self, save_many: Callable[[Sequence[Task]], Awaitable[None]]
    ) -> Callable[[Sequence[Task]], Awaitable[None]]:
        async def timed(tasks: Sequence[Task]) -> None:
            started = time.perf_counter()
            self.rows += len(tasks)
            try:
                await save_many(tasks)
            finally:
                self.saves_ms.append(1000 * (time.perf_counter() - started))

        return timed


class ArrivalClock:
    """When each result message (a MESSAGE_CREATE with attachments) reached the engine.

    A measuring hook around each account's gateway dispatch callback: it stamps ``time.time()``
    after the gateway client decoded the event, then hands the event on unchanged.
    """

    def __init__(self, engine: Engine) -> None:
        self.arrived: dict[str, float] = {}
        for runtime in engine.accounts.values():
            gateway = runtime.gateway
            gateway._on_dispatch = self._wrap(gateway._on_dispatch)

    def _wrap(self, forward: Dispatch) -> Dispatch:
        def stamped(name: str, data: Mapping[str, Any]) -> None:
            if name == "MESSAGE_CREATE" and data.get("attachments"):
                self.arrived[str(data.get("id"))] = time.time()
            forward(name, data)

        return stamped


class _Finals(asyncio.Queue[Task]):
    """Tells the client process each task that ended SUCCESS, as the engine publishes it.

    A measuring hook among the engine's subscribers: a queue that takes each change in
    ``put_nowait`` and keeps none, so it wakes no task and adds no loop turn. The telling is one
    line on a local socket per task (in place of the client's polling): the client's requests
    and loop turns happen in its own process.
    """

    def __init__(self, notify: asyncio.StreamWriter, *, expected: int) -> None:
        super().__init__()
        self.notify = notify
        self.final: dict[str, TaskStatus] = {}
        self.succeeded = 0
        self.done = asyncio.Event()
        self._expected = expected

    def expect(self, count: int) -> None:
        self._expected = count
        self._check()

    def put_nowait(self, task: Task) -> None:
        if task.is_final and task.id not in self.final:
            self.final[task.id] = task.status
            if task.status is TaskStatus.SUCCESS:
                self.succeeded += 1
                self.notify.write(task.id.encode() + b"\n")
            self._check()

    def _check(self) -> None:
        if len(self.final) >= self._expected:
            self.done.set()


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    total = TASKS_QUICK if quick else TASKS_FULL
    sim_config = {"accounts": ACCOUNTS, "sim": SIM_CONFIG}
    async with (
        Child("bench.simproc", sim_config, workdir / "engine-sim.log") as sim,
        product(workdir / "engine", sim.info, core_size=CORE_SIZE, queue_size=QUEUE_SIZE) as prod,
        contextlib.AsyncExitStack() as stack,
    ):
        host, port = prod.url.removeprefix("http://").split(":")
        client = await stack.enter_async_context(
            Child(
                "bench.fetchproc",
                {"host": host, "port": int(port), "connections": FETCH_CONNECTIONS},
                workdir / "engine-client.log",
            )
        )
        _, notify = await asyncio.open_connection(LOCALHOST, int(client.info["notify_port"]))
        stack.callback(notify.close)
        watch = _Finals(notify, expected=total)
        prod.engine._subscribers.add(watch)
        stack.callback(prod.engine._subscribers.discard, watch)
        arrivals = ArrivalClock(prod.engine)
        store_meter = StoreMeter(prod.store)
        meter = CpuMeter(
            {"engine+API": os.getpid(), "simulator": sim.pid, "fetching client": client.pid}
        )
        meter.start()
        own_cpu = time.process_time()
        started = time.perf_counter()
        accepted: dict[str, int] = {}
        prompts = [f"{PROMPTS[i % len(PROMPTS)]} {i}" for i in range(total)]
        results = await asyncio.gather(*(_submit(prod.engine, p, accepted) for p in prompts))
        ids = [r.result for r in results if r.result is not None and r.code in _ACCEPTED]
        watch.expect(len(ids))
        async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
            await watch.done.wait()
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        await store_meter.settle()  # work that trails the tasks (hooks, image copies) counts too
        own_cpu = time.process_time() - own_cpu
        round_trips = store_meter.round_trips
        fetched = await client.call("seen", expect=watch.succeeded, timeout=SETTLE_TIMEOUT_SECONDS)
        seen: dict[str, float] = fetched["seen"]
        tasks = await prod.engine.get_many(ids)
        message_ids = [t.message_id for t in tasks if t.message_id is not None]
        posted: dict[str, float] = (await sim.call("posted", ids=message_ids))["posted"]
        sent: dict[str, float] = (await sim.call("sent", ids=message_ids))["sent"]
    latencies_ms = _latencies(tasks, seen, sent)
    queued_ms = [
        1000 * (sent[m] - posted[m])
        for m in message_ids
        if sent.get(m) is not None and posted.get(m) is not None
    ]
    engine_ms = _latencies(tasks, seen, arrivals.arrived)
    utilisation, backlog = slot_utilisation(tasks, CORE_SIZE, accepted)
    from_submit, _ = slot_utilisation(tasks, CORE_SIZE)
    failed = sum(1 for t in tasks if t.status is not TaskStatus.SUCCESS)
    run_note = (
        f"{len(ids):,} of {total:,} tasks accepted, {failed} not SUCCESS, {ACCOUNTS} accounts x "
        f"core {CORE_SIZE}, {elapsed:.1f} s; {describe_cpu(cpu)}"
    )
    cpu_per_task = 1000 * own_cpu / max(len(ids), 1)
    return [
        Figure(NAME, "tasks per second", len(ids) / elapsed, "tasks/s", note=run_note),
        Figure(
            NAME,
            "engine+API CPU per task",
            cpu_per_task,
            "ms",
            note=(
                f"this process's CPU time / tasks, until the store fell quiet (12 gateway events, "
                f"store writes, image copy, one fetch each): one core finishes at most "
                f"~{1000 / cpu_per_task:,.0f} tasks/s"
            ),
        ),
        Figure(
            NAME,
            "slot utilisation under backlog",
            100 * utilisation,
            "%",
            at_least(100 * TARGET_UTILISATION),
            f"busy/available slot time over {backlog:.1f} account-seconds of backlog",
        ),
        Figure(
            NAME,
            "slot utilisation, backlog counted from submit",
            100 * from_submit,
            "%",
            note=(
                "the same, with a task waiting from its submit_time: includes the time the "
                "engine spent accepting the burst of submits"
            ),
        ),
        Figure(
            NAME,
            "added latency p50 (final message sent -> fetch SUCCESS)",
            percentile(latencies_ms, 50),
            "ms",
            note=f"{len(latencies_ms):,} tasks; includes one HTTP round trip",
        ),
        Figure(
            NAME,
            "added latency p99 (final message sent -> fetch SUCCESS)",
            percentile(latencies_ms, 99),
            "ms",
            at_most(TARGET_LATENCY_P99_MS),
            f"max {max(latencies_ms, default=float('nan')):.1f} ms",
        ),
        Figure(
            NAME,
            "of which in mjbridge p50 (gateway event -> fetch SUCCESS)",
            percentile(engine_ms, 50),
            "ms",
            note="from the engine's gateway client decoding the final MESSAGE_CREATE",
        ),
        Figure(
            NAME,
            "of which in mjbridge p99 (gateway event -> fetch SUCCESS)",
            percentile(engine_ms, 99),
            "ms",
            note="the rest of the added latency is the socket between the two processes",
        ),
        Figure(
            NAME,
            "simulator's send queue p99 (posted -> sent)",
            percentile(queued_ms, 99),
            "ms",
            note=(
                f"p50 {percentile(queued_ms, 50):.1f} ms; before the message left the simulator, "
                "so not added by mjbridge"
            ),
        ),
        Figure(
            NAME,
            "store round trips per task",
            round_trips / max(len(ids), 1),
            "",
            note=(
                f"one SQLite connection (one thread, one write lock); "
                f"{len(store_meter.saves_ms):,} batched writes of "
                f"{store_meter.rows / max(len(ids), 1):.1f} task rows per task took p50 "
                f"{percentile(store_meter.saves_ms, 50):.1f} ms, p99 "
                f"{percentile(store_meter.saves_ms, 99):.1f} ms including the wait for the lock"
            ),
        ),
    ]


async def _submit(engine: Engine, prompt: str, accepted: dict[str, int]) -> SubmitResult:
    """Submit; note when the engine accepted the task (the call returned): from then it waits."""
    result = await engine.submit_imagine(prompt)
    if result.result is not None:
        accepted[result.result] = int(time.time() * 1000)
    return result


def _latencies(
    tasks: list[Task], seen: Mapping[str, float], since: Mapping[str, float | None]
) -> list[float]:
    """Milliseconds from ``since[result message id]`` to ``seen[task id]``."""
    found: list[float] = []
    for task in tasks:
        start = since.get(task.message_id or "")
        if task.id in seen and start is not None:
            found.append(1000 * (seen[task.id] - start))
    return found
