"""What the simulator remembers about one Midjourney job, and how a job fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

STATUS_QUEUED = "queued"
STATUS_RUNNING = "running"
STATUS_DONE = "done"
STATUS_FAILED = "failed"


@dataclass(slots=True)
class JobRecord:
    """One job as tests see it (``Simulator.jobs``); updated while the job runs."""

    job_id: str
    kind: str
    prompt: str
    final_prompt: str
    nonce: str | None
    interaction_id: str
    user_id: str
    channel_id: str
    parent_job_id: str | None = None
    custom_id: str | None = None
    index: int | None = None
    status: str = STATUS_QUEUED
    result_message_id: str | None = None
    progress_message_id: str | None = None
    mode: str = "fast"
    seed: int = 0
    error: str | None = None
    width: int = 0
    height: int = 0


def fail_job(job: JobRecord, reason: str) -> bool:
    """Mark ``job`` failed with ``reason``; True, so refusal checks can return it."""
    job.status = STATUS_FAILED
    job.error = reason
    log.info("job refused [job:%s reason:%s]", job.job_id, reason)
    return True
