"""What the watcher hands each compat API for every task change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mjcore.api.compat.owners import Owner
from mjcore.models import Task, TaskStatus


@dataclass(frozen=True, slots=True)
class TaskChange:
    task: Task
    previous: Task | None  # the last state the watcher saw, None for a task new to it
    owner: Owner | None  # the compat API that made the task, None for other tasks

    @property
    def finished_now(self) -> bool:
        """The task reached a final status with this change."""
        return self.task.is_final and (self.previous is None or not self.previous.is_final)

    @property
    def succeeded_now(self) -> bool:
        return self.finished_now and self.task.status is TaskStatus.SUCCESS


class TaskHook(Protocol):
    async def on_change(self, change: TaskChange) -> None: ...
