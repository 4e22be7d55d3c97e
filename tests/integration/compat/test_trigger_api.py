"""Trigger API (/v1/api/trigger) with the requests its documentation shows; callbacks arrive
at a receiver on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.integration.compat.conftest import BASE_URL, compat_stack, png_bytes
from tests.integration.compat.helpers import callbacks, imagine, msg_hash, wait_callback

CALLBACK_KEYS = ["type", "id", "content", "attachments", "embeds", "trigger_id"]
ATTACHMENT_KEYS = ["filename", "id", "proxy_url", "size", "url", "spoiler"]
PREFIX = "/v1/api/trigger"


async def test_imagine_callbacks_start_generating_end(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        trigger_id, end = await imagine(cs, "a cute cat")
        seen = callbacks(cs, trigger_id)
        kinds = [b["type"] for b in seen]
        assert kinds[0] == "start" and kinds[-1] == "end", kinds
        assert "generating" in kinds and set(kinds) == {"start", "generating", "end"}
        for body in seen:
            assert list(body) == CALLBACK_KEYS
            assert isinstance(body["id"], int) and body["id"] > 0
            assert f"**<#{trigger_id}#>a cute cat" in body["content"]
            assert body["embeds"] == []
        user = cs.base.sim_accounts[0].user_id
        assert (
            seen[0]["content"] == f"**<#{trigger_id}#>a cute cat** - <@{user}> (Waiting to start)"
        )
        assert seen[0]["attachments"] == []
        generating = [b for b in seen if b["type"] == "generating"]
        assert all(
            re.fullmatch(
                rf"\*\*<#{trigger_id}#>a cute cat\*\* - <@{user}> \(\d+%\) \(fast\)", b["content"]
            )
            for b in generating
        ), generating
        assert any(b["attachments"] for b in generating)  # previews once the grid shows
        assert {b["id"] for b in generating} == {seen[0]["id"]}  # the progress message

        task = next(t for t in await cs.base.engine.list() if t.message_id == str(end["id"]))
        assert end["id"] != seen[0]["id"] and end["content"] == task.message_content
        [attachment] = end["attachments"]
        assert list(attachment)[:6] == ATTACHMENT_KEYS
        assert attachment["content_type"] == "image/png" and attachment["size"] > 0
        assert attachment["width"] == task.image_width and isinstance(attachment["id"], int)
        assert msg_hash(end) == task.message_hash
        image = await cs.client.get(attachment["url"].removeprefix(BASE_URL))
        assert image.status_code == 200 and len(image.content) == attachment["size"]


async def test_buttons_reuse_the_lineage_trigger_id(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        trigger_id, end = await imagine(cs, "a lighthouse")
        ref = {"msg_id": str(end["id"]), "msg_hash": msg_hash(end), "trigger_id": trigger_id}

        up = await cs.client.post(f"{PREFIX}/upscale", json={**ref, "index": 1})
        assert up.json() == {
            "message": "success",
            "trigger_id": trigger_id,
            "trigger_type": "upscale",
        }
        upscaled = await wait_callback(cs, trigger_id, "end", count=2)
        assert "Image #1" in upscaled["content"] and f"<#{trigger_id}#>" in upscaled["content"]

        # pydantic-v1 style coercion: msg_id as a JSON number, index as a string
        var = await cs.client.post(
            f"{PREFIX}/variation", json={**ref, "msg_id": end["id"], "index": "2"}
        )
        assert var.status_code == 200 and var.json()["trigger_type"] == "variation", var.text
        await wait_callback(cs, trigger_id, "end", count=3)

        reset = await cs.client.post(f"{PREFIX}/reset", json=ref)
        assert reset.json()["trigger_type"] == "reset"
        await wait_callback(cs, trigger_id, "end", count=4)

        # "Make Variations" on a grid is its V1 (index required, ignored)
        solo = await cs.client.post(f"{PREFIX}/solo_variation", json={**ref, "index": 3})
        assert solo.json()["trigger_type"] == "solo_variation", solo.text
        await wait_callback(cs, trigger_id, "end", count=5)

        # buttons of the upscaled image; a fresh trigger_id is echoed, callbacks keep the marker's
        up_ref = {"msg_id": str(upscaled["id"]), "msg_hash": msg_hash(upscaled)}
        fresh = "42"
        answers = [
            await cs.client.post(
                f"{PREFIX}/solo_high_variation", json={**up_ref, "index": 0, "trigger_id": fresh}
            ),
            await cs.client.post(
                f"{PREFIX}/solo_low_variation", json={**up_ref, "index": 0, "trigger_id": fresh}
            ),
            await cs.client.post(
                f"{PREFIX}/expand", json={**up_ref, "direction": "left", "trigger_id": fresh}
            ),
            await cs.client.post(
                f"{PREFIX}/zoomout", json={**up_ref, "zoomout": 50, "trigger_id": fresh}
            ),
        ]
        assert [a.json()["trigger_type"] for a in answers] == [
            "solo_high_variation",
            "solo_low_variation",
            "expand",
            "zoomout",
        ], [a.text for a in answers]
        assert all(a.json()["trigger_id"] == fresh for a in answers)
        await wait_callback(cs, trigger_id, "end", count=9)
        assert callbacks(cs, fresh) == []
        ends = [b for b in callbacks(cs, trigger_id) if b["type"] == "end"]
        assert len({msg_hash(b) for b in ends}) == 9


async def test_upload_message_picurl_and_describe(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        data = png_bytes()
        up = await cs.client.post(
            f"{PREFIX}/upload", files={"file": ("cat.png", data, "image/png")}
        )
        assert up.status_code == 200, up.text
        body = up.json()
        assert list(body) == ["message", "upload_filename", "upload_url", "trigger_id"]
        name, upload_trigger = body["upload_filename"], body["trigger_id"]
        assert re.fullmatch(rf"[0-9a-f-]{{36}}/{upload_trigger}\.png", name), name
        fetched = await cs.client.get(body["upload_url"].removeprefix(BASE_URL))
        assert fetched.content == data

        message = await cs.client.post(f"{PREFIX}/message", json={"upload_filename": name})
        assert message.status_code == 200
        picurl = message.json()["picurl"]
        assert message.json() == {"message": "success", "picurl": picurl} and picurl

        trigger_id, end = await imagine(cs, "a cat in a hat", picurl=picurl)
        task = next(t for t in await cs.base.engine.list() if t.message_id == str(end["id"]))
        # the uploaded image went to Discord as an image prompt, in front of the marker
        assert len(task.image_urls) == 1
        assert re.search(rf"\*\*\S+ <#{trigger_id}#>a cat in a hat", end["content"]), end

        described = await cs.client.post(
            f"{PREFIX}/describe", json={"upload_filename": name, "trigger_id": upload_trigger}
        )
        assert described.json() == {
            "message": "success",
            "trigger_id": upload_trigger,
            "trigger_type": "describe",
        }
        text = await wait_callback(cs, upload_trigger, "text")
        assert list(text) == CALLBACK_KEYS and text["content"] == ""
        [embed] = text["embeds"]
        assert "1️⃣" in embed["description"] and embed["type"] == "rich"
        assert embed["image"]["url"]
        assert [b["type"] for b in callbacks(cs, upload_trigger)] == ["text"]

        release = await cs.client.post(f"{PREFIX}/queue/release", json={"trigger_id": "1"})
        assert release.json() == {"message": "success", "trigger_id": "1", "trigger_type": ""}


async def test_failures_are_called_back_as_error_or_banned(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        banned = await cs.client.post(f"{PREFIX}/imagine", json={"prompt": "SIM_BANNED thing"})
        banned_id = banned.json()["trigger_id"]
        body = await wait_callback(cs, banned_id, "banned")
        assert list(body) == CALLBACK_KEYS and body["embeds"][0]["title"]

        failed = await cs.client.post(f"{PREFIX}/imagine", json={"prompt": "SIM_ERROR thing"})
        failed_id = failed.json()["trigger_id"]
        error = await wait_callback(cs, failed_id, "error")
        assert "(Stopped)" in error["content"] and error["embeds"][0]["description"]
        assert [b["type"] for b in callbacks(cs, failed_id)] == ["error"]


async def test_bad_input_is_refused_before_any_task(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        trigger_id, end = await imagine(cs, "a harbour")
        ref = {"msg_id": str(end["id"]), "msg_hash": msg_hash(end), "trigger_id": trigger_id}
        before = [t.id for t in await cs.base.engine.list(limit=1000)]

        cases: list[tuple[str, dict[str, Any]]] = [
            ("imagine", {"json": {}}),
            ("imagine", {"json": {"prompt": None}}),
            ("imagine", {"json": {"prompt": "   "}}),
            ("imagine", {"content": b"not json", "headers": {"content-type": "application/json"}}),
            ("imagine", {"json": ["a list"]}),
            ("upscale", {"json": {**ref}}),  # no index
            ("upscale", {"json": {**ref, "index": "one"}}),
            ("upscale", {"json": {**ref, "index": 9}}),  # no such button
            ("upscale", {"json": {**ref, "index": 1, "msg_id": "123"}}),  # unknown message
            ("variation", {"json": {**ref, "index": 1, "msg_hash": "not-the-hash"}}),
            ("expand", {"json": {**ref, "direction": "diagonal"}}),
            ("zoomout", {"json": {**ref, "zoomout": 33}}),
            ("reset", {"json": {"msg_id": ref["msg_id"]}}),
            ("describe", {"json": {"upload_filename": "../../etc/passwd", "trigger_id": "1"}}),
            ("upload", {"data": {"file": "not a file"}}),
        ]
        for route, kwargs in cases:
            response = await cs.client.post(f"{PREFIX}/{route}", **kwargs)
            assert response.status_code == 400, (route, kwargs, response.text)
            body = response.json()
            assert body["code"] == 13, body
            assert body["message"].startswith("request params error: "), body

        not_image = await cs.client.post(
            f"{PREFIX}/upload", files={"file": ("a.txt", b"hello", "text/plain")}
        )
        assert not_image.status_code == 400
        assert not_image.json() == {
            "message": "must image",
            "upload_filename": "",
            "upload_url": "",
            "trigger_id": "",
        }
        unknown = await cs.client.post(
            f"{PREFIX}/message",
            json={"upload_filename": "00000000-0000-0000-0000-000000000000/1.png"},
        )
        assert unknown.status_code == 400
        assert unknown.json() == {"message": "Failed to send message", "picurl": ""}

        assert [t.id for t in await cs.base.engine.list(limit=1000)] == before
