"""The simulated Midjourney bot: jobs, their message scripts and their outcomes."""

from __future__ import annotations

from mjcore.sim.midjourney.bot import (
    ACCOUNT_STATES,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InteractionRequest,
    JobRecord,
    MidjourneyBot,
    OpenModal,
)

__all__ = [
    "ACCOUNT_STATES",
    "INTERACTION_COMMAND",
    "INTERACTION_COMPONENT",
    "INTERACTION_MODAL_SUBMIT",
    "InteractionRequest",
    "JobRecord",
    "MidjourneyBot",
    "OpenModal",
]
