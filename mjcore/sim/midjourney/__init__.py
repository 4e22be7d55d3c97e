"""The simulated Midjourney bot: jobs, their message scripts and their outcomes.

``bot`` is the facade the REST layer talks to; ``outcomes`` lists the prompt markers and account
states that choose answers other than a result.
"""

from __future__ import annotations

from mjcore.sim.midjourney.bot import MidjourneyBot
from mjcore.sim.midjourney.interactions import (
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InteractionRequest,
    OpenModal,
)
from mjcore.sim.midjourney.outcomes import ACCOUNT_STATES
from mjcore.sim.midjourney.records import JobRecord

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
