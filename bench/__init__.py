"""Benchmarks of the engine, the REST API and the Telegram bot (``make bench``; never in tests).

Each benchmark is ``async def run(*, quick, workdir, profile) -> list[Figure]``. Work files go
under ``WORK_ROOT``, never into the repository; the generated stores are kept there between runs
(the 1,000,000-task store is a 3 GB file that takes about three minutes to make the first time).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bench import endtoend, memory, pipeline, rest, store, telegram
from bench.paths import WORK_ROOT
from bench.report import Figure

Benchmark = Callable[..., Awaitable[list[Figure]]]

BENCHMARKS: dict[str, Benchmark] = {
    pipeline.NAME: pipeline.run,
    endtoend.NAME: endtoend.run,
    rest.NAME: rest.run,
    store.NAME: store.run,
    memory.NAME: memory.run,
    telegram.NAME: telegram.run,
}

__all__ = ["BENCHMARKS", "WORK_ROOT", "Benchmark"]
