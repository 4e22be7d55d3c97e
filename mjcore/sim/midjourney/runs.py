"""A job on its way: the record, the interaction that asked for it and how its messages look."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from mjcore.sim.midjourney.interactions import InteractionRequest
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.state import MESSAGE_DEFAULT, StoredMessage

ResultShape = Literal["grid", "single"]


@dataclass(slots=True, eq=False)
class JobRun:
    """A job from its request to its end, with the words its messages put before the mention."""

    job: JobRecord
    req: InteractionRequest
    label: str = ""  # "Variations (Strong) by " ...
    final_label: str | None = None
    reply_to: StoredMessage | None = None
    final_type: int = MESSAGE_DEFAULT
    result: ResultShape = "grid"
    scale: float = 1.0
    progress: StoredMessage | None = None
    nonce_on_start: bool = True
    task: asyncio.Task[None] | None = None


def result_shape(job: JobRecord) -> ResultShape:
    """What a finished job of this kind shows: one image or a grid of four."""
    return "single" if job.kind in ("upscale", "upscale_hd") else "grid"
