"""Node-style API (/api/v1) against the real engine and simulator, with the spec's requests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from mjcore.api.compat.node.book import NodeBook
from tests.integration.compat.conftest import CompatStack, compat_stack

RECORD_KEYS = [
    "_id", "index", "action", "prompt", "promptEn", "taskId", "uri", "hash", "content",
    "progress", "description", "submitTime", "finishTime", "creationTime", "state",
    "notifyHook", "imageUrl", "status",
]  # fmt: skip
HOOK_PATH = "/node-hook"


async def wait_record(cs: CompatStack, record_id: str, status: str = "SUCCESS") -> dict[str, Any]:
    """The record once its task has ended."""
    await cs.wait_final(await _task_id_of(cs, record_id))
    response = await cs.client.get("/api/v1/task/fetch", params={"_id": record_id})
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    assert record["status"] == status, record
    return record


async def _task_id_of(cs: CompatStack, record_id: str) -> str:
    meta = await NodeBook(cs.base.engine.store).get(record_id)
    assert meta is not None
    return meta.task_id


async def test_imagine_by_query_then_fetch_and_hook(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        hook = cs.receiver.url(HOOK_PATH)
        response = await cs.client.get(
            "/api/v1/trigger/submit",
            params={"action": "IMAGINE", "prompt": "A dog", "state": "main", "notifyHook": hook},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ["code", "description", "result"]
        assert body["code"] == 1 and body["description"] == "成功"
        record_id = body["result"]
        assert uuid.UUID(record_id).version == 4

        record = await wait_record(cs, record_id)
        assert list(record) == RECORD_KEYS
        assert record["_id"] == record_id
        assert record["action"] == "IMAGINE"
        assert record["prompt"] == record["promptEn"] == "A dog"
        assert record["description"] == "/imagine A dog"
        assert record["state"] == "main" and record["notifyHook"] == hook
        assert record["index"] == ""
        assert record["progress"] == "done"
        task = await cs.base.engine.get(await _task_id_of(cs, record_id))
        assert task is not None
        assert record["taskId"] == task.message_id
        assert record["content"] == task.final_prompt and "A dog" in record["content"]
        # clients take the job uuid from the image name: uri.split("_").pop().split(".")[0]
        uri = record["uri"]
        assert uri == record["imageUrl"]
        assert uri.split("_")[-1].split(".")[0] == record["hash"] == task.message_hash
        assert isinstance(record["submitTime"], int) and isinstance(record["finishTime"], int)
        assert record["creationTime"] <= record["finishTime"]
        image = await cs.client.get(uri.removeprefix("http://mjbridge.test"))
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

        # the hook gets the final record once, and nothing for the states before it
        received = await cs.receiver.wait_for(lambda r: any(x.path == HOOK_PATH for x in r))
        hooks = [r for r in received if r.path == HOOK_PATH]
        assert len(hooks) == 1 and hooks[0].content_type.startswith("application/json")
        assert hooks[0].body == record


async def test_upscale_and_variation_from_body_and_form(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        first = await cs.client.post(
            "/api/v1/trigger/submit", json={"action": "IMAGINE", "prompt": "a red barn"}
        )
        parent_id = first.json()["result"]
        await wait_record(cs, parent_id)

        # all parameters from the JSON body because body.action is set; index stays a number
        up = await cs.client.post(
            "/api/v1/trigger/submit",
            params={"action": "VARIATION", "index": "4"},  # ignored: the body wins
            json={"action": "UPSCALE", "taskId": parent_id, "index": 1, "state": 7},
        )
        assert up.status_code == 200 and up.json()["code"] == 1, up.text
        upscale = await wait_record(cs, up.json()["result"])
        assert upscale["action"] == "UPSCALE" and upscale["index"] == 1 and upscale["state"] == 7
        assert upscale["prompt"] == "a red barn"
        assert upscale["uri"].split("_")[-1].split(".")[0] == upscale["hash"]

        # the alias path, any method, url-encoded form: index stays the submitted string
        var = await cs.client.put(
            "/api/v1/mj/submit",
            content=f"action=VARIATION&taskId={parent_id}&index=2",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert var.status_code == 200, var.text
        variation = await wait_record(cs, var.json()["result"])
        assert variation["action"] == "VARIATION" and variation["index"] == "2"
        assert variation["hash"] not in (upscale["hash"], "")

        # after SUCCESS the parent's taskId is its Discord message id, accepted as a reference
        parent = (await cs.client.get("/api/v1/task/fetch", params={"_id": parent_id})).json()
        by_message = await cs.client.post(
            "/api/v1/trigger/submit",
            json={"action": "UPSCALE", "taskId": parent["taskId"], "index": 2},
        )
        assert by_message.status_code == 200, by_message.text
        second = await wait_record(cs, by_message.json()["result"])
        assert second["hash"] not in (upscale["hash"], variation["hash"])

        listed = (await cs.client.get("/api/v1/task/list")).json()
        ids = [parent_id, upscale["_id"], variation["_id"], second["_id"]]
        assert [r["_id"] for r in listed] == sorted(ids)
        assert all(list(r) == RECORD_KEYS for r in listed)
        assert (await cs.client.delete("/api/v1/task/list")).json() == listed


async def test_fetch_reads_id_from_query_or_body(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        made = await cs.client.get(
            "/api/v1/trigger/submit", params={"action": "IMAGINE", "prompt": "a kite"}
        )
        record_id = made.json()["result"]
        # the original's quirk: the body is read when body.id is truthy
        quirk = await cs.client.post("/api/v1/task/fetch", json={"id": "x", "_id": record_id})
        assert quirk.status_code == 200 and quirk.json()["_id"] == record_id
        by_query = await cs.client.post(f"/api/v1/task/fetch?_id={record_id}")
        assert by_query.json()["_id"] == record_id
        by_body = await cs.client.post("/api/v1/task/fetch", json={"_id": record_id})
        assert by_body.json()["_id"] == record_id

        unknown = await cs.client.get("/api/v1/task/fetch", params={"_id": "nope"})
        assert unknown.status_code == 400 and unknown.json()["code"] == 0
        missing = await cs.client.get("/api/v1/task/fetch")
        assert missing.status_code == 400 and missing.json()["code"] == 0


async def test_bad_submits_answer_400_and_make_no_task(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        made = await cs.client.get(
            "/api/v1/trigger/submit", params={"action": "IMAGINE", "prompt": "a boat"}
        )
        parent_id = made.json()["result"]
        await wait_record(cs, parent_id)
        before = await cs.base.engine.list(limit=1000)

        bad: list[tuple[str, dict[str, Any]]] = [
            ("get", {"params": {"action": "ZOOM", "prompt": "x"}}),
            ("get", {"params": {"action": "imagine", "prompt": "x"}}),  # case-sensitive
            ("get", {"params": {"prompt": "x"}}),
            ("get", {"params": {"action": "IMAGINE"}}),
            ("get", {"params": {"action": "IMAGINE", "prompt": "   "}}),
            ("post", {"json": {"action": "UPSCALE", "taskId": parent_id, "index": 5}}),
            ("post", {"json": {"action": "UPSCALE", "taskId": parent_id, "index": ""}}),
            ("post", {"json": {"action": "UPSCALE", "taskId": parent_id, "index": "abc"}}),
            ("post", {"json": {"action": "UPSCALE", "index": 1}}),
            ("post", {"json": {"action": "VARIATION", "taskId": "no-such-id", "index": 1}}),
            ("post", {"json": {"action": "IMAGINE", "prompt": "x", "notifyHook": "ftp://x"}}),
            ("post", {"json": {"action": "IMAGINE", "prompt": "x", "state": {"a": 1}}}),
            ("post", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
        ]
        for method, kwargs in bad:
            response = await getattr(cs.client, method)("/api/v1/trigger/submit", **kwargs)
            assert response.status_code == 400, (kwargs, response.text)
            body = response.json()
            assert body["code"] == 0 and body["description"], body

        after = await cs.base.engine.list(limit=1000)
        assert [t.id for t in after] == [t.id for t in before]
        listed = (await cs.client.get("/api/v1/task/list")).json()
        assert [r["_id"] for r in listed] == [parent_id]
