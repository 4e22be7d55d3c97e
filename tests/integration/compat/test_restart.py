"""Compat state lives in the task store: records, tokens and jobs outlive a restart."""

from __future__ import annotations

from pathlib import Path

from mjcore.api.compat.token.book import TokenBook
from tests.integration.compat.conftest import compat_stack
from tests.integration.compat.polling import poll


async def test_records_tokens_and_jobs_survive_a_restart(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        node = await cs.client.get(
            "/api/v1/trigger/submit", params={"action": "IMAGINE", "prompt": "a mill"}
        )
        record_id = node.json()["result"]
        token = (
            await cs.client.get("/midjourney/create_token", params={"count": 3, "day": 2})
        ).json()["token"]
        job_id = (
            await cs.client.get("/midjourney/imagine", params={"prompt": "a owl", "token": token})
        ).json()["id"]
        for task in await cs.base.engine.list():
            await cs.wait_final(task.id)

        async def both_done(_: object) -> bool:
            job = (await cs.client.get("/midjourney/job", params={"id": job_id})).json()
            record = (await cs.client.get("/api/v1/task/fetch", params={"_id": record_id})).json()
            return bool(job["images"]) and record["status"] == "SUCCESS"

        await poll(both_done)
        record = (await cs.client.get("/api/v1/task/fetch", params={"_id": record_id})).json()
        job = (await cs.client.get("/midjourney/job", params={"id": job_id})).json()

    async with compat_stack(tmp_path) as again:
        assert (
            await again.client.get("/api/v1/task/fetch", params={"_id": record_id})
        ).json() == record
        assert (await again.client.get("/midjourney/job", params={"id": job_id})).json() == job
        history = (await again.client.get("/midjourney/history", params={"token": token})).json()
        assert [row["job_id"] for row in history["data"]] == [job_id]
        kept = await TokenBook(again.base.engine.store).get(token)
        assert kept is not None and kept.count == 2
        # the durable image is still served after the restart
        image = await again.client.get(record["uri"].removeprefix("http://mjbridge.test"))
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


async def test_compat_routes_need_no_mj_secret(tmp_path: Path) -> None:
    async with compat_stack(tmp_path, api_secret="s3cret") as cs:
        assert (await cs.client.get("/mj/task/list")).status_code == 401
        assert (await cs.client.get("/api/v1/task/list")).status_code == 200
        release = await cs.client.post("/v1/api/trigger/queue/release", json={"trigger_id": "1"})
        assert release.status_code == 200
        assert (await cs.client.get("/midjourney/get_queue")).status_code == 200
