"""``/imagine``, ``/blend`` and ``/show``: the slash commands that post images."""

from __future__ import annotations

from dataclasses import dataclass

from mjcore.sim.cdn import Cdn
from mjcore.sim.config import SimConfig
from mjcore.sim.images import PNG
from mjcore.sim.midjourney.interactions import InteractionRequest, attached_files, option
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.outcomes import MARKER_APPEAL, Appeals, Refusals
from mjcore.sim.midjourney.records import STATUS_DONE, fail_job
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.results import Results
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.midjourney.runs import JobRun, result_shape
from mjcore.sim.rewrite import rewrite_prompt, short_link
from mjcore.sim.state import SimState

BLEND_SLOTS = 5  # image1 ... image5
BLEND_MIN_IMAGES = 2


@dataclass(frozen=True, slots=True)
class ImageCommands:
    """Handlers of ``/imagine``, ``/blend`` and ``/show``."""

    state: SimState
    config: SimConfig
    cdn: Cdn
    replies: Replies
    ledger: JobLedger
    refusals: Refusals
    appeals: Appeals
    runner: JobRunner
    results: Results

    def imagine(self, req: InteractionRequest) -> None:
        prompt = str(option(req, "prompt") or "")
        job = self.ledger.new_job(req, "imagine", prompt)
        if self.refusals.refuse(req, job):
            return
        run = JobRun(job=job, req=req)
        if MARKER_APPEAL in prompt:
            self.appeals.hold(run)
            return
        self.runner.submit(run)

    def blend(self, req: InteractionRequest) -> None:
        files = attached_files(self.state, req)
        slots = range(1, BLEND_SLOTS + 1)
        images = [files.get(str(option(req, f"image{i}"))) for i in slots]
        present = [data for data in images if data is not None]
        dims = str(option(req, "dimensions") or "")
        links = []
        for data in present:
            stored = self.cdn.add_file(req.channel_id, "blend.png", data, PNG)
            links.append(short_link(self.cdn.url_of(stored)))
        prompt = " ".join([*links, dims]).strip()
        job = self.ledger.new_job(req, "blend", prompt, final_prompt=rewrite_prompt(prompt))
        if len(present) < BLEND_MIN_IMAGES:
            self.replies.error(req, "Invalid request", "Please provide at least two images.", None)
            fail_job(job, "Invalid request")
            return
        if len({bytes(d) for d in present}) != len(present):
            embed = self.replies.embed(
                "Duplicate images detected",
                "Please provide different images.",
                self.config.error_color,
            )
            self.replies.response(req, embeds=[embed], ephemeral=self.config.ephemeral_errors)
            fail_job(job, "Duplicate images detected")
            return
        if self.refusals.refuse(req, job):
            return
        self.runner.submit(JobRun(job=job, req=req))

    def show(self, req: InteractionRequest) -> None:
        """The result message of a finished job again, with fresh buttons."""
        job_id = str(option(req, "job_id") or "")
        job = self.ledger.by_id(job_id)
        if job is None or job.status != STATUS_DONE or job.result_message_id is None:
            description = f"Could not find a job with id `{job_id}`."
            self.replies.error(req, "Invalid job id", description, None)
            return
        original = self.state.messages[job.result_message_id]
        user = self.state.users[job.user_id]
        shape = result_shape(job)
        file = self.results.file(job, shape, user, channel_id=req.channel_id)
        rows = self.results.rows(job, shape)
        content = str(original.payload.get("content") or "")
        self.replies.response(req, content=content, attachments=[file], rows=rows, mention=True)
