"""The active tasks of one account, with lookups by the keys Discord messages carry.

``match`` asks "which task has this nonce / interaction id / progress message / job uuid?" for
every gateway event; with hundreds of running tasks a scan per question is the cost of the whole
pipeline, so the answers are kept in dictionaries, updated whenever a task is put back.
"""

from __future__ import annotations

from collections.abc import Iterator, ValuesView

from mjcore.models import Task


class ActiveTasks:
    """A ``dict`` of task id → task plus reverse indexes; use it like the dict it replaces."""

    __slots__ = (
        "_by_hash",
        "_by_interaction",
        "_by_nonce",
        "_by_parent",
        "_by_progress",
        "_tasks",
    )

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}
        self._by_nonce: dict[str, str] = {}
        self._by_interaction: dict[str, str] = {}
        self._by_progress: dict[str, str] = {}
        self._by_hash: dict[str, str] = {}
        self._by_parent: dict[str, set[str]] = {}  # parent message id -> tasks pressing on it

    @classmethod
    def of(cls, tasks: Iterator[Task] | list[Task] | tuple[Task, ...]) -> ActiveTasks:
        active = cls()
        for task in tasks:
            active[task.id] = task
        return active

    # --- dict interface -------------------------------------------------------------------
    def __setitem__(self, task_id: str, task: Task) -> None:
        old = self._tasks.get(task_id)
        self._tasks[task_id] = task
        if old is None:
            self._index(task)
        elif old.id != task.id or old.referenced_message_id != task.referenced_message_id:
            self._unindex(old)
            self._index(task)
        else:  # a new version of the same task: only the keys it changed move
            self._reindex(old, task)

    def __getitem__(self, task_id: str) -> Task:
        return self._tasks[task_id]

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._tasks

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def get(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    def pop(self, task_id: str, default: Task | None = None) -> Task | None:
        task = self._tasks.pop(task_id, None)
        if task is None:
            return default
        self._unindex(task)
        return task

    def values(self) -> ValuesView[Task]:
        return self._tasks.values()

    # --- lookups --------------------------------------------------------------------------
    def by_nonce(self, nonce: str) -> Task | None:
        return self._lookup(self._by_nonce, nonce)

    def by_interaction(self, interaction_id: str) -> Task | None:
        return self._lookup(self._by_interaction, interaction_id)

    def by_progress_message(self, message_id: str) -> Task | None:
        return self._lookup(self._by_progress, message_id)

    def by_job(self, job_id: str) -> Task | None:
        return self._lookup(self._by_hash, job_id)

    def children_of(self, message_id: str) -> list[Task]:
        """Tasks that pressed a button on message ``message_id``."""
        return [self._tasks[i] for i in self._by_parent.get(message_id, ()) if i in self._tasks]

    # --- internals ------------------------------------------------------------------------
    def _lookup(self, index: dict[str, str], key: str) -> Task | None:
        task_id = index.get(key)
        return None if task_id is None else self._tasks.get(task_id)

    def _pairs(self, task: Task) -> tuple[tuple[dict[str, str], str | None], ...]:
        return (
            (self._by_nonce, task.nonce),
            (self._by_interaction, task.interaction_id),
            (self._by_progress, task.progress_message_id),
            (self._by_hash, task.message_hash),
        )

    def _index(self, task: Task) -> None:
        for index, key in self._pairs(task):
            if key is not None:
                index.setdefault(key, task.id)
        if task.referenced_message_id is not None:
            self._by_parent.setdefault(task.referenced_message_id, set()).add(task.id)

    def _reindex(self, old: Task, new: Task) -> None:
        """``_unindex(old)`` then ``_index(new)`` for two versions of one task (same id and
        parent, which stays in its set): only keys that changed are removed."""
        task_id = new.id
        for index, before, after in (
            (self._by_nonce, old.nonce, new.nonce),
            (self._by_interaction, old.interaction_id, new.interaction_id),
            (self._by_progress, old.progress_message_id, new.progress_message_id),
            (self._by_hash, old.message_hash, new.message_hash),
        ):
            if before is not None and before != after and index.get(before) == task_id:
                del index[before]
            if after is not None:
                index.setdefault(after, task_id)

    def _unindex(self, task: Task) -> None:
        for index, key in self._pairs(task):
            if key is not None and index.get(key) == task.id:
                del index[key]
        parent = task.referenced_message_id
        if parent is not None and parent in self._by_parent:
            self._by_parent[parent].discard(task.id)
            if not self._by_parent[parent]:
                del self._by_parent[parent]
