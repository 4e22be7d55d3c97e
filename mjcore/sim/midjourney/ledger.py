"""Every job the bot has seen: creating records and finding them again."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from mjcore.sim.config import SimConfig
from mjcore.sim.midjourney.interactions import INTERACTION_COMPONENT, InteractionRequest
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.rewrite import job_mode, rewrite_prompt
from mjcore.sim.state import SimState, StoredMessage

SEED_MAX = 4294967295
MODE_NAMES = {"fast": "fast", "relax": "relaxed", "turbo": "turbo"}  # user mode -> job mode


@dataclass(slots=True)
class JobLedger:
    """The bot's job records, in creation order (``Simulator.jobs``)."""

    state: SimState
    config: SimConfig
    jobs: list[JobRecord] = field(default_factory=list, init=False)

    def new_job(
        self,
        req: InteractionRequest,
        kind: str,
        prompt: str,
        *,
        parent: JobRecord | None = None,
        index: int | None = None,
        final_prompt: str | None = None,
    ) -> JobRecord:
        """Record a job for ``req``; ``final_prompt`` defaults to the rewritten ``prompt``."""
        final = (
            final_prompt
            if final_prompt is not None
            else rewrite_prompt(prompt, suffix=self.config.settings_suffix)
        )
        job = JobRecord(
            job_id=str(uuid.uuid4()),
            kind=kind,
            prompt=prompt,
            final_prompt=final,
            nonce=req.nonce,
            interaction_id=req.interaction_id,
            user_id=req.user.user_id,
            channel_id=req.channel_id,
            parent_job_id=parent.job_id if parent else None,
            custom_id=req.data.get("custom_id") if req.type == INTERACTION_COMPONENT else None,
            index=index,
            mode=job_mode(final, MODE_NAMES.get(req.user.mode, req.user.mode)),
            seed=random.randint(0, SEED_MAX),
        )
        self.jobs.append(job)
        return job

    def child_job(
        self, req: InteractionRequest, kind: str, parent: JobRecord, index: int
    ) -> JobRecord:
        """An upscale or variation of image ``index`` of ``parent``, on its final prompt."""
        return self.new_job(
            req,
            kind,
            parent.final_prompt,
            parent=parent,
            index=index,
            final_prompt=parent.final_prompt,
        )

    def derived_job(
        self, req: InteractionRequest, kind: str, parent: JobRecord, prompt: str | None
    ) -> JobRecord:
        """A zoom, pan or region job of image 1 of ``parent``, with a new prompt or its own."""
        final = rewrite_prompt(prompt) if prompt is not None else parent.final_prompt
        return self.new_job(
            req, kind, prompt or parent.prompt, parent=parent, index=1, final_prompt=final
        )

    def by_id(self, job_id: str) -> JobRecord | None:
        for job in self.jobs:
            if job.job_id == job_id:
                return job
        return None

    def for_message(self, message: StoredMessage) -> JobRecord | None:
        """The job whose result ``message`` is, or whose image a /show ``message`` carries."""
        return self._resulting_in(message) or self._shown_in(message)

    def _resulting_in(self, message: StoredMessage) -> JobRecord | None:
        for job in reversed(self.jobs):
            if job.result_message_id == message.message_id:
                return job
        return None

    def _shown_in(self, message: StoredMessage) -> JobRecord | None:
        for attachment in message.payload.get("attachments", []):
            stored = self.state.files.get(str(attachment.get("id")))
            if stored is not None and stored.job_id is not None:
                return self.by_id(stored.job_id)
        return None
