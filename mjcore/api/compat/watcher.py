"""``CompatWatcher``: follows every task change and lets the compat APIs react.

Node-style notify hooks, trigger API callbacks, token refunds and automatic upscales all come
from here, as does the message index (``compat.messages``) the button routes look ids up in.
A compat route writes a task's owner after the engine accepted the task, so a change can come
first (a refused prompt fails at once): when the owner arrives, the last change passed over
for want of it is delivered again, with the owner, to the hook of the owner's API.
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
from mjcore.api.compat.owners import CompatApi, Owner, on_owner, owner_of, remember_message
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
        self._seen: OrderedDict[str, TaskChange] = OrderedDict()  # the last change of each task
        self._hooks: list[TaskHook] = []
        self._owned_hooks: dict[CompatApi, TaskHook] = {}
        self._trigger: TriggerHook | None = None
        self._lock = asyncio.Lock()  # one change (or late owner) handled at a time
        self._arrivals: asyncio.Queue[tuple[str, Owner]] = asyncio.Queue()
        self._runners: list[asyncio.Task[None]] = []
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
        node = NodeHook(self._engine, self._sender)
        self._trigger = TriggerHook(self._engine, self._options, self._sender)
        token = TokenHook(self._engine)
        self._hooks = [node, self._trigger, token]
        self._owned_hooks = {
            CompatApi.NODE: node,
            CompatApi.TRIGGER: self._trigger,
            CompatApi.TOKEN: token,
        }
        queue = await stack.enter_async_context(self._engine.subscribe())
        stack.callback(on_owner(self._engine.store, self._owner_arrived))
        self._runners = [
            asyncio.create_task(self._run(queue), name="compat-watcher"),
            asyncio.create_task(self._run_arrivals(), name="compat-watcher-owners"),
        ]
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
        for runner in self._runners:
            runner.cancel()
        for runner in self._runners:
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        self._runners = []

    async def _run(self, queue: asyncio.Queue[Task]) -> None:
        while True:
            task = await queue.get()
            try:
                async with self._lock:
                    await self.handle(task)
            except Exception:
                log.exception("compat hooks failed [task:%s]", task.id)

    def _owner_arrived(self, task_id: str, owner: Owner) -> None:
        self._arrivals.put_nowait((task_id, owner))

    async def _run_arrivals(self) -> None:
        while True:
            task_id, owner = await self._arrivals.get()
            try:
                async with self._lock:
                    await self._deliver_late(task_id, owner)
            except Exception:
                log.exception("compat hooks failed [task:%s]", task_id)

    async def handle(self, task: Task) -> None:
        """Run every hook for one task change."""
        last = self._seen.pop(task.id, None)
        previous = None if last is None else last.task
        if task.status is TaskStatus.SUCCESS and (
            previous is None or previous.status is not TaskStatus.SUCCESS
        ):
            await remember_message(self._engine.store, task)
        change = TaskChange(task, previous, await owner_of(self._engine.store, task.id))
        self._remember(change)
        for hook in self._hooks:
            await self._run_hook(hook, change)

    async def _deliver_late(self, task_id: str, owner: Owner) -> None:
        """The last change of ``task_id``, if the hooks saw it without an owner, again for the
        hook of ``owner``'s API (unless it already took the task by its prompt's marker)."""
        last = self._seen.get(task_id)
        if last is None or last.owner is not None:
            return
        self._remember(TaskChange(last.task, last.previous, owner))
        hook = self._owned_hooks.get(owner.api)
        if hook is None:
            return
        if hook is self._trigger and self._trigger.trigger_id(last) is not None:
            return
        log.debug("owner arrived after a change [task:%s owner:%s]", task_id, owner.encode())
        await self._run_hook(hook, TaskChange(last.task, last.previous, owner))

    def _remember(self, change: TaskChange) -> None:
        self._seen[change.task.id] = change
        self._seen.move_to_end(change.task.id)
        while len(self._seen) > SEEN_TASKS_KEPT:
            self._seen.popitem(last=False)

    async def _run_hook(self, hook: TaskHook, change: TaskChange) -> None:
        try:
            await hook.on_change(change)
        except Exception:
            log.exception("compat hook %s failed [task:%s]", type(hook).__name__, change.task.id)
