"""The storage seam: ``TaskStore`` (tasks + small key/value tables) and ``NotifyOutbox``.

Every implementation passes the same contract suite (``tests/unit/test_store_contract.py``).
Ordering rules shared by all of them:

- ``list`` returns the newest ``submit_time`` first, ties broken by ``id`` descending;
- ``unfinished`` returns the oldest ``submit_time`` first, ties broken by ``id`` ascending;
- a filter given as ``None`` does not filter, an empty collection matches nothing.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from mjcore.errors import MjError
from mjcore.models import FINAL_STATUSES, Task, TaskAction, TaskStatus

UNFINISHED_STATUSES = frozenset(TaskStatus) - FINAL_STATUSES
DEFAULT_PAGE_SIZE = 100


class StoreError(MjError):
    """The store cannot be used (closed, or its schema is newer than this version knows)."""


@dataclass(frozen=True, slots=True)
class TaskView:
    """What a reader sends for a task, kept next to its document so that reads skip rendering.

    ``render`` gives the bytes for a task, or ``None`` when the task gets no stored view.
    ``key`` names the rendering (its settings and format): a view written under another key
    is never handed out, so changing either only costs the speed-up for older rows.
    """

    key: str
    render: Callable[[Task], bytes | None]


class StoredReads(NamedTuple):
    """What ``TaskStore.get_views`` found: each known id is in exactly one of the two."""

    views: dict[str, bytes]
    documents: dict[str, bytes]


class TaskStore(ABC):
    """Durable home of tasks. An async context manager: ``async with store: ...``."""

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def connect(self) -> None:
        """Acquire resources (open files, connections). Idempotent."""

    @abstractmethod
    async def close(self) -> None:
        """Release resources. Idempotent."""

    @abstractmethod
    async def save(self, task: Task) -> None:
        """Insert or replace the task with ``task.id``."""

    async def save_many(self, tasks: Sequence[Task]) -> None:
        """``save`` each task; stores that can, do it in one transaction."""
        for task in tasks:
            await self.save(task)

    @abstractmethod
    async def get(self, task_id: str) -> Task | None: ...

    @abstractmethod
    async def get_many(self, ids: Sequence[str]) -> list[Task]:
        """Tasks in the order of ``ids``; unknown ids are skipped."""

    @abstractmethod
    async def get_documents(self, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored documents of these tasks (``codec`` format, UTF-8 JSON) by id; unknown
        ids are absent. Builds no ``Task``: for readers that render the documents directly."""

    async def use_view(self, view: TaskView) -> None:
        """Keep ``view`` of every task saved from now on. Stores without room for views (the
        in-memory one, which needs no shortcut) ignore it."""
        return

    async def get_views(self, ids: Sequence[str]) -> StoredReads:
        """The current view of each task that has one, the stored document of the others."""
        return StoredReads({}, await self.get_documents(ids))

    @abstractmethod
    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        statuses: Collection[TaskStatus] | None = None,
        actions: Collection[TaskAction] | None = None,
        account_id: str | None = None,
    ) -> list[Task]:
        """One page of tasks, newest ``submit_time`` first."""

    @abstractmethod
    async def count(self, *, statuses: Collection[TaskStatus] | None = None) -> int: ...

    @abstractmethod
    async def unfinished(self) -> builtins.list[Task]:
        """Tasks whose status is not final, oldest ``submit_time`` first."""

    @abstractmethod
    async def delete(self, task_id: str) -> bool:
        """Remove a task; ``True`` when it existed."""

    @abstractmethod
    async def kv_put(self, namespace: str, key: str, value: str) -> None: ...

    async def kv_put_many(self, namespace: str, items: Sequence[tuple[str, str]]) -> None:
        """Write several keys of ``namespace`` (a key given twice keeps its last value)."""
        for key, value in items:
            await self.kv_put(namespace, key, value)

    @abstractmethod
    async def kv_get(self, namespace: str, key: str) -> str | None: ...

    @abstractmethod
    async def kv_delete(self, namespace: str, key: str) -> None: ...

    @abstractmethod
    async def kv_items(self, namespace: str) -> builtins.list[tuple[str, str]]:
        """Every ``(key, value)`` of ``namespace``, sorted by key."""

    @abstractmethod
    def outbox(self) -> NotifyOutbox:
        """The notify-hook outbox kept next to the tasks (same file for SQLite)."""


def check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must not be negative (limit={limit}, offset={offset})")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending notify-hook delivery. Times are unix seconds."""

    id: int
    task_id: str
    url: str
    body: str
    status_order: float
    attempts: int
    next_attempt_at: float
    created_at: float


class NotifyOutbox(Protocol):
    """Storage side of notify-hook delivery (``mjcore.notify.Notifier`` is the delivery side).

    Items of one task form a queue in insertion (``id``) order; only its head is ever *due*.
    """

    async def add(
        self, task_id: str, url: str, body: str, status_order: float, *, now: float
    ) -> int:
        """Queue an item, due at once; returns its id."""
        ...

    async def due(
        self, now: float, *, limit: int, exclude: Collection[str] = ()
    ) -> list[OutboxItem]:
        """Heads of task queues with ``next_attempt_at <= now``, earliest first.

        Tasks in ``exclude`` (deliveries in flight) are skipped.
        """
        ...

    async def next_due(self, *, exclude: Collection[str] = ()) -> float | None:
        """Earliest ``next_attempt_at`` among heads outside ``exclude``; ``None`` when none."""
        ...

    async def reschedule(self, item_id: int, *, attempts: int, next_attempt_at: float) -> None: ...

    async def remove(self, item_id: int) -> None:
        """Drop an item without recording a delivery."""
        ...

    async def mark_delivered(self, item: OutboxItem, *, now: float) -> None:
        """Remember the item's order as delivered for its task, then remove it."""
        ...

    async def last_delivered_order(self, task_id: str) -> float | None: ...

    async def forget_delivered(self, before: float) -> int:
        """Drop delivery records older than ``before``; returns how many."""
        ...

    async def pending_count(self) -> int: ...

    async def pending(self, task_id: str | None = None) -> list[OutboxItem]:
        """Pending items (of one task, or all) in queue order."""
        ...
