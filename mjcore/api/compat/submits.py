"""Turning an engine ``SubmitResult`` into "a task was made" or a refusal.

The compat APIs cannot answer Midjourney's "type a new prompt" windows (contract code 21), so a
task left waiting for one is cancelled at once: no caller is ever handed a half-made task.
"""

from __future__ import annotations

import contextlib
import logging
from enum import StrEnum

from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.models import SubmitCode, SubmitResult

log = logging.getLogger(__name__)

NEEDS_PROMPT_MESSAGE = (
    "this button opens a prompt window (Remix mode), which this API cannot answer: "
    "turn Remix off or use /mj/submit/modal"
)


class RefusalKind(StrEnum):
    QUEUE_FULL = "queue_full"
    NEEDS_PROMPT = "needs_prompt"
    FAILED = "failed"


class SubmitRefused(Exception):
    """The engine did not start a task; ``kind`` says why."""

    def __init__(self, kind: RefusalKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


async def accepted_task_id(engine: Engine, result: SubmitResult) -> str:
    """The id of the task ``result`` started; ``SubmitRefused`` when none was started."""
    if result.code in (SubmitCode.SUCCESS, SubmitCode.IN_QUEUE) and result.result:
        return result.result
    if result.code is SubmitCode.MODAL and result.result:
        with contextlib.suppress(MjError):
            await engine.cancel(result.result)
        log.info("prompt window not supported here, task cancelled [task:%s]", result.result)
        raise SubmitRefused(RefusalKind.NEEDS_PROMPT, NEEDS_PROMPT_MESSAGE)
    if result.code is SubmitCode.QUEUE_REJECTED:
        raise SubmitRefused(RefusalKind.QUEUE_FULL, result.description)
    raise SubmitRefused(RefusalKind.FAILED, result.description)
