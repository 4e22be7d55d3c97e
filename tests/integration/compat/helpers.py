"""Request helpers shared by the compat contract tests."""

from __future__ import annotations

import re
from typing import Any

from mjcore.api.compat.token.book import TokenBook
from tests.integration.compat.conftest import TRIGGER_HOOK_PATH, CompatStack
from tests.integration.compat.polling import poll
from tests.integration.compat.receiver import Received

TRIGGER = "/v1/api/trigger"
TOKEN = "/midjourney"


def callbacks(cs: CompatStack, trigger_id: str) -> list[dict[str, Any]]:
    return [b for b in cs.receiver.bodies(TRIGGER_HOOK_PATH) if b["trigger_id"] == trigger_id]


async def wait_callback(
    cs: CompatStack, trigger_id: str, kind: str, count: int = 1, timeout: float = 20.0
) -> dict[str, Any]:
    def enough(_: list[Received]) -> bool:
        return len([b for b in callbacks(cs, trigger_id) if b["type"] == kind]) >= count

    await cs.receiver.wait_for(enough, timeout)
    return [b for b in callbacks(cs, trigger_id) if b["type"] == kind][count - 1]


def msg_hash(end: dict[str, Any]) -> str:
    """How clients derive msg_hash: attachments[0].filename.split("_")[-1].split(".")[0]."""
    return str(end["attachments"][0]["filename"].split("_")[-1].split(".")[0])


async def imagine(cs: CompatStack, prompt: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    response = await cs.client.post(f"{TRIGGER}/imagine", json={"prompt": prompt, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["message", "trigger_id", "trigger_type"]
    assert body["message"] == "success" and body["trigger_type"] == "generate"
    trigger_id = body["trigger_id"]
    assert re.fullmatch(r"[1-9]\d{0,9}|0", trigger_id), trigger_id
    return trigger_id, await wait_callback(cs, trigger_id, "end")


async def new_token(cs: CompatStack, count: int = 5, secret: str = "") -> str:
    headers = {"mj-api-secret": secret} if secret else {}
    response = await cs.client.get(
        f"{TOKEN}/create_token", params={"count": count, "day": 1}, headers=headers
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert re.fullmatch(r"[a-z0-9]{5}", token)
    return str(token)


async def uses_left(cs: CompatStack, token: str) -> int:
    found = await TokenBook(cs.base.engine.store).get(token)
    assert found is not None
    return found.count


async def wait_job(cs: CompatStack, job_id: str, images: int) -> dict[str, Any]:
    """Poll /job until it lists ``images`` entries (every task of the job ended)."""
    job: dict[str, Any] = {}

    async def ready(_: Any) -> bool:
        nonlocal job
        response = await cs.client.get(f"{TOKEN}/job", params={"id": job_id})
        assert response.status_code == 200, response.text
        job = response.json()
        return len(job["images"]) >= images

    await poll(ready)
    return job
