"""A button that opens Midjourney's prompt window (Remix mode) is refused; its task is cancelled."""

from __future__ import annotations

import json
from pathlib import Path

from mjcore.api.compat.token.book import TokenBook
from mjcore.models import TaskStatus
from tests.integration.compat.conftest import compat_stack
from tests.integration.compat.helpers import imagine, msg_hash, wait_job


async def test_prompt_windows_are_refused_without_leaving_a_task(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        engine = cs.base.engine
        trigger_id, end = await imagine(cs, "a windmill")
        token = (
            await cs.client.get("/midjourney/create_token", params={"count": 5, "day": 1})
        ).json()["token"]
        made = await cs.client.get(
            "/midjourney/imagine", params={"prompt": "a owl", "token": token}
        )
        job = await wait_job(cs, made.json()["id"], 1)
        node = await cs.client.get(
            "/api/v1/trigger/submit", params={"action": "IMAGINE", "prompt": "a dam"}
        )
        node_id = node.json()["result"]
        for task in await engine.list():
            await cs.wait_final(task.id)
        # as after Midjourney's "Remix mode turned on": variations now open a prompt window
        for runtime in engine.accounts.values():
            runtime.remix = True
        before = {t.id for t in await engine.list(limit=100)}

        ref = {"msg_id": str(end["id"]), "msg_hash": msg_hash(end), "trigger_id": trigger_id}
        trigger = await cs.client.post("/v1/api/trigger/variation", json={**ref, "index": 1})
        assert trigger.status_code == 400 and trigger.json()["code"] == 13
        assert "Remix" in trigger.json()["message"]

        node_var = await cs.client.post(
            "/api/v1/trigger/submit", json={"action": "VARIATION", "taskId": node_id, "index": 1}
        )
        assert node_var.status_code == 400 and "Remix" in node_var.json()["description"]

        grid = job["images"][0]
        v1 = grid["actions"][1][0]["id"]
        token_var = await cs.client.get(
            "/midjourney/action",
            params={
                "image": grid["id"],
                "action": v1,
                "token": token,
                "client_id": job["client_id"],
            },
        )
        assert token_var.status_code == 400 and "Remix" in json.loads(token_var.text)["result"]
        spent = await TokenBook(engine.store).get(token)
        assert spent is not None and spent.count == 4  # only the imagine was paid

        made_now = [t for t in await engine.list(limit=100) if t.id not in before]
        assert len(made_now) == 3
        assert {t.status for t in made_now} == {TaskStatus.CANCEL}
        assert (await cs.client.get("/api/v1/task/list")).json()[0]["_id"] == node_id
        assert len((await cs.client.get("/api/v1/task/list")).json()) == 1
