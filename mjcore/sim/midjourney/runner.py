"""Per-user job slots: start, queue or refuse a job, run it frame by frame, cancel it.

A user runs ``max_concurrent_jobs`` jobs at once and queues ``max_queued_jobs`` more ("Job
queued"); beyond that a job is refused ("Queue full"). A running job posts "Waiting to start",
edits it with "(N%)" frames and previews, then posts its result.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.config import SimConfig
from mjcore.sim.images import WEBP, preview_image
from mjcore.sim.midjourney.outcomes import (
    FILTERED_DESCRIPTION,
    FILTERED_TITLE,
    MARKER_FILTERED,
    MARKER_VANISH,
    QUEUE_FULL_DESCRIPTION,
    QUEUED_DESCRIPTION,
    imagine_footer,
)
from mjcore.sim.midjourney.records import STATUS_RUNNING, fail_job
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.results import Results
from mjcore.sim.midjourney.runs import JobRun
from mjcore.sim.midjourney.tasks import BotTasks
from mjcore.sim.state import MJ_APPLICATION_ID, Json, StoredMessage

log = logging.getLogger(__name__)

FALLBACK_PROGRESS_STEP = 50  # used when progress_steps is empty: every job shows one preview


@dataclass(slots=True)
class UserSlots:
    """One user's running jobs by job id and queued jobs in order."""

    running: dict[str, JobRun] = field(default_factory=dict)
    queue: deque[JobRun] = field(default_factory=deque)


class JobRunner:
    """Runs jobs within per-user slots and knows when the bot is idle."""

    def __init__(
        self,
        config: SimConfig,
        bus: MessageBus,
        cdn: Cdn,
        replies: Replies,
        results: Results,
        tasks: BotTasks,
    ) -> None:
        self.config = config
        self.bus = bus
        self.cdn = cdn
        self.replies = replies
        self.results = results
        self.tasks = tasks
        self._slots: dict[str, UserSlots] = {}
        self._side_work: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def slots_of(self, user_id: str) -> UserSlots:
        return self._slots.setdefault(user_id, UserSlots())

    # --- idleness --------------------------------------------------------------------------
    def track_side_work(self, task: asyncio.Task[Any]) -> None:
        """Count ``task`` (work outside the slots, like /describe) as keeping the bot busy."""
        self._side_work.add(task)
        task.add_done_callback(self._side_work_done)
        self._idle.clear()

    def _side_work_done(self, task: asyncio.Task[Any]) -> None:
        self._side_work.discard(task)
        self._update_idle()

    def _busy(self) -> bool:
        return bool(self._side_work) or any(s.running or s.queue for s in self._slots.values())

    def _update_idle(self) -> None:
        if self._busy():
            self._idle.clear()
        else:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while True:
                await self._idle.wait()
                await asyncio.sleep(0)
                if not self._busy():
                    return

    # --- slots -----------------------------------------------------------------------------
    def submit(self, run: JobRun) -> None:
        """Start the job now, queue it ("Job queued") or refuse it ("Queue full")."""
        slots = self.slots_of(run.job.user_id)
        if len(slots.running) < self.config.max_concurrent_jobs:
            slots.running[run.job.job_id] = run
            run.progress = self._post_start(run, follow_up=False)
            self._launch(run)
        elif len(slots.queue) < self.config.max_queued_jobs:
            slots.queue.append(run)
            embed = self.replies.embed(
                "Job queued", QUEUED_DESCRIPTION, self.config.notice_color, imagine_footer(run.job)
            )
            self.replies.response(run.req, embeds=[embed], ephemeral=self.config.ephemeral_errors)
            log.info("job queued [job:%s position:%d]", run.job.job_id, len(slots.queue))
        else:
            self.replies.error(
                run.req, "Queue full", QUEUE_FULL_DESCRIPTION, imagine_footer(run.job)
            )
            fail_job(run.job, "Queue full")
        self._update_idle()

    def _post_start(self, run: JobRun, *, follow_up: bool) -> StoredMessage:
        ephemeral = self.config.ephemeral_progress
        rows = [ui.cancel_row(run.job.job_id)] if ephemeral else []
        content = self.results.content(run, "Waiting to start")
        if not follow_up:
            message = self.replies.response(
                run.req,
                content=content,
                rows=rows,
                mention=True,
                ephemeral=ephemeral,
                nonce=run.nonce_on_start,
            )
        else:
            message = self.replies.follow_up(
                run.req, run.job.channel_id, content, rows, ephemeral=ephemeral
            )
        run.job.progress_message_id = message.message_id
        return message

    def _launch(self, run: JobRun) -> None:
        run.job.status = STATUS_RUNNING
        run.task = self.tasks.spawn(self._run(run))

    def _release(self, run: JobRun) -> None:
        slots = self.slots_of(run.job.user_id)
        slots.running.pop(run.job.job_id, None)
        while (
            not self.tasks.closing
            and slots.queue
            and len(slots.running) < self.config.max_concurrent_jobs
        ):
            nxt = slots.queue.popleft()
            slots.running[nxt.job.job_id] = nxt
            nxt.progress = self._post_start(nxt, follow_up=True)
            self._launch(nxt)
        self._update_idle()

    def cancel(self, user_id: str, job_id: str) -> None:
        """Cancel Job: drop a queued job, or stop a running one ("(Stopped)")."""
        slots = self.slots_of(user_id)
        run = slots.running.get(job_id)
        queued = next((r for r in slots.queue if r.job.job_id == job_id), None)
        if queued is not None:
            slots.queue.remove(queued)
            fail_job(queued.job, "cancelled")
            self._update_idle()
            return
        if run is None:
            return
        if run.task is not None:
            run.task.cancel()
        if run.progress is not None and not run.progress.deleted:
            content = self.results.content(run, "Stopped")
            self.bus.edit(run.progress, {"content": content, "components": []})
        fail_job(run.job, "cancelled")

    # --- one job ---------------------------------------------------------------------------
    async def _run(self, run: JobRun) -> None:
        job = run.job
        try:
            await self.tasks.step(self.config.start_delay_seconds)
            if MARKER_VANISH in job.prompt and run.progress is not None:
                self.bus.delete(run.progress)
                fail_job(job, "vanished")
                return
            steps = self.config.progress_steps or (FALLBACK_PROGRESS_STEP,)
            for i, percent in enumerate(steps):
                if i:
                    await self.tasks.step(self.config.progress_delay_seconds)
                self._progress(run, percent, force_image=i == len(steps) - 1)
            await self.tasks.step(self.config.progress_delay_seconds)
            if MARKER_FILTERED in job.prompt:
                self._filter_out(run)
                return
            self.results.finish(run)
        finally:
            self._release(run)

    def _progress(self, run: JobRun, percent: int, *, force_image: bool = False) -> None:
        if run.progress is None or run.progress.deleted:
            return
        job = run.job
        status = self.results.content(run, f"{percent}%", self.results.mode_text(job))
        changes: Json = {"content": status}
        if force_image or percent >= self.config.first_progress_image_percent:
            side = self.config.progress_preview_side
            data = preview_image(job.job_id, side, percent)
            folder = MJ_APPLICATION_ID if run.progress.ephemeral else job.channel_id
            stored = self.cdn.add_file(
                folder,
                f"{job.job_id}_grid_0.webp",
                data,
                WEBP,
                ephemeral=run.progress.ephemeral,
                job_id=job.job_id,
                dimensions=(side, side),
            )
            changes["attachments"] = [self.cdn.attachment(stored)]
        self.bus.edit(run.progress, changes)

    def _filter_out(self, run: JobRun) -> None:
        job = run.job
        embed = self.replies.embed(
            FILTERED_TITLE, FILTERED_DESCRIPTION, self.config.error_color, imagine_footer(job)
        )
        self.replies.embed_reply(run.req, job.channel_id, embed, run.progress)
        if run.progress is not None:
            self.bus.delete(run.progress)
        fail_job(job, FILTERED_TITLE)
