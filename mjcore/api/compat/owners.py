"""Which compat API a task belongs to, and which task a Discord message is.

Both tables live in the engine's key/value store, so they survive restarts:

- ``compat.owners``: task id -> ``"<api>:<key>"`` (``node:<uuid>``, ``trigger:<trigger id>``, ...);
- ``compat.messages``: Discord message id -> task id, for every task that succeeded.

Owners are also remembered in memory, per store (one process serves a store): an owner is
written once, when a compat route has submitted the task, and read on every change of every
task, so the store is asked at most once per task. ``on_owner`` tells the compat watcher when
an owner arrives, since a task can change (even finish) before its route writes the owner.

The message index is written behind: entries wait in memory (where look-ups find them) and
one writer puts everything that waits in one ``kv_put_many``, so a burst of finished tasks
costs the store one round trip rather than one each. It is an index: an entry lost in a crash
is found again by scanning the recent successful tasks.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable
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
OWNERS_KEPT = 10_000  # task ids remembered per store (with or without an owner)


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


OwnerListener = Callable[[str, Owner], None]


class _OwnerMemory:
    """The owners of one store's tasks seen lately (``None``: the task has none), newest last."""

    def __init__(self) -> None:
        self.known: OrderedDict[str, Owner | None] = OrderedDict()
        self.listeners: list[OwnerListener] = []
        self.messages: dict[str, str] = {}  # message id -> task id, waiting to be written
        self.writing: dict[str, str] = {}  # being written now
        self.writer: asyncio.Task[None] | None = None

    def remember(self, task_id: str, owner: Owner | None) -> None:
        self.known[task_id] = owner
        self.known.move_to_end(task_id)
        while len(self.known) > OWNERS_KEPT:
            self.known.popitem(last=False)


_memories: weakref.WeakKeyDictionary[TaskStore, _OwnerMemory] = weakref.WeakKeyDictionary()


def _memory(store: TaskStore) -> _OwnerMemory:
    memory = _memories.get(store)
    if memory is None:
        memory = _memories[store] = _OwnerMemory()
    return memory


async def set_owner(store: TaskStore, task_id: str, owner: Owner) -> None:
    await store.kv_put(OWNERS_NAMESPACE, task_id, owner.encode())
    memory = _memory(store)
    memory.remember(task_id, owner)
    for listener in list(memory.listeners):
        listener(task_id, owner)


def note_new_task(store: TaskStore, task_id: str) -> None:
    """A task made since this process opened ``store`` has no owner until ``set_owner`` (of this
    process) writes one: remember that, and the store is not asked."""
    memory = _memory(store)
    if task_id not in memory.known:
        memory.remember(task_id, None)


async def owner_of(store: TaskStore, task_id: str) -> Owner | None:
    memory = _memory(store)
    if task_id in memory.known:
        memory.known.move_to_end(task_id)
        return memory.known[task_id]
    raw = await store.kv_get(OWNERS_NAMESPACE, task_id)
    if task_id not in memory.known:  # else set_owner ran while the store answered: it wins
        memory.remember(task_id, None if raw is None else Owner.decode(raw))
    return memory.known.get(task_id)


def on_owner(store: TaskStore, listener: OwnerListener) -> Callable[[], None]:
    """Call ``listener(task_id, owner)`` after each ``set_owner`` on ``store``; returns the
    function that stops it."""
    listeners = _memory(store).listeners
    listeners.append(listener)

    def stop() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return stop


def remember_message(store: TaskStore, task: Task) -> None:
    """Index the result message of a successful task (written behind)."""
    if task.status is not TaskStatus.SUCCESS or not task.message_id:
        return
    memory = _memory(store)
    memory.messages[task.message_id] = task.id
    if memory.writer is None:
        memory.writer = asyncio.create_task(_write_messages(store, memory))


async def _write_messages(store: TaskStore, memory: _OwnerMemory) -> None:
    try:
        while memory.messages:
            memory.writing, memory.messages = memory.messages, {}
            try:
                await store.kv_put_many(MESSAGES_NAMESPACE, list(memory.writing.items()))
            except Exception:
                log.exception("message index not written [%d entries]", len(memory.writing))
            memory.writing = {}
    finally:
        memory.writer = None


async def write_messages(store: TaskStore) -> None:
    """Wait until the message index entries remembered so far are written."""
    memory = _memories.get(store)
    if memory is not None and memory.writer is not None:
        await asyncio.shield(memory.writer)  # it writes whatever arrives while it writes


async def task_for_message(engine: Engine, message_id: str) -> Task | None:
    """The successful task whose result message is ``message_id``."""
    memory = _memory(engine.store)
    task_id = memory.messages.get(message_id) or memory.writing.get(message_id)
    if task_id is None:
        task_id = await engine.store.kv_get(MESSAGES_NAMESPACE, message_id)
    if task_id is not None:
        task = await engine.get(task_id)
        if task is not None and task.message_id == message_id:
            return task
    recent = await engine.store.list(limit=MESSAGE_SCAN_LIMIT, statuses=[TaskStatus.SUCCESS])
    for task in recent:
        if task.message_id == message_id:
            remember_message(engine.store, task)
            return task
    return None
