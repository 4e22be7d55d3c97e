"""Benchmark 4: reading a large store through the REST API.

``mjbridge serve`` runs on a store of 1,000,000 finished tasks (generated once under /tmp, with
the stored views a server with ``MJ_PUBLIC_URL`` set writes; the server gets that URL). One
client asks, one request at a time: ``/mj/task/list-by-condition`` for 100 random ids, and
``/mj/task/list`` pages of 100 (the newest page, and a deep one). Times are end to end over HTTP.
The file is read once first, so the OS page cache holds it (random ids on a cold 3 GB file
would measure the disk instead).

The client is not the product, so it is kept cheap: it writes prepared requests on one keep-alive
connection, reads the answers with ``bench.rawhttp`` and checks each answer (all ids, in order; a
full page) after its time is taken. Until 2026-11-21 the times included an httpx client and the
parsing of each 220 KB answer: on this machine httpx added 1.7-2.5 ms to a list-by-condition
request and the parsing 1.1-1.6 ms more, so figures before that date are not comparable.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench.datasets import FORMAT, PUBLIC_URL, ensure_store, sample_ids
from bench.paths import WORK_ROOT
from bench.procs import Child
from bench.rawhttp import REQUEST_TIMEOUT_SECONDS, read_response
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
HTTP_OK = 200


def store_path(rows: int) -> Path:
    return WORK_ROOT / "datasets" / f"tasks-{rows}-v{FORMAT}.db"


def read_through(path: Path) -> None:
    """Read the whole file once so that the OS keeps it in its page cache."""
    with path.open("rb") as fh:
        while fh.read(READ_CHUNK_BYTES):
            pass


class Connection:
    """One keep-alive HTTP/1.1 connection that sends prepared requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.host, self.port = writer.get_extra_info("peername")[:2]
        self._reader = reader
        self._writer = writer

    def get(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()

    def post_json(self, path: str, body: object) -> bytes:
        content = json.dumps(body, separators=(",", ":")).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
        )
        return head.encode() + content

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self._writer.write(request)
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            return await read_response(self._reader)


@contextlib.asynccontextmanager
async def connect(url: str) -> AsyncIterator[Connection]:
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        yield Connection(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _timed(
    api: Connection,
    make: Callable[[], bytes],
    count: int,
    check: Callable[[bytes], None] = lambda body: None,
) -> list[float]:
    """Times of ``count`` requests made by ``make`` (prepared before the clock starts)."""
    found: list[float] = []
    for n in range(WARMUP_REQUESTS + count):
        request = make()
        started = time.perf_counter()
        status, body = await api.send(request)
        elapsed = 1000 * (time.perf_counter() - started)
        if status != HTTP_OK:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        check(body)
        if n >= WARMUP_REQUESTS:
            found.append(elapsed)
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
            workdir / "data",
            sim.info,
            store=path,
            log_path=workdir / "mjbridge-serve.log",
            public_url=PUBLIC_URL,
        ) as served,
        connect(served.url) as api,
    ):
        asked: list[list[str]] = []

        def by_ids() -> bytes:
            asked.append(sample_ids(rows, IDS_PER_REQUEST, rng))
            return api.post_json("/mj/task/list-by-condition", {"ids": asked[-1]})

        def every_id(body: bytes) -> None:
            if [task["id"] for task in json.loads(body)] != asked[-1]:
                raise RuntimeError("list-by-condition did not return every id in order")

        def page(offset: int) -> Callable[[], bytes]:
            request = api.get(f"/mj/task/list?limit={PAGE_SIZE}&offset={offset}")
            return lambda: request

        def full_page(body: bytes) -> None:
            if len(json.loads(body)) != PAGE_SIZE:
                raise RuntimeError("a list page is not full")

        ids_ms = await _timed(api, by_ids, count, every_id)
        page_ms = await _timed(api, page(0), count, full_page)
        deep_ms = await _timed(api, page(deep), max(count // 5, 1), full_page)
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
