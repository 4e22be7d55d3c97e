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
from collections import OrderedDict, deque
from types import TracebackType

import httpx

from mjcore.api.compat.delivery import CallbackSender
from mjcore.api.compat.hooks import TaskChange, TaskHook
from mjcore.api.compat.node.hooks import NodeHook
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.owners import (
    CompatApi,
    Owner,
    note_new_task,
    on_owner,
    owner_of,
    remember_message,
    write_messages,
)
from mjcore.api.compat.token.hooks import TokenHook
from mjcore.api.compat.trigger.hooks import TriggerHook
from mjcore.clock import now_ms
from mjcore.engine import Engine
from mjcore.models import Task, TaskStatus

log = logging.getLogger(__name__)

SEEN_TASKS_KEPT = 10_000
# A finished task's last change is kept whole this long, so an owner arriving late can still be
# handed it; then only its final status is kept, so a later change (an image seed) does not read
# as its finish again. Whole changes hold two ``Task`` objects each: thousands of them made every
# full garbage collection walk hundreds of thousands of objects (67 ms for 10,000).
FINISHED_WHOLE_SECONDS = 30.0
FINISHED_STATUSES_KEPT = 100_000
_NEW_STATUSES = frozenset({TaskStatus.NOT_START, TaskStatus.MODAL})


class CompatWatcher:
    """An async context manager; while open, every task change reaches the compat hooks."""

    def __init__(
        self,
        engine: Engine,
        *,
        options: CompatOptions | None = None,
        http: httpx.AsyncClient | None = None,
        finished_whole_seconds: float = FINISHED_WHOLE_SECONDS,
    ) -> None:
        self._engine = engine
        self._options = options or CompatOptions()
        self._http = http
        self._stack = contextlib.AsyncExitStack()
        self._seen: OrderedDict[str, TaskChange] = OrderedDict()  # the last change of each task
        self._finished_whole_seconds = finished_whole_seconds
        self._finished_at: deque[tuple[float, str]] = deque()  # when final changes were seen
        # task id -> final status value, for finished tasks no longer kept whole (str to str:
        # the garbage collector does not walk it)
        self._finished: dict[str, str] = {}
        self._started_ms = now_ms()
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
        await write_messages(self._engine.store)

    async def _run(self, queue: asyncio.Queue[Task]) -> None:
        while True:
            task = await queue.get()
            try:
                async with self._lock:
                    await self.handle(task)
            except Exception:
                log.exception("compat hooks failed [task:%s]", task.id)
            # one change per loop turn: handling a burst of changes (a queue that is never
            # empty, and hooks that need not wait) would otherwise hold the loop until it ends
            await asyncio.sleep(0)

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
        finished = self._finished.pop(task.id, None) if previous is None else None
        if finished is not None:  # only its final status is known: enough for every hook
            previous = task.evolve(status=TaskStatus(finished))
        elif previous is None and self._made_since_start(task):
            note_new_task(self._engine.store, task.id)
        if task.status is TaskStatus.SUCCESS and (
            previous is None or previous.status is not TaskStatus.SUCCESS
        ):
            remember_message(self._engine.store, task)
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

    def _made_since_start(self, task: Task) -> bool:
        """A task's first change, made after this watcher started: a new task of this process
        (a task from before, such as one resumed after a restart, has an older submit time)."""
        return task.status in _NEW_STATUSES and task.submit_time >= self._started_ms

    @property
    def changes_kept_whole(self) -> int:
        """How many tasks' last changes are held whole (unfinished and recently finished)."""
        return len(self._seen)

    def _remember(self, change: TaskChange) -> None:
        task_id = change.task.id
        self._seen[task_id] = change
        self._seen.move_to_end(task_id)
        now = asyncio.get_running_loop().time()
        if change.task.is_final:
            self._finished_at.append((now, task_id))
        while self._finished_at and self._finished_at[0][0] <= now - self._finished_whole_seconds:
            _, retired = self._finished_at.popleft()
            kept = self._seen.get(retired)
            if kept is not None and kept.task.is_final:
                del self._seen[retired]
                self._keep_status(kept.task)
        while len(self._seen) > SEEN_TASKS_KEPT:
            _, dropped = self._seen.popitem(last=False)
            self._keep_status(dropped.task)

    def _keep_status(self, task: Task) -> None:
        if not task.is_final:
            return
        self._finished[task.id] = task.status.value
        while len(self._finished) > FINISHED_STATUSES_KEPT:
            del self._finished[next(iter(self._finished))]

    async def _run_hook(self, hook: TaskHook, change: TaskChange) -> None:
        try:
            await hook.on_change(change)
        except Exception:
            log.exception("compat hook %s failed [task:%s]", type(hook).__name__, change.task.id)
