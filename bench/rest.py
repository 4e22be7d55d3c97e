"""Benchmark 3: ``/mj/task/{id}/fetch`` throughput and latency while tasks run.

Three processes besides this one: the simulator, ``mjbridge serve`` (engine + REST API, the one
measured) and the load generator (``bench.loadgen``: 100 keep-alive connections, each fetching
the running tasks round-robin). The simulated jobs are paced so every task is still running
when the measured window ends; their progress updates keep the engine writing meanwhile.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from bench.endtoend import SIM_IMAGES
from bench.procs import Child, CpuMeter, Json, cpu_seconds, describe_cpu, run_child
from bench.report import Figure, at_least, at_most
from bench.stack import LOCALHOST, mjbridge_serve
from bench.stats import percentile

NAME = "rest"
ACCOUNTS = 20
CONNECTIONS = 100
TARGET_RPS = 3000
TARGET_P99_MS = 50.0
SUBMIT_CONCURRENCY = 20
RUNNING_TIMEOUT_SECONDS = 120.0
LOADGEN_EXTRA_SECONDS = 60.0
POLL_SECONDS = 0.2
WARMUP_SECONDS = 1.0


def sizes(quick: bool) -> tuple[int, float, float]:
    """(tasks, measured seconds, seconds between progress frames)."""
    return (100, 3.0, 1.0) if quick else (500, 10.0, 3.0)


async def submit_many(
    api: httpx.AsyncClient, prompts: list[str], concurrency: int = SUBMIT_CONCURRENCY
) -> list[str]:
    """POST ``/mj/submit/imagine`` for each prompt (``concurrency`` at a time); the task ids."""
    gate = asyncio.Semaphore(concurrency)

    async def one(prompt: str) -> str | None:
        async with gate:
            response = await api.post("/mj/submit/imagine", json={"prompt": prompt})
        body: dict[str, Any] = response.json()
        result = body.get("result")
        return str(result) if body.get("code") in (1, 22) and result else None

    found = await asyncio.gather(*(one(p) for p in prompts))
    return [i for i in found if i is not None]


async def statuses(api: httpx.AsyncClient, ids: list[str]) -> dict[str, int]:
    response = await api.post("/mj/task/list-by-condition", json={"ids": ids})
    counts: dict[str, int] = {}
    for task in response.json():
        counts[task["status"]] = counts.get(task["status"], 0) + 1
    return counts


async def wait_running(api: httpx.AsyncClient, ids: list[str], timeout: float) -> None:
    """Until every task is IN_PROGRESS."""
    async with asyncio.timeout(timeout):
        while True:
            if (await statuses(api, ids)).get("IN_PROGRESS", 0) >= len(ids):
                return
            await asyncio.sleep(POLL_SECONDS)


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    tasks, seconds, step = sizes(quick)
    core = tasks // ACCOUNTS
    sim_config = {
        "accounts": ACCOUNTS,
        "sim": {
            "start_delay_seconds": 0.5,
            "progress_delay_seconds": step,
            "max_concurrent_jobs": core,
            "rest_requests_per_second": 1_000_000,
            **SIM_IMAGES,
        },
    }
    async with (
        Child("bench.simproc", sim_config, workdir / "sim.log") as sim,
        mjbridge_serve(
            workdir / "data",
            sim.info,
            store=workdir / "data" / "mjbridge.db",
            log_path=workdir / "mjbridge-serve.log",
            core_size=core,
            queue_size=10,
        ) as served,
        httpx.AsyncClient(base_url=served.url, timeout=60.0) as api,
    ):
        ids = await submit_many(api, [f"a running fox {i}" for i in range(tasks)])
        await wait_running(api, ids, RUNNING_TIMEOUT_SECONDS)
        port = int(served.url.rsplit(":", 1)[1])
        load = {
            "host": LOCALHOST,
            "port": port,
            "paths": [f"/mj/task/{i}/fetch" for i in ids],
            "connections": CONNECTIONS,
            "seconds": seconds,
            "warmup_seconds": WARMUP_SECONDS,
        }
        meter = CpuMeter({"mjbridge serve": served.pid, "simulator": sim.pid})
        meter.start()
        server_cpu = cpu_seconds(served.pid)
        result = await run_child(
            "bench.loadgen", load, workdir / "loadgen.log", timeout=seconds + LOADGEN_EXTRA_SECONDS
        )
        server_cpu = cpu_seconds(served.pid) - server_cpu
        cpu = meter.stop()
        requests = result["completed"] * (1 + WARMUP_SECONDS / seconds)
        after = await statuses(api, ids)
    return _figures(result, cpu, len(ids), after, 1000 * server_cpu / max(requests, 1))


def _figures(
    result: Json, cpu: dict[str, float], tasks: int, after: dict[str, int], cpu_ms: float
) -> list[Figure]:
    latencies: list[float] = result["latencies_ms"]
    rps = result["completed"] / result["seconds"]
    not_ok = sum(n for code, n in result["status"].items() if code != "200") + result["errors"]
    loadgen_cpu = 100 * result["cpu_seconds"] / result["seconds"]
    running = after.get("IN_PROGRESS", 0)
    context = (
        f"{CONNECTIONS} connections, {result['seconds']:g} s; {running} of {tasks} tasks still "
        f"running at the end; {describe_cpu(cpu)}, load generator CPU ~{loadgen_cpu:.0f}%"
    )
    return [
        Figure(NAME, "fetch throughput", rps, "req/s", at_least(TARGET_RPS), context),
        Figure(NAME, "fetch latency p50", percentile(latencies, 50), "ms"),
        Figure(
            NAME,
            "fetch latency p99",
            percentile(latencies, 99),
            "ms",
            at_most(TARGET_P99_MS),
            f"max {max(latencies, default=float('nan')):.1f} ms; {not_ok} answers not 200",
        ),
        Figure(
            NAME,
            "server CPU per fetch",
            cpu_ms,
            "ms",
            note=(
                f"process CPU time / requests (warm-up included, engine work too): one core "
                f"serves at most ~{1000 / cpu_ms:,.0f} req/s"
            ),
        ),
    ]
