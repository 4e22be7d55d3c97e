"""Which compat API a task belongs to, and which task a Discord message is.

Both tables live in the engine's key/value store, so they survive restarts:

- ``compat.owners``: task id -> ``"<api>:<key>"`` (``node:<uuid>``, ``trigger:<trigger id>``, ...);
- ``compat.messages``: Discord message id -> task id, for every task that succeeded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from mjcore.engine import Engine
from mjcore.models import Task, TaskStatus
from mjcore.store.base import TaskStore

log = logging.getLogger(__name__)

OWNERS_NAMESPACE = "compat.owners"
MESSAGES_NAMESPACE = "compat.messages"
# how many recent successful tasks are searched when a message id is not in the index yet
MESSAGE_SCAN_LIMIT = 1000


class CompatApi(StrEnum):
    NODE = "node"
    TRIGGER = "trigger"
    TOKEN = "token"
    TOKEN_DESCRIBE = "token-describe"


@dataclass(frozen=True, slots=True)
class Owner:
    api: CompatApi
    key: str

    def encode(self) -> str:
        return f"{self.api.value}:{self.key}"

    @classmethod
    def decode(cls, raw: str) -> Owner | None:
        api, sep, key = raw.partition(":")
        if not sep:
            return None
        try:
            return cls(CompatApi(api), key)
        except ValueError:
            return None


async def set_owner(store: TaskStore, task_id: str, owner: Owner) -> None:
    await store.kv_put(OWNERS_NAMESPACE, task_id, owner.encode())


async def owner_of(store: TaskStore, task_id: str) -> Owner | None:
    raw = await store.kv_get(OWNERS_NAMESPACE, task_id)
    return None if raw is None else Owner.decode(raw)


async def remember_message(store: TaskStore, task: Task) -> None:
    """Index the result message of a successful task."""
    if task.status is TaskStatus.SUCCESS and task.message_id:
        await store.kv_put(MESSAGES_NAMESPACE, task.message_id, task.id)


async def task_for_message(engine: Engine, message_id: str) -> Task | None:
    """The successful task whose result message is ``message_id``."""
    task_id = await engine.store.kv_get(MESSAGES_NAMESPACE, message_id)
    if task_id is not None:
        task = await engine.get(task_id)
        if task is not None and task.message_id == message_id:
            return task
    recent = await engine.store.list(limit=MESSAGE_SCAN_LIMIT, statuses=[TaskStatus.SUCCESS])
    for task in recent:
        if task.message_id == message_id:
            await remember_message(engine.store, task)
            return task
    return None
