"""Benchmark 4: reading a large store through the REST API.

``mjbridge serve`` runs on a store of 1,000,000 finished tasks (generated once under /tmp). One
client asks, one request at a time: ``/mj/task/list-by-condition`` for 100 random ids, and
``/mj/task/list`` pages of 100 (the newest page, and a deep one). Times are end to end over HTTP.
The file is read once first, so the OS page cache holds it (random ids on a cold 3 GB file
would measure the disk instead).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from bench.datasets import ensure_store, sample_ids
from bench.paths import WORK_ROOT
from bench.procs import Child
from bench.report import Figure, at_most
from bench.stack import mjbridge_serve
from bench.stats import percentile

NAME = "store"
ROWS_FULL = 1_000_000
ROWS_QUICK = 50_000
IDS_PER_REQUEST = 100
PAGE_SIZE = 100
DEEP_OFFSET = 100_000
WARMUP_REQUESTS = 20
REQUESTS_FULL = 300
REQUESTS_QUICK = 50
TARGET_IDS_MS = 5.0
TARGET_PAGE_MS = 20.0
SEED = 7
READ_CHUNK_BYTES = 8 * 1024 * 1024


def store_path(rows: int) -> Path:
    return WORK_ROOT / "datasets" / f"tasks-{rows}.db"


def read_through(path: Path) -> None:
    """Read the whole file once so that the OS keeps it in its page cache."""
    with path.open("rb") as fh:
        while fh.read(READ_CHUNK_BYTES):
            pass


async def _timed(call: Callable[[], Awaitable[httpx.Response]], count: int) -> list[float]:
    for _ in range(WARMUP_REQUESTS):
        (await call()).raise_for_status()
    found: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        response = await call()
        found.append(1000 * (time.perf_counter() - started))
        response.raise_for_status()
    return found


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    rows = ROWS_QUICK if quick else ROWS_FULL
    count = REQUESTS_QUICK if quick else REQUESTS_FULL
    path = store_path(rows)
    generated = await ensure_store(path, rows)
    await asyncio.to_thread(read_through, path)
    rng = random.Random(SEED)
    deep = min(DEEP_OFFSET, rows - PAGE_SIZE)
    async with (
        Child("bench.simproc", {"accounts": 1}, workdir / "sim.log") as sim,
        mjbridge_serve(
            workdir / "data", sim.info, store=path, log_path=workdir / "mjbridge-serve.log"
        ) as served,
        httpx.AsyncClient(base_url=served.url, timeout=60.0) as api,
    ):

        async def by_ids() -> httpx.Response:
            ids = sample_ids(rows, IDS_PER_REQUEST, rng)
            response = await api.post("/mj/task/list-by-condition", json={"ids": ids})
            if len(response.json()) != IDS_PER_REQUEST:
                raise RuntimeError("list-by-condition did not return every id")
            return response

        async def first_page() -> httpx.Response:
            return await api.get("/mj/task/list", params={"limit": PAGE_SIZE, "offset": 0})

        async def deep_page() -> httpx.Response:
            return await api.get("/mj/task/list", params={"limit": PAGE_SIZE, "offset": deep})

        ids_ms = await _timed(by_ids, count)
        page_ms = await _timed(first_page, count)
        deep_ms = await _timed(deep_page, max(count // 5, 1))
    made = f"store generated in {generated:.0f} s" if generated else "store reused from /tmp"
    context = f"{rows:,} stored tasks ({made}); one client, {count} requests each; median"
    return [
        Figure(
            NAME,
            f"list-by-condition, {IDS_PER_REQUEST} ids, p50",
            percentile(ids_ms, 50),
            "ms",
            at_most(TARGET_IDS_MS),
            context,
        ),
        Figure(
            NAME, f"list-by-condition, {IDS_PER_REQUEST} ids, p99", percentile(ids_ms, 99), "ms"
        ),
        Figure(
            NAME,
            f"list page ({PAGE_SIZE} newest), p50",
            percentile(page_ms, 50),
            "ms",
            at_most(TARGET_PAGE_MS),
        ),
        Figure(NAME, f"list page ({PAGE_SIZE} newest), p99", percentile(page_ms, 99), "ms"),
        Figure(
            NAME,
            f"list page at offset {deep:,}, p50",
            percentile(deep_ms, 50),
            "ms",
            note="OFFSET paging walks the skipped index entries",
        ),
    ]
