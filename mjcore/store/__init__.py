"""Task storage: the ``TaskStore`` seam, its implementations and the notify outbox storage."""

from __future__ import annotations

from pathlib import Path

from mjcore.store.base import (
    UNFINISHED_STATUSES,
    NotifyOutbox,
    OutboxItem,
    StoredReads,
    StoreError,
    TaskStore,
    TaskView,
)
from mjcore.store.codec import TaskRow, task_from_json, task_from_row, task_to_json, task_to_row
from mjcore.store.memory import MemoryNotifyOutbox, MemoryTaskStore
from mjcore.store.sqlite import SqliteNotifyOutbox, SqliteTaskStore

__all__ = [
    "DEFAULT_SQLITE_NAME",
    "UNFINISHED_STATUSES",
    "MemoryNotifyOutbox",
    "MemoryTaskStore",
    "NotifyOutbox",
    "OutboxItem",
    "SqliteNotifyOutbox",
    "SqliteTaskStore",
    "StoreError",
    "StoredReads",
    "TaskRow",
    "TaskStore",
    "TaskView",
    "open_store",
    "task_from_json",
    "task_from_row",
    "task_to_json",
    "task_to_row",
]

DEFAULT_SQLITE_NAME = "mjbridge.db"
_SQLITE_PREFIX = "sqlite://"
_MEMORY_URL = "memory://"


def open_store(url: str, *, data_dir: Path) -> TaskStore:
    """The store named by ``MJ_STORE`` (not yet connected: use ``async with``).

    ``""`` or ``"sqlite://"`` -> ``data_dir/mjbridge.db``; ``"sqlite:///abs/path.db"`` -> that
    file; ``"sqlite://rel/path.db"`` -> relative to ``data_dir``; ``"memory://"`` -> in memory.
    """
    url = url.strip()
    if not url:
        return SqliteTaskStore(data_dir / DEFAULT_SQLITE_NAME)
    if url == _MEMORY_URL:
        return MemoryTaskStore()
    if url.startswith(_SQLITE_PREFIX):
        rest = url.removeprefix(_SQLITE_PREFIX)
        if not rest:
            return SqliteTaskStore(data_dir / DEFAULT_SQLITE_NAME)
        path = Path(rest)
        return SqliteTaskStore(path if path.is_absolute() else data_dir / path)
    scheme = url.split(":", 1)[0]
    raise ValueError(f"unsupported MJ_STORE scheme {scheme!r} (use sqlite:///path or memory://)")
