"""The bot's background tasks: held references, pause and resume, cancellation on close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


class BotTasks:
    """Every task the bot starts, so none is lost and ``aclose`` can cancel them all."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._unpaused = asyncio.Event()
        self._unpaused.set()
        self.closing = False

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        self.closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def pause(self) -> None:
        """Jobs stop at their next step until ``resume``."""
        self._unpaused.clear()

    def resume(self) -> None:
        self._unpaused.set()

    async def step(self, delay: float) -> None:
        """Wait ``delay`` seconds of unpaused time between two frames of a job."""
        await self._unpaused.wait()
        await asyncio.sleep(delay)
        await self._unpaused.wait()
