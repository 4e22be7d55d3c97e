"""Notify-hook delivery: every task change is POSTed as JSON to the task's ``notifyHook`` URL.

Items wait in a durable outbox (:class:`~mjcore.store.base.NotifyOutbox`; for SQLite the same file
as the tasks) until the hook answers 2xx. Rules:

- items of one task go out one at a time, in the order they were queued;
- an item whose ``status_order`` is below the last one delivered for its task is dropped
  (never an IN_PROGRESS after the SUCCESS); equal orders are delivered;
- non-2xx answers, timeouts and connection errors are retried with exponential backoff
  (``Retry-After`` is honoured up to ``max_delay``); after ``max_attempts`` the item is given up
  with a warning and the task's next item follows;
- different tasks are delivered concurrently, ``concurrency`` at a time;
- delivery is at least once: a hook may see an item again if the process stops between the
  hook's answer and the outbox update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from mjcore.models import Task, TaskStatus
from mjcore.store.base import NotifyOutbox, OutboxItem

__all__ = ["Notifier", "NotifyOutbox", "OutboxItem", "notify_order"]

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_BASE_DELAY = 1.0
DEFAULT_MAX_DELAY = 300.0
DEFAULT_CONCURRENCY = 8
DEFAULT_REQUEST_TIMEOUT = 10.0
# Longest the loop sleeps without looking at the outbox (guards against clock jumps).
MAX_IDLE_WAIT = 60.0
# Delivery records (last delivered order per task) are kept this long.
DELIVERED_RETENTION = 24 * 3600.0
PRUNE_INTERVAL = 3600.0
_HEADERS = {"Content-Type": "application/json"}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_PERCENT_SCALE = 100.0
_MAX_EXPONENT = 60  # 2**60 exceeds any sensible max_delay / base_delay ratio


def notify_order(task: Task) -> float:
    """Order of a task state for the outbox: ``status.order``, plus progress/100 while running."""
    order = float(task.status.order)
    if task.status is TaskStatus.IN_PROGRESS:
        match = _PERCENT.search(task.progress)
        if match is not None:
            order += min(float(match.group(1)), _PERCENT_SCALE - 1) / _PERCENT_SCALE
    return order


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    retry_after: float | None = None
    permanent: bool = False


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class Notifier:
    """Delivers outbox items; an async context manager running the delivery loop in a TaskGroup.

    ``enqueue`` works whether or not the loop runs: items wait in the outbox.
    """

    def __init__(
        self,
        outbox: NotifyOutbox,
        client: httpx.AsyncClient,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        base_delay: float = DEFAULT_BASE_DELAY,
        max_delay: float = DEFAULT_MAX_DELAY,
        concurrency: int = DEFAULT_CONCURRENCY,
        clock: Callable[[], float] = time.time,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        if max_attempts < 1 or concurrency < 1:
            raise ValueError("max_attempts and concurrency must be at least 1")
        self._outbox = outbox
        self._client = client
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._concurrency = concurrency
        self._clock = clock
        self._request_timeout = request_timeout
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        # an idle verdict is only trusted when no enqueue started or ran during the check
        self._generation = 0
        self._adding = 0
        self._runner: asyncio.Task[None] | None = None
        self._pause_until = 0.0
        self._errors = 0
        self._last_prune = float("-inf")
        # counters for metrics
        self.failures = 0
        self.delivered = 0
        self.dropped = 0
        self.given_up = 0

    async def __aenter__(self) -> Self:
        if self._runner is not None:
            raise RuntimeError("notifier already running")
        self._runner = asyncio.create_task(self._run(), name="notifier")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the loop; deliveries in flight are cancelled and stay in the outbox."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        runner.cancel()
        await asyncio.wait([runner])
        error = None if runner.cancelled() else runner.exception()
        if error is not None:
            raise error

    def retry_delay(self, attempts: int) -> float:
        """Wait after ``attempts`` failures: ``base_delay * 2**(attempts-1)``, at most max."""
        exponent = min(max(attempts - 1, 0), _MAX_EXPONENT)
        return min(self._max_delay, self._base_delay * 2.0**exponent)

    async def enqueue(
        self, task_id: str, url: str, body: Mapping[str, Any], status_order: float
    ) -> None:
        """Queue ``body`` (the contract Task JSON) for ``url``; durable once this returns."""
        if not url:
            return
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        last = await self._outbox.last_delivered_order(task_id)
        if last is not None and status_order < last:
            self.dropped += 1
            log.debug(
                "notify dropped, older than delivered [task:%s order:%s last:%s]",
                task_id,
                status_order,
                last,
            )
            return
        self._generation += 1
        self._adding += 1
        self._idle.clear()
        try:
            await self._outbox.add(task_id, url, payload, status_order, now=self._clock())
        finally:
            self._adding -= 1
        self._wake.set()

    async def wait_idle(self, timeout: float) -> None:
        """Wait until the outbox is empty and nothing is in flight; ``TimeoutError`` otherwise."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    # the loop

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            while True:
                self._wake.clear()
                try:
                    wait = await self._pass(group)
                except Exception:
                    self._errors += 1
                    wait = self.retry_delay(self._errors)
                    log.exception("notify loop failed, retrying in %.1fs", wait)
                else:
                    self._errors = 0
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()

    async def _pass(self, group: asyncio.TaskGroup) -> float:
        """Start due deliveries; returns how long to sleep unless woken."""
        generation = self._generation
        now = self._clock()
        if now - self._last_prune >= PRUNE_INTERVAL:
            self._last_prune = now
            await self._outbox.forget_delivered(now - DELIVERED_RETENTION)
        if now < self._pause_until:
            return self._pause_until - now
        free = self._concurrency - len(self._in_flight)
        if free > 0:
            for item in await self._outbox.due(now, limit=free, exclude=self._in_flight):
                self._in_flight.add(item.task_id)
                group.create_task(self._deliver(item), name=f"notify-{item.id}")
        empty = not self._in_flight and await self._outbox.pending_count() == 0
        if empty and not self._adding and generation == self._generation:
            self._idle.set()
        if len(self._in_flight) >= self._concurrency:
            return MAX_IDLE_WAIT  # a finishing delivery wakes the loop
        next_due = await self._outbox.next_due(exclude=self._in_flight)
        if next_due is None:
            return MAX_IDLE_WAIT
        return min(max(next_due - self._clock(), 0.0), MAX_IDLE_WAIT)

    async def _deliver(self, item: OutboxItem) -> None:
        try:
            await self._attempt(item)
        except Exception:
            self._errors += 1
            delay = self.retry_delay(self._errors)
            self._pause_until = self._clock() + delay
            log.exception(
                "notify delivery failed to update the outbox [task:%s item:%d], pausing %.1fs",
                item.task_id,
                item.id,
                delay,
            )
        finally:
            self._in_flight.discard(item.task_id)
            self._wake.set()

    async def _attempt(self, item: OutboxItem) -> None:
        last = await self._outbox.last_delivered_order(item.task_id)
        if last is not None and item.status_order < last:
            await self._outbox.remove(item.id)
            self.dropped += 1
            log.debug(
                "notify dropped, older than delivered [task:%s item:%d order:%s last:%s]",
                item.task_id,
                item.id,
                item.status_order,
                last,
            )
            return
        failure = await self._post(item)
        if failure is None:
            await self._outbox.mark_delivered(item, now=self._clock())
            self.delivered += 1
            log.debug("notify delivered [task:%s item:%d]", item.task_id, item.id)
            return
        self.failures += 1
        attempts = item.attempts + 1
        host = _host(item.url)
        if failure.permanent or attempts >= self._max_attempts:
            await self._outbox.remove(item.id)
            self.given_up += 1
            log.warning(
                "notify given up after %d attempt(s) [task:%s item:%d host:%s]: %s",
                attempts,
                item.task_id,
                item.id,
                host,
                failure.reason,
            )
            return
        delay = self.retry_delay(attempts)
        if failure.retry_after is not None:
            delay = max(delay, min(failure.retry_after, self._max_delay))
        await self._outbox.reschedule(
            item.id, attempts=attempts, next_attempt_at=self._clock() + delay
        )
        log.info(
            "notify failed, retry %d/%d in %.2fs [task:%s item:%d host:%s]: %s",
            attempts,
            self._max_attempts,
            delay,
            item.task_id,
            item.id,
            host,
            failure.reason,
        )

    async def _post(self, item: OutboxItem) -> _Failure | None:
        try:
            response = await self._client.post(
                item.url,
                content=item.body.encode(),
                headers=_HEADERS,
                timeout=self._request_timeout,
            )
        except httpx.TimeoutException:
            return _Failure(f"no answer within {self._request_timeout:g}s")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return _Failure(f"bad hook URL: {exc}", permanent=True)
        except httpx.HTTPError as exc:
            return _Failure(f"{type(exc).__name__}: {exc}")
        if response.is_success:
            return None
        return _Failure(f"HTTP {response.status_code}", retry_after=_retry_after(response))


def _host(url: str) -> str:
    """The host of a hook URL, for logs (paths and queries may carry secrets)."""
    try:
        return httpx.URL(url).host or "?"
    except httpx.InvalidURL:
        return "?"
