"""The Discord + Midjourney simulator in its own process (``python -m bench.simproc '<json>'``).

Config: ``accounts`` (how many simulated users) and ``sim`` (``SimConfig`` fields). The ready line
carries the URLs and the accounts. The simulator has no timestamp of when a message was posted,
so this process records one: ``time.time()`` right after each ``MessageBus.post`` stored the
message and handed MESSAGE_CREATE to the gateway sessions.

It also records when the gateway sent each MESSAGE_CREATE: the time a session's writer took the
event from its outbox, right before it encodes and writes the frame without pausing. Between the
two, the message waits in the simulator's own send queue (Discord's side of the wire).

Commands: ``posted`` (``ids``: message ids -> post time), ``sent`` (``ids``: message ids -> time
the first session wrote it), ``jobs`` (job counts by status), ``configure`` (``fields``:
SimConfig fields to change while running).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from bench.procs import Json, child_config, run_fast, serve_commands
from mjcore.sim import SimConfig, Simulator
from mjcore.sim.bus import MessageBus
from mjcore.sim.gateway import GatewayConnection, GatewayHub
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


class _StampedOutbox(asyncio.Queue[Any]):
    """A session's outbox that notes when its writer takes a MESSAGE_CREATE out."""

    def __init__(self, sent: dict[str, float]) -> None:
        super().__init__()
        self._sent = sent

    def get_nowait(self) -> Any:
        item = super().get_nowait()
        if isinstance(item, dict) and item.get("t") == "MESSAGE_CREATE":
            message_id = str(item["d"].get("id"))
            self._sent.setdefault(message_id, time.time())
        return item


class _Connections(set[GatewayConnection]):
    """The hub's connection set; gives each new connection a stamped outbox (still empty)."""

    def __init__(self, sent: dict[str, float]) -> None:
        super().__init__()
        self._sent = sent

    def add(self, conn: GatewayConnection) -> None:
        conn.outbox = _StampedOutbox(self._sent)
        super().add(conn)


class SendClock:
    """Records when each MESSAGE_CREATE was handed to a gateway socket."""

    def __init__(self, hub: GatewayHub) -> None:
        self.sent: dict[str, float] = {}
        hub.connections = _Connections(self.sent)  # a measuring hook, set before any client


async def main() -> None:
    config = child_config()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s sim %(levelname)s %(message)s")
    async with Simulator(sim_config(config.get("sim", {}))) as sim:
        accounts = [sim.add_account(name=f"bench{i}") for i in range(int(config["accounts"]))]
        clock = PostClock(sim.bus)
        send_clock = SendClock(sim.hub)

        async def posted(request: Json) -> Json:
            return {"posted": {i: clock.posted.get(i) for i in request["ids"]}}

        async def sent(request: Json) -> Json:
            return {"sent": {i: send_clock.sent.get(i) for i in request["ids"]}}

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
        await serve_commands(
            info, {"posted": posted, "sent": sent, "jobs": jobs, "configure": configure}
        )


if __name__ == "__main__":
    run_fast(main)
