"""An HTTP/1.1 keep-alive load generator (``python -m bench.loadgen '<json>'``), one process.

Config: ``host``, ``port``, ``paths`` (requested round-robin), ``connections``, ``seconds``,
``warmup_seconds``. Each connection sends a GET, reads the whole answer, records the latency and
sends the next one. Written on raw asyncio streams (uvloop when installed) so that one core
drives thousands of requests per second; prints one protocol line with the results:
``completed`` (during the measured window), ``errors``, ``status`` counts and ``latencies_ms``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Iterator

from bench.procs import Json, child_config, run_fast, send
from bench.rawhttp import get_request, read_response

CONNECT_TIMEOUT_SECONDS = 10.0


class _Window:
    def __init__(self, warmup: float, seconds: float) -> None:
        now = time.perf_counter()
        self.start = now + warmup
        self.end = self.start + seconds

    def measuring(self, at: float) -> bool:
        return self.start <= at < self.end


async def _client(
    host: str,
    port: int,
    paths: Iterator[bytes],
    window: _Window,
    latencies: list[float],
    statuses: Counter[int],
    errors: list[str],
) -> None:
    async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
        reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < window.end:
            request = get_request(next(paths), host, port)
            sent = time.perf_counter()
            writer.write(request)
            try:
                status, _ = await read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                errors.append(type(exc).__name__)
                return
            done = time.perf_counter()
            if window.measuring(sent):
                latencies.append((done - sent) * 1000)
                statuses[status] += 1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def generate(config: Json) -> Json:
    window = _Window(float(config.get("warmup_seconds", 1.0)), float(config["seconds"]))
    paths = itertools.cycle([str(p).encode() for p in config["paths"]])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    clients = [
        _client(config["host"], int(config["port"]), paths, window, latencies, statuses, errors)
        for _ in range(int(config["connections"]))
    ]
    await asyncio.gather(*clients)
    return {
        "completed": len(latencies),
        "seconds": float(config["seconds"]),
        "status": {str(k): v for k, v in statuses.items()},
        "errors": len(errors),
        "latencies_ms": [round(v, 3) for v in latencies],
    }


async def main() -> None:
    config = child_config()
    result = await generate(config)
    result["cpu_seconds"] = time.process_time()
    send(result)


if __name__ == "__main__":
    run_fast(main)
