"""Benchmark 5: peak RSS of ``mjbridge serve`` with a large store and many tasks in flight.

The store starts with 100,000 finished tasks (a copy of the generated one); 1,000 tasks are
submitted over REST to 20 simulated accounts with room for all of them to run at once, while a
client reads list pages. Peak RSS is the process's ``VmHWM`` once every task has finished.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx

from bench.datasets import ensure_store
from bench.endtoend import SIM_IMAGES
from bench.procs import Child, memory_kib
from bench.report import Figure, at_most
from bench.rest import statuses, submit_many
from bench.stack import mjbridge_serve
from bench.store import store_path

NAME = "memory"
ACCOUNTS = 20
SUBMIT_CONCURRENCY = 50
POLL_SECONDS = 0.25
FINISH_TIMEOUT_SECONDS = 300.0
TARGET_MIB = 250
KIB_PER_MIB = 1024
PAGE_SIZE = 100


def sizes(quick: bool) -> tuple[int, int]:
    """(stored tasks, tasks in flight)."""
    return (10_000, 200) if quick else (100_000, 1000)


def _copy_store(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


async def _in_flight(api: httpx.AsyncClient) -> int:
    health = (await api.get("/health")).json()
    return sum(int(a["running"]) + int(a["queued"]) for a in health["accounts"])


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    stored, in_flight = sizes(quick)
    source = store_path(stored)
    await ensure_store(source, stored)
    db = workdir / "data" / "mjbridge.db"
    _copy_store(source, db)
    sim_config = {
        "accounts": ACCOUNTS,
        "sim": {
            "start_delay_seconds": 0.5,
            "progress_delay_seconds": 0.5 if quick else 1.0,
            "max_concurrent_jobs": in_flight // ACCOUNTS,
            "rest_requests_per_second": 1_000_000,
            **SIM_IMAGES,
        },
    }
    async with (
        Child("bench.simproc", sim_config, workdir / "sim.log") as sim,
        mjbridge_serve(
            workdir / "data",
            sim.info,
            store=db,
            log_path=workdir / "mjbridge-serve.log",
            core_size=in_flight // ACCOUNTS,
            queue_size=10,
        ) as served,
        httpx.AsyncClient(base_url=served.url, timeout=60.0) as api,
    ):
        ready_kib = memory_kib(served.pid)["VmRSS"]
        prompts = [f"a remembered fox {i}" for i in range(in_flight)]
        submitting = asyncio.ensure_future(submit_many(api, prompts, SUBMIT_CONCURRENCY))
        most = 0
        async with asyncio.timeout(FINISH_TIMEOUT_SECONDS):
            while not submitting.done() or await _in_flight(api) > 0:
                most = max(most, await _in_flight(api))
                await api.get("/mj/task/list", params={"limit": PAGE_SIZE})
                await asyncio.sleep(POLL_SECONDS)
        ids = submitting.result()
        finished = await statuses(api, ids)
        memory = memory_kib(served.pid)
    peak = memory["VmHWM"] / KIB_PER_MIB
    context = (
        f"{stored:,} stored, {len(ids):,} submitted, at most {most:,} in flight at once; "
        f"finished: {finished}"
    )
    return [
        Figure(NAME, "peak RSS (VmHWM)", peak, "MiB", at_most(TARGET_MIB), context),
        Figure(NAME, "RSS when ready, before the tasks", ready_kib / KIB_PER_MIB, "MiB"),
        Figure(NAME, "RSS after every task finished", memory["VmRSS"] / KIB_PER_MIB, "MiB"),
    ]
