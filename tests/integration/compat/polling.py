"""Polling with a bound: every wait in these tests ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

POLL_SECONDS = 0.02
WAIT_SECONDS = 20.0


async def poll(ready: Callable[[Any], Awaitable[bool]], timeout: float = WAIT_SECONDS) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await ready(None):
                return
            await asyncio.sleep(POLL_SECONDS)
