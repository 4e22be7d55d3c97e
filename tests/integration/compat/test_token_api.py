"""Token API (/midjourney) with the requests its documentation shows."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from mjcore.api.compat import CompatOptions
from mjcore.models import TaskStatus
from tests.integration.compat.conftest import BASE_URL, compat_stack, png_bytes
from tests.integration.compat.helpers import new_token, uses_left, wait_job
from tests.integration.compat.polling import poll
from tests.integration.conftest import wait_for_task

JOB_KEYS = ["prompt", "upscale", "client_id", "id", "tasks", "images"]
IMAGE_KEYS = ["id", "url", "upscaled", "actions"]
LIMIT_TEXT = "调用次数达到限制，请联系管理员"
PREFIX = "/midjourney"


def assert_html_error(response: httpx.Response, status: int, result: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert json.loads(response.text) == {"code": 400, "result": result}


async def test_imagine_job_action_progress_history(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        token = await new_token(cs, count=3)
        made = await cs.client.get(
            f"{PREFIX}/imagine", params={"prompt": "a dog —ar 3:2", "token": token}
        )
        assert made.status_code == 200, made.text
        job = made.json()
        assert list(job) == JOB_KEYS
        assert job["prompt"] == "a dog --ar 3:2" and job["upscale"] is False
        assert re.fullmatch(r"[0-9a-f]{20}", job["id"]) and job["tasks"] == 1
        channel = cs.base.sim_accounts[0].channel_id
        assert job["client_id"] == channel
        assert await uses_left(cs, token) == 2

        job = await wait_job(cs, job["id"], 1)
        [grid] = job["images"]
        assert list(grid) == IMAGE_KEYS and grid["upscaled"] is False
        labels = [[a["label"] for a in row] for row in grid["actions"]]
        assert labels == [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4"]]
        uuid = grid["url"].split("_")[-1].split(".")[0]
        assert grid["actions"][0][0]["id"] == f"MJ::JOB::upsample::1::{uuid}"
        image = await cs.client.get(grid["url"].removeprefix(BASE_URL))
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

        progress = (await cs.client.get(f"{PREFIX}/progress", params={"id": job["id"]})).json()
        assert progress == {"id": job["id"], "percentage": "100", "image_url": grid["url"]}

        acted = await cs.client.get(
            f"{PREFIX}/action",
            params={
                "image": grid["id"],
                "action": grid["actions"][0][0]["id"],
                "token": token,
                "client_id": job["client_id"],
            },
        )
        assert acted.status_code == 200, acted.text
        assert acted.json()["tasks"] == 2 and acted.json()["id"] == job["id"]
        assert await uses_left(cs, token) == 1
        job = await wait_job(cs, job["id"], 2)
        upscaled = job["images"][1]
        assert upscaled["upscaled"] is True and upscaled["id"] != grid["id"]
        flat = [a["label"] for row in upscaled["actions"] for a in row]
        assert "Vary (Strong)" in flat and "Zoom Out 2x" in flat

        history = (await cs.client.get(f"{PREFIX}/history", params={"token": token})).json()
        assert history == {
            "data": [
                {"job_id": job["id"], "images_url": grid["url"]},
                {"job_id": job["id"], "images_url": upscaled["url"]},
            ]
        }
        other = (await cs.client.get(f"{PREFIX}/history", params={"token": "zzzzz"})).json()
        assert other == {"data": []}

        devices = (await cs.client.get(f"{PREFIX}/get_devices")).json()
        assert devices == [
            {
                "device": f"channel_id_{channel}",
                "channelID": channel,
                "patternType": "fast",
                "status": "idle",
                "count": "1",
                "time": devices[0]["time"],
            }
        ]
        assert int(devices[0]["time"]) > 0
        assert (await cs.client.get(f"{PREFIX}/get_queue")).json() == {"status": 200, "data": 0}

        # the last use, then the shared limit error (text/html JSON)
        last = await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "a cat", "token": token})
        assert last.status_code == 200
        spent = await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "a cat", "token": token})
        assert_html_error(spent, 400, LIMIT_TEXT)


async def test_failed_job_shows_error_and_refunds_the_use(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        token = await new_token(cs, count=2)
        made = await cs.client.get(
            f"{PREFIX}/imagine", params={"prompt": "SIM_BANNED thing", "token": token}
        )
        job = await wait_job(cs, made.json()["id"], 1)
        [entry] = job["images"]
        assert list(entry) == ["id", "error", "title"]
        assert entry["title"] == "Banned prompt detected" and entry["error"]
        tasks = await cs.base.engine.list()
        await wait_for_task(cs.base.engine, tasks[0].id, lambda t: t.is_final)

        async def refunded(_: Any) -> bool:
            return await uses_left(cs, token) == 2

        await poll(refunded)


async def test_upscale_true_adds_u1_without_counting_it(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        token = await new_token(cs)
        made = await cs.client.get(
            f"{PREFIX}/imagine", params={"prompt": "a fox", "token": token, "upscale": "true"}
        )
        assert made.json()["upscale"] is True
        job = await wait_job(cs, made.json()["id"], 2)
        assert job["tasks"] == 1
        assert [i["upscaled"] for i in job["images"]] == [False, True]
        assert await uses_left(cs, token) == 4


async def test_describe_and_descjob(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        response = await cs.client.post(
            f"{PREFIX}/describe", files={"image": ("x.png", png_bytes(), "image/png")}
        )
        assert response.status_code == 200, response.text
        job = response.json()
        assert list(job) == ["imageName", "id", "client_id", "desc"]
        assert re.fullmatch(r"\d{13}", job["id"]) and job["imageName"] == f"{job['id']}.png"
        assert job["desc"] == []

        desc: list[dict[str, Any]] = []

        async def described(_: Any) -> bool:
            nonlocal desc
            found = await cs.client.get(f"{PREFIX}/descjob", params={"id": job["id"]})
            assert found.status_code == 200
            desc = found.json()["desc"]
            return bool(desc)

        await poll(described)
        [entry] = desc
        assert list(entry) == ["id", "mj_image", "desc_text", "actions"]
        assert entry["desc_text"].startswith("1️⃣") and "\r\n" in entry["desc_text"]
        assert "\n\n" not in entry["desc_text"]
        ids = [a["id"] for row in entry["actions"] for a in row]
        assert "MJ::Job::PicReader::1" in ids

        assert (await cs.client.get(f"{PREFIX}/descjob")).text == "Bad Request"
        unknown = await cs.client.get(f"{PREFIX}/descjob", params={"id": "1"})
        assert unknown.status_code == 404 and unknown.text == "Not Found"
        no_file = await cs.client.post(f"{PREFIX}/describe", data={"image": "text"})
        assert_html_error(no_file, 400, "无效的文件!!!")
        not_image = await cs.client.post(
            f"{PREFIX}/describe", files={"image": ("x.txt", b"hello", "text/plain")}
        )
        assert_html_error(not_image, 400, "无效的文件!!!")


async def test_switch_info_and_modes(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        channel = cs.base.sim_accounts[0].channel_id
        info = await cs.client.get(
            f"{PREFIX}/switch", params={"type": "info", "client_id": channel}
        )
        body = info.json()
        assert body["code"] == 200 and list(body["result"]) == ["title", "description:"]
        assert "info" in body["result"]["title"].lower() and body["result"]["description:"]
        relax = await cs.client.get(
            f"{PREFIX}/switch", params={"type": "relax", "client_id": channel}
        )
        assert relax.json()["code"] == 200 and relax.json()["result"], relax.text
        assert_html_error(
            await cs.client.get(f"{PREFIX}/switch", params={"type": "info"}),
            400,
            "client_id parameter should be provided",
        )
        unknown = await cs.client.get(f"{PREFIX}/switch", params={"type": "x", "client_id": "1"})
        assert unknown.status_code == 400


async def test_bad_requests_and_tokens(tmp_path: Path) -> None:
    async with compat_stack(tmp_path) as cs:
        token = await new_token(cs, count=2)
        before = [t.id for t in await cs.base.engine.list(limit=100)]

        assert_html_error(
            await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "a cat"}),
            400,
            LIMIT_TEXT,
        )
        assert_html_error(
            await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "a cat", "token": "nope1"}),
            400,
            LIMIT_TEXT,
        )
        blank = await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "  ", "token": token})
        assert blank.status_code == 400 and blank.text == "prompt parameter is required"
        assert_html_error(
            await cs.client.get(f"{PREFIX}/action", params={"token": token, "client_id": "1"}),
            400,
            "image and action parameters should be provided",
        )
        assert_html_error(
            await cs.client.get(
                f"{PREFIX}/action", params={"token": token, "image": "1", "action": "x"}
            ),
            400,
            "client_id parameter should be provided",
        )
        unknown_image = await cs.client.get(
            f"{PREFIX}/action",
            params={"token": token, "image": "1", "action": "x", "client_id": "1"},
        )
        assert unknown_image.status_code == 400
        assert await uses_left(cs, token) == 2

        bad_token_args: list[dict[str, str | int]] = [
            {"count": "x", "day": 1},
            {"count": 0, "day": 1},
            {"count": 1},
        ]
        for params in bad_token_args:
            response = await cs.client.get(f"{PREFIX}/create_token", params=params)
            assert response.status_code == 400, params

        assert (await cs.client.get(f"{PREFIX}/job")).text == "Bad Request"
        missing = await cs.client.get(f"{PREFIX}/job", params={"id": "0" * 20})
        assert missing.status_code == 404 and missing.text == "Not Found"
        assert (await cs.client.get(f"{PREFIX}/progress")).status_code == 400
        idle = await cs.client.get(f"{PREFIX}/progress", params={"id": "0" * 20})
        assert idle.json() == {"progress": 0}
        assert [t.id for t in await cs.base.engine.list(limit=100)] == before


async def test_create_token_needs_the_admin_secret_when_set(tmp_path: Path) -> None:
    async with compat_stack(tmp_path, api_secret="s3cret") as cs:
        refused = await cs.client.get(f"{PREFIX}/create_token", params={"count": 1, "day": 1})
        assert refused.status_code == 401
        wrong = await cs.client.get(
            f"{PREFIX}/create_token", params={"count": 1, "day": 1, "secret": "nope"}
        )
        assert wrong.status_code == 401
        await new_token(cs, secret="s3cret")
        by_query = await cs.client.get(
            f"{PREFIX}/create_token", params={"count": 1, "day": 1, "secret": "s3cret"}
        )
        assert by_query.status_code == 200
        # the token API itself needs no mj-api-secret: its own token is the credential
        health = await cs.client.get(f"{PREFIX}/get_queue")
        assert health.status_code == 200


async def test_image_url_prefix_wraps_the_discord_url(tmp_path: Path) -> None:
    options = CompatOptions(image_url_prefix="https://images.example/?url=")
    async with compat_stack(tmp_path, options=options) as cs:
        token = await new_token(cs)
        made = await cs.client.get(f"{PREFIX}/imagine", params={"prompt": "a owl", "token": token})
        job = await wait_job(cs, made.json()["id"], 1)
        url = job["images"][0]["url"]
        task = (await cs.base.engine.list())[0]
        assert task.status is TaskStatus.SUCCESS
        assert url == f"https://images.example/?url={task.discord_image_url}"
