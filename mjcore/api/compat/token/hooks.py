"""Token API follow-ups: refunds for failed tasks and the automatic U1 of ``upscale=true``."""

from __future__ import annotations

import logging

from mjcore.api.compat.hooks import TaskChange
from mjcore.api.compat.owners import CompatApi
from mjcore.api.compat.submits import SubmitRefused, accepted_task_id
from mjcore.api.compat.token.book import JobBook, TokenBook
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.models import Task, TaskAction, TaskStatus

log = logging.getLogger(__name__)

FIRST_UPSCALE_PREFIX = "MJ::JOB::upsample::1::"
_REFUNDED = frozenset({TaskStatus.FAILURE, TaskStatus.CANCEL})


class TokenHook:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def on_change(self, change: TaskChange) -> None:
        owner = change.owner
        if owner is None or owner.api is not CompatApi.TOKEN or not change.finished_now:
            return
        task = change.task
        refunded = await TokenBook(self._engine.store).settle(
            task.id, refund=task.status in _REFUNDED
        )
        if refunded is not None:
            log.info("token use refunded [task:%s job:%s]", task.id, owner.key)
        if task.status is TaskStatus.SUCCESS and task.action is TaskAction.IMAGINE:
            await self._auto_upscale(owner.key, task)

    async def _auto_upscale(self, job_id: str, task: Task) -> None:
        button = next(
            (b for b in task.buttons if b.custom_id.startswith(FIRST_UPSCALE_PREFIX)), None
        )
        if button is None:
            return
        jobs = JobBook(self._engine.store)
        if await jobs.claim_auto_upscale(job_id) is None:
            return
        try:
            result = await self._engine.action(task.id, button.custom_id)
            child = await accepted_task_id(self._engine, result)
        except (MjError, SubmitRefused) as exc:
            log.warning("automatic upscale failed [job:%s task:%s] %s", job_id, task.id, exc)
            return
        await jobs.add_task(job_id, child, counted=False)
        log.info("automatic upscale started [job:%s task:%s]", job_id, child)
