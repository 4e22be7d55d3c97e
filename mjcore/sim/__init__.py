"""A local Discord + Midjourney simulator: gateway, REST v9, CDN, uploads and the Midjourney bot.

It is an independent judge of the client code and imports nothing else from ``mjcore``.
"""

from __future__ import annotations

from mjcore.sim.config import SimConfig
from mjcore.sim.faults import Faults
from mjcore.sim.midjourney import JobRecord
from mjcore.sim.rest import RequestRecord
from mjcore.sim.server import Simulator, serve
from mjcore.sim.state import SimAccount

__all__ = ["Faults", "JobRecord", "RequestRecord", "SimAccount", "SimConfig", "Simulator", "serve"]
