"""The Discord + Midjourney simulator in its own process (``python -m bench.simproc '<json>'``).

Config: ``accounts`` (how many simulated users) and ``sim`` (``SimConfig`` fields). The ready line
carries the URLs and the accounts. The simulator has no timestamp of when a message was posted,
so this process records one: ``time.time()`` right after each ``MessageBus.post`` stored the
message and handed MESSAGE_CREATE to the gateway sessions.

Commands: ``posted`` (``ids``: message ids -> post time), ``jobs`` (job counts by status),
``configure`` (``fields``: SimConfig fields to change while running).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from bench.procs import Json, child_config, run_fast, serve_commands
from mjcore.sim import SimConfig, Simulator
from mjcore.sim.bus import MessageBus
from mjcore.sim.state import StoredMessage


def sim_config(fields: dict[str, Any]) -> SimConfig:
    values = dict(fields)
    if "progress_steps" in values:
        values["progress_steps"] = tuple(values["progress_steps"])
    return SimConfig(**values)


class PostClock:
    """Records when each message was posted on ``bus``."""

    def __init__(self, bus: MessageBus) -> None:
        self.posted: dict[str, float] = {}
        self._post = bus.post
        bus.post = self.post  # type: ignore[method-assign]  # a measuring hook, not a fake

    def post(self, payload: Json, **kwargs: Any) -> StoredMessage:
        message = self._post(payload, **kwargs)
        self.posted[message.message_id] = time.time()
        return message


async def main() -> None:
    config = child_config()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s sim %(levelname)s %(message)s")
    async with Simulator(sim_config(config.get("sim", {}))) as sim:
        accounts = [sim.add_account(name=f"bench{i}") for i in range(int(config["accounts"]))]
        clock = PostClock(sim.bus)

        async def posted(request: Json) -> Json:
            return {"posted": {i: clock.posted.get(i) for i in request["ids"]}}

        async def jobs(request: Json) -> Json:
            return {"jobs": dict(Counter(job.status for job in sim.jobs))}

        async def configure(request: Json) -> Json:
            for name, value in request["fields"].items():
                setattr(sim.config, name, tuple(value) if name == "progress_steps" else value)
            return {"ok": True}

        info = {
            "base_url": sim.base_url,
            "gateway_url": sim.gateway_url,
            "accounts": [asdict(a) for a in accounts],
        }
        await serve_commands(info, {"posted": posted, "jobs": jobs, "configure": configure})


if __name__ == "__main__":
    run_fast(main)
