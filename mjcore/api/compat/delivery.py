"""Pushing compat callbacks: one worker POSTs JSON bodies in the order they were queued.

A body is retried only when the receiver could not be reached (connection error or timeout), as
the trigger API's original does; any HTTP answer counts as delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

log = logging.getLogger(__name__)

RETRY_DELAY_SECONDS = 1.0
DRAIN_SECONDS = 5.0  # on exit, callbacks still queued get this long to go out
_JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class Callback:
    url: str
    body: dict[str, Any]
    task_id: str  # for logs


class CallbackSender:
    """An async context manager: entering starts the worker; leaving lets the queued callbacks
    go out for up to ``drain_seconds``, then stops it."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout_seconds: float,
        attempts: int,
        retry_delay_seconds: float = RETRY_DELAY_SECONDS,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._http = http
        self._timeout = timeout_seconds
        self._attempts = max(attempts, 1)
        self._retry_delay = retry_delay_seconds
        self._drain = drain_seconds
        self._queue: asyncio.Queue[Callback] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CallbackSender:
        self._worker = asyncio.create_task(self._run(), name="compat-callbacks")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._drain):
                    await self._queue.join()
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    def send(self, callback: Callback) -> None:
        self._queue.put_nowait(callback)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def _run(self) -> None:
        while True:
            callback = await self._queue.get()
            try:
                await self._deliver(callback)
            finally:
                self._queue.task_done()

    async def _deliver(self, callback: Callback) -> None:
        content = json.dumps(callback.body, ensure_ascii=False).encode()
        for attempt in range(1, self._attempts + 1):
            try:
                response = await self._http.post(
                    callback.url, content=content, headers=_JSON_HEADERS, timeout=self._timeout
                )
            except httpx.TransportError as exc:
                log.warning(
                    "callback not delivered [task:%s attempt:%d/%d] %s",
                    callback.task_id,
                    attempt,
                    self._attempts,
                    type(exc).__name__,
                )
                if attempt < self._attempts:
                    await asyncio.sleep(self._retry_delay)
                continue
            except httpx.HTTPError as exc:
                log.warning("callback failed [task:%s] %s", callback.task_id, exc)
                return
            log.debug(
                "callback delivered [task:%s status:%d]", callback.task_id, response.status_code
            )
            return
