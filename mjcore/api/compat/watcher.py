"""``CompatWatcher``: follows every task change and lets the compat APIs react.

Node-style notify hooks, trigger API callbacks, token refunds and automatic upscales all come
from here, as does the message index (``compat.messages``) the button routes look ids up in.
The application owns its lifetime::

    async with CompatWatcher(engine, options=options, http=http):
        await server.serve()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from types import TracebackType

import httpx

from mjcore.api.compat.delivery import CallbackSender
from mjcore.api.compat.hooks import TaskChange, TaskHook
from mjcore.api.compat.node.hooks import NodeHook
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.owners import owner_of, remember_message
from mjcore.api.compat.token.hooks import TokenHook
from mjcore.api.compat.trigger.hooks import TriggerHook
from mjcore.engine import Engine
from mjcore.models import Task, TaskStatus

log = logging.getLogger(__name__)

SEEN_TASKS_KEPT = 10_000


class CompatWatcher:
    """An async context manager; while open, every task change reaches the compat hooks."""

    def __init__(
        self,
        engine: Engine,
        *,
        options: CompatOptions | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._engine = engine
        self._options = options or CompatOptions()
        self._http = http
        self._stack = contextlib.AsyncExitStack()
        self._seen: OrderedDict[str, Task] = OrderedDict()
        self._hooks: list[TaskHook] = []
        self._runner: asyncio.Task[None] | None = None
        self._sender: CallbackSender | None = None

    async def __aenter__(self) -> CompatWatcher:
        stack = self._stack
        http = self._http
        if http is None:
            http = await stack.enter_async_context(httpx.AsyncClient())
        self._sender = await stack.enter_async_context(
            CallbackSender(
                http,
                timeout_seconds=self._options.callback_timeout_seconds,
                attempts=self._options.callback_attempts,
            )
        )
        self._hooks = [
            NodeHook(self._engine, self._sender),
            TriggerHook(self._engine, self._options, self._sender),
            TokenHook(self._engine),
        ]
        queue = await stack.enter_async_context(self._engine.subscribe())
        self._runner = asyncio.create_task(self._run(queue), name="compat-watcher")
        stack.push_async_callback(self._stop)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def _stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None

    async def _run(self, queue: asyncio.Queue[Task]) -> None:
        while True:
            task = await queue.get()
            try:
                await self.handle(task)
            except Exception:
                log.exception("compat hooks failed [task:%s]", task.id)

    async def handle(self, task: Task) -> None:
        """Run every hook for one task change."""
        previous = self._seen.pop(task.id, None)
        self._seen[task.id] = task
        while len(self._seen) > SEEN_TASKS_KEPT:
            self._seen.popitem(last=False)
        if task.status is TaskStatus.SUCCESS and (
            previous is None or previous.status is not TaskStatus.SUCCESS
        ):
            await remember_message(self._engine.store, task)
        change = TaskChange(task, previous, await owner_of(self._engine.store, task.id))
        for hook in self._hooks:
            try:
                await hook.on_change(change)
            except Exception:
                log.exception("compat hook %s failed [task:%s]", type(hook).__name__, task.id)
