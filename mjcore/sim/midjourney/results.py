"""A job's text line and its result: the image on the CDN, its buttons and the final message."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.config import SimConfig
from mjcore.sim.images import PNG, dimensions, grid_image, single_image
from mjcore.sim.midjourney.records import STATUS_DONE, JobRecord
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.runs import JobRun, ResultShape
from mjcore.sim.rewrite import aspect_ratio, model_family, result_filename
from mjcore.sim.state import MESSAGE_REPLY, Json, SimState, UserRecord

log = logging.getLogger(__name__)

WEBSITE_LINK = "[(Open on website for full quality)](<https://midjourney.com/jobs/{job_id}>)"
WEBSITE_FOOTER = (
    "\n-# Create, explore, and organize on "
    "[midjourney.com](<https://midjourney.com/imagine?from_discord=1>)"
)


@dataclass(frozen=True, slots=True)
class Results:
    """Text lines, result files and final messages of jobs."""

    state: SimState
    config: SimConfig
    cdn: Cdn
    bus: MessageBus
    replies: Replies

    def mode_text(self, job: JobRecord) -> str:
        return f"{job.mode}, stealth" if self.config.stealth else job.mode

    def content(self, run: JobRun, *statuses: str, final: bool = False) -> str:
        """``**<P>** - <label><@U> (<status>) (<status>)``; final adds the 2025+ decorations."""
        job = run.job
        label = run.final_label if final and run.final_label is not None else run.label
        head = f"**{job.final_prompt}** - {label}<@{job.user_id}>"
        tail = " ".join(f"({status})" for status in statuses)
        if not final or not self.config.modern_decorations:
            return f"{head} {tail}"
        link = WEBSITE_LINK.format(job_id=job.job_id)
        return f"{head} {link} {tail}{WEBSITE_FOOTER}"

    def file(
        self,
        job: JobRecord,
        shape: ResultShape,
        user: UserRecord,
        *,
        scale: float = 1.0,
        channel_id: str | None = None,
    ) -> Json:
        """Store the job's result PNG on the CDN; its attachment object."""
        ratio = aspect_ratio(job.final_prompt)
        if shape == "grid":
            size = dimensions(ratio, self.config.grid_long_side)
            data = grid_image(job.job_id, size)
        else:
            side = round(self.config.upscale_long_side * scale)
            size = dimensions(ratio, side)
            data = single_image(job.job_id, size)
        job.width, job.height = size
        filename = result_filename(user.username, job.final_prompt, job.job_id)
        folder = channel_id or job.channel_id
        stored = self.cdn.add_file(folder, filename, data, PNG, job_id=job.job_id, dimensions=size)
        return self.cdn.attachment(stored)

    def rows(self, job: JobRecord, shape: ResultShape) -> list[Json]:
        """U/V buttons under a grid, or the buttons of an upscaled image."""
        if shape == "grid":
            return ui.grid_rows(job.job_id)
        family = model_family(job.final_prompt)
        return ui.upscaled_rows(
            job.job_id, family, video=self.config.video_buttons, with_upscale=False
        )

    def finish(self, run: JobRun) -> None:
        """Post the result message, delete the progress message, mark the job done."""
        job = run.job
        user = self.state.users[job.user_id]
        req = run.req
        payload = self.replies.message(
            req,
            job.channel_id,
            content=self.content(run, self.mode_text(job), final=True),
            type_=run.final_type,
        )
        payload["mentions"] = [user.public()]
        payload["attachments"] = [self.file(job, run.result, user, scale=run.scale)]
        payload["components"] = self.replies.rows(self.rows(job, run.result))
        if run.reply_to is not None and run.final_type == MESSAGE_REPLY:
            self.replies.refer_to(payload, run.reply_to)
        if self.config.interaction_metadata_on_results:
            payload["interaction_metadata"] = self.replies.metadata(req)
        result = self.bus.post(payload)
        job.result_message_id = result.message_id
        if run.progress is not None and not run.progress.deleted:
            self.bus.delete(run.progress)
        job.status = STATUS_DONE
        log.info("job done [job:%s kind:%s message:%s]", job.job_id, job.kind, result.message_id)
