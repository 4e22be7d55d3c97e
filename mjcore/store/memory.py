"""In-process stores: nothing survives a restart. For tests and throw-away runs."""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.store.base import (
    DEFAULT_PAGE_SIZE,
    UNFINISHED_STATUSES,
    NotifyOutbox,
    OutboxItem,
    TaskStore,
    check_page,
)
from mjcore.store.codec import task_to_json


class MemoryTaskStore(TaskStore):
    """Tasks, key/value pairs and the notify outbox in dictionaries."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._kv: dict[str, dict[str, str]] = {}
        self._outbox = MemoryNotifyOutbox()

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def save(self, task: Task) -> None:
        self._tasks[task.id] = task

    async def get(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    async def get_many(self, ids: Sequence[str]) -> builtins.list[Task]:
        return [self._tasks[i] for i in ids if i in self._tasks]

    async def get_documents(self, ids: Sequence[str]) -> dict[str, bytes]:
        return {i: task_to_json(self._tasks[i]).encode() for i in ids if i in self._tasks}

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        statuses: Collection[TaskStatus] | None = None,
        actions: Collection[TaskAction] | None = None,
        account_id: str | None = None,
    ) -> builtins.list[Task]:
        check_page(limit, offset)
        chosen = [
            t
            for t in self._tasks.values()
            if (statuses is None or t.status in statuses)
            and (actions is None or t.action in actions)
            and (account_id is None or t.account_id == account_id)
        ]
        chosen.sort(key=lambda t: (t.submit_time, t.id), reverse=True)
        return chosen[offset : offset + limit]

    async def count(self, *, statuses: Collection[TaskStatus] | None = None) -> int:
        if statuses is None:
            return len(self._tasks)
        return sum(1 for t in self._tasks.values() if t.status in statuses)

    async def unfinished(self) -> builtins.list[Task]:
        chosen = [t for t in self._tasks.values() if t.status in UNFINISHED_STATUSES]
        chosen.sort(key=lambda t: (t.submit_time, t.id))
        return chosen

    async def delete(self, task_id: str) -> bool:
        return self._tasks.pop(task_id, None) is not None

    async def kv_put(self, namespace: str, key: str, value: str) -> None:
        self._kv.setdefault(namespace, {})[key] = value

    async def kv_get(self, namespace: str, key: str) -> str | None:
        return self._kv.get(namespace, {}).get(key)

    async def kv_delete(self, namespace: str, key: str) -> None:
        self._kv.get(namespace, {}).pop(key, None)

    async def kv_items(self, namespace: str) -> builtins.list[tuple[str, str]]:
        return sorted(self._kv.get(namespace, {}).items())

    def outbox(self) -> NotifyOutbox:
        return self._outbox


@dataclass(frozen=True, slots=True)
class _Delivered:
    status_order: float
    at: float


class MemoryNotifyOutbox:
    """``NotifyOutbox`` in dictionaries (insertion order keeps each task's queue ordered)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._items: dict[int, OutboxItem] = {}
        self._delivered: dict[str, _Delivered] = {}

    def _heads(self, exclude: Collection[str]) -> list[OutboxItem]:
        heads: dict[str, OutboxItem] = {}
        for item in self._items.values():
            if item.task_id not in exclude and item.task_id not in heads:
                heads[item.task_id] = item
        return list(heads.values())

    async def add(
        self, task_id: str, url: str, body: str, status_order: float, *, now: float
    ) -> int:
        item_id = next(self._ids)
        self._items[item_id] = OutboxItem(
            id=item_id,
            task_id=task_id,
            url=url,
            body=body,
            status_order=status_order,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        return item_id

    async def due(
        self, now: float, *, limit: int, exclude: Collection[str] = ()
    ) -> list[OutboxItem]:
        ready = [h for h in self._heads(exclude) if h.next_attempt_at <= now]
        ready.sort(key=lambda h: (h.next_attempt_at, h.id))
        return ready[:limit]

    async def next_due(self, *, exclude: Collection[str] = ()) -> float | None:
        return min((h.next_attempt_at for h in self._heads(exclude)), default=None)

    async def reschedule(self, item_id: int, *, attempts: int, next_attempt_at: float) -> None:
        item = self._items.get(item_id)
        if item is not None:
            self._items[item_id] = replace(item, attempts=attempts, next_attempt_at=next_attempt_at)

    async def remove(self, item_id: int) -> None:
        self._items.pop(item_id, None)

    async def mark_delivered(self, item: OutboxItem, *, now: float) -> None:
        previous = self._delivered.get(item.task_id)
        order = item.status_order
        if previous is not None:
            order = max(order, previous.status_order)
        self._delivered[item.task_id] = _Delivered(order, now)
        self._items.pop(item.id, None)

    async def last_delivered_order(self, task_id: str) -> float | None:
        record = self._delivered.get(task_id)
        return None if record is None else record.status_order

    async def forget_delivered(self, before: float) -> int:
        old = [task_id for task_id, record in self._delivered.items() if record.at < before]
        for task_id in old:
            del self._delivered[task_id]
        return len(old)

    async def pending_count(self) -> int:
        return len(self._items)

    async def pending(self, task_id: str | None = None) -> list[OutboxItem]:
        return [i for i in self._items.values() if task_id is None or i.task_id == task_id]
