"""Jobs that buttons and modals start from an earlier job: upscales, variations, rerolls,
zooms, pans, remixes and appealed jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mjcore.sim import components as ui
from mjcore.sim.config import SimConfig
from mjcore.sim.midjourney.interactions import InteractionRequest, source_message
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.outcomes import Refusals
from mjcore.sim.midjourney.records import STATUS_DONE, STATUS_FAILED, JobRecord
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.results import Results
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.midjourney.runs import JobRun, ResultShape
from mjcore.sim.rewrite import model_family
from mjcore.sim.state import MESSAGE_DEFAULT, MESSAGE_REPLY, SimState

log = logging.getLogger(__name__)

HD_SCALE = 2


@dataclass(frozen=True, slots=True)
class JobActions:
    """Starts the jobs that buttons and modal answers ask for, after the refusal checks."""

    state: SimState
    config: SimConfig
    replies: Replies
    ledger: JobLedger
    refusals: Refusals
    runner: JobRunner
    results: Results

    def _start(self, run: JobRun, *, mark: str | None = None) -> None:
        """Refuse the job or submit it; ``mark`` is the button to mark used on acceptance."""
        if self.refusals.refuse(run.req, run.job):
            return
        if mark is not None and run.req.message is not None:
            self.replies.mark_used(run.req.message, mark)
        self.runner.submit(run)

    def _button_run(
        self,
        req: InteractionRequest,
        job: JobRecord,
        label: str,
        *,
        final_label: str | None = None,
        final_type: int = MESSAGE_REPLY,
        result: ResultShape = "grid",
        scale: float = 1.0,
    ) -> JobRun:
        """A job started from a message's button: it replies to that message."""
        return JobRun(
            job=job,
            req=req,
            label=label,
            final_label=final_label,
            reply_to=source_message(req),
            final_type=final_type,
            result=result,
            scale=scale,
            nonce_on_start=self.config.nonce_on_component_jobs,
        )

    def upscale(
        self, req: InteractionRequest, parent: JobRecord, index: int, custom_id: str
    ) -> None:
        """U1-U4: the upscaled image comes at once, as the interaction response."""
        assert req.message is not None
        job = self.ledger.child_job(req, "upscale", parent, index)
        user = self.state.users[job.user_id]
        attachment = self.results.file(job, "single", user)
        family = model_family(job.final_prompt)
        rows = ui.upscaled_rows(job.job_id, family, video=self.config.video_buttons)
        content = f"**{job.final_prompt}** - Image #{index} <@{job.user_id}>"
        message = self.replies.response(
            req, content=content, attachments=[attachment], rows=rows, mention=True
        )
        job.result_message_id = message.message_id
        job.status = STATUS_DONE
        self.replies.mark_used(req.message, custom_id)
        log.info("upscale done [job:%s parent:%s index:%d]", job.job_id, parent.job_id, index)

    def vary(
        self,
        req: InteractionRequest,
        parent: JobRecord,
        index: int,
        *,
        strong: bool,
        mark: str | None,
    ) -> None:
        """V1-V4 and Vary (Subtle/Strong) without remix."""
        job = self.ledger.child_job(req, "variation", parent, index)
        label = "Variations (Strong) by " if strong else "Variations (Subtle) by "
        self._start(self._button_run(req, job, label), mark=mark)

    def remix(
        self, req: InteractionRequest, parent: JobRecord, index: int, prompt: str, *, strong: bool
    ) -> None:
        """A variation with the prompt of the remix modal."""
        job = self.ledger.new_job(req, "variation", prompt, parent=parent, index=index)
        label = "Remix (Strong) by " if strong else "Remix (Subtle) by "
        self._start(self._button_run(req, job, label))

    def reroll(self, req: InteractionRequest, parent: JobRecord, prompt: str | None) -> None:
        """🔄: the same prompt again, or the prompt of the remix modal."""
        if prompt is None:
            job = self.ledger.new_job(
                req, "reroll", parent.prompt, parent=parent, final_prompt=parent.final_prompt
            )
            label = ""
        else:
            job = self.ledger.new_job(req, "reroll", prompt, parent=parent)
            label = "Remix by "
        self._start(self._button_run(req, job, label, final_type=MESSAGE_DEFAULT))

    def upscale_hd(self, req: InteractionRequest, parent: JobRecord, action: str) -> None:
        """Upscale (Subtle/Creative/2x/4x): a job that ends in a larger single image."""
        job = self.ledger.child_job(req, "upscale_hd", parent, 1)
        kind = "Subtle" if action.endswith("subtle") else "Creative"
        if action.startswith("upsample_v5_"):
            kind = action.removeprefix("upsample_v5_")
        final = "Upscaled by " if action.startswith("upsample_v7") else f"Upscaled ({kind}) by "
        run = self._button_run(
            req, job, "Upscaling by ", final_label=final, result="single", scale=HD_SCALE
        )
        self._start(run)

    def zoom(self, req: InteractionRequest, parent: JobRecord, prompt: str | None = None) -> None:
        """Zoom Out 2x/1.5x, or Custom Zoom with its modal's prompt."""
        job = self.ledger.derived_job(req, "zoom", parent, prompt)
        self._start(self._button_run(req, job, "Zoom Out by "))

    def pan(
        self, req: InteractionRequest, parent: JobRecord, direction: str, prompt: str | None
    ) -> None:
        """⬅️➡️⬆️⬇️, with the remix modal's prompt when there is one."""
        job = self.ledger.derived_job(req, "pan", parent, prompt)
        self._start(self._button_run(req, job, f"Pan {direction.capitalize()} by "))

    def vary_region(self, req: InteractionRequest, parent: JobRecord, prompt: str) -> None:
        """Vary (Region) submitted from the editor; the mask is not checked here."""
        job = self.ledger.derived_job(req, "inpaint", parent, prompt or None)
        remixed = bool(prompt) and job.final_prompt != parent.final_prompt
        label = "Remix (Region) by " if remixed else "Variations (Region) by "
        run = self._button_run(req, job, label)
        run.nonce_on_start = False
        self.runner.submit(run)

    def imagine(self, req: InteractionRequest, prompt: str, *, nonce_on_start: bool) -> None:
        """A fresh imagine started from a button or modal (describe and shorten prompts)."""
        job = self.ledger.new_job(req, "imagine", prompt)
        self._start(JobRun(job=job, req=req, nonce_on_start=nonce_on_start))

    def appealed(self, req: InteractionRequest, held: JobRun) -> None:
        """Appeal pressed: the held job fails as "appealed" and a new one runs in its place."""
        old = held.job
        job = self.ledger.new_job(req, old.kind, old.prompt, final_prompt=old.final_prompt)
        old.status = STATUS_FAILED
        old.error = "appealed"
        job.parent_job_id = old.job_id
        self.runner.submit(JobRun(job=job, req=req, nonce_on_start=True))
