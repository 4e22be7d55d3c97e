"""A full account queue: each API answers in its own shape and makes no task."""

from __future__ import annotations

import json
from pathlib import Path

from mjcore.api.compat.token.book import TokenBook
from mjcore.models import SubmitCode
from tests.integration.compat.conftest import compat_stack
from tests.integration.conftest import fast_sim_config

ONE_SLOT = [{"core_size": 1, "queue_size": 1}]
SLOW = fast_sim_config(start_delay_seconds=5.0, progress_delay_seconds=5.0)


async def test_full_queue_is_refused_by_every_api(tmp_path: Path) -> None:
    async with compat_stack(tmp_path, account_overrides=ONE_SLOT, sim_config=SLOW) as cs:
        engine = cs.base.engine
        running = await engine.submit_imagine("first")
        waiting = await engine.submit_imagine("second")
        assert running.code is SubmitCode.SUCCESS and waiting.code is SubmitCode.IN_QUEUE
        before = [t.id for t in await engine.list()]

        trigger = await cs.client.post("/v1/api/trigger/imagine", json={"prompt": "third"})
        assert trigger.status_code == 200
        assert trigger.json() == {"code": 15, "message": "Task queue is full: 1"}

        node = await cs.client.get(
            "/api/v1/trigger/submit", params={"action": "IMAGINE", "prompt": "third"}
        )
        assert node.status_code == 503 and node.json()["code"] == 0

        token = (
            await cs.client.get("/midjourney/create_token", params={"count": 2, "day": 1})
        ).json()["token"]
        refused = await cs.client.get(
            "/midjourney/imagine", params={"prompt": "third", "token": token}
        )
        assert refused.status_code == 503
        assert json.loads(refused.text)["code"] == 400
        spent = await TokenBook(engine.store).get(token)
        assert spent is not None and spent.count == 2  # the use came back

        assert [t.id for t in await engine.list()] == before
        assert (await cs.client.get("/api/v1/task/list")).json() == []
        queue = (await cs.client.get("/midjourney/get_queue")).json()
        assert queue == {"status": 200, "data": 1}
        [device] = (await cs.client.get("/midjourney/get_devices")).json()
        assert device["status"] == "full"
