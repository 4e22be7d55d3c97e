"""One contract test per /mj path, against the simulator over real sockets."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from mjcore.api.responses import SubmitResponse, TaskModel
from tests.integration.actions_helpers import button, data_url, run, submit, wait_task
from tests.integration.api.conftest import PUBLIC_URL, banned_stack, stored_tasks
from tests.integration.conftest import Stack, running_stack, wait_for_task

TASK_KEYS = {
    "id",
    "action",
    "status",
    "prompt",
    "promptEn",
    "description",
    "state",
    "submitTime",
    "startTime",
    "finishTime",
    "imageUrl",
    "imageWidth",
    "imageHeight",
    "progress",
    "failReason",
    "buttons",
    "properties",
}
PROPERTY_KEYS = {
    "notifyHook",
    "finalPrompt",
    "messageId",
    "messageHash",
    "progressMessageId",
    "nonce",
    "flags",
    "discordInstanceId",
    "discordChannelId",
    "botType",
    "messageContent",
}


def account_id(stack: Stack) -> str:
    return stack.sim_accounts[0].channel_id


def assert_submit_shape(answer: dict[str, Any]) -> None:
    SubmitResponse.model_validate(answer)
    assert set(answer) == {"code", "description", "result", "properties"}, answer


async def imagine(stack: Stack, prompt: str = "a glass whale --v 7") -> dict[str, Any]:
    task = await run(stack.api, "/mj/submit/imagine", {"prompt": prompt})
    assert task["status"] == "SUCCESS", task
    return task


async def test_imagine_and_fetch_give_the_task_json(stack: Stack) -> None:
    answer = await submit(
        stack.api,
        "/mj/submit/imagine",
        {"prompt": "dog playing ball --v 7", "state": "caller-42", "notifyHook": ""},
    )
    assert_submit_shape(answer)
    assert answer["code"] == 1 and answer["description"] == "Submit success"
    assert answer["properties"] == {"discordInstanceId": account_id(stack)}
    task = await wait_task(stack.api, answer["result"])

    TaskModel.model_validate(task)
    assert set(task) == TASK_KEYS
    assert set(task["properties"]) >= PROPERTY_KEYS
    assert task["id"] == answer["result"]
    assert (task["action"], task["status"], task["progress"]) == ("IMAGINE", "SUCCESS", "100%")
    assert task["state"] == "caller-42"
    assert task["prompt"] == task["promptEn"] == "dog playing ball --v 7"
    assert task["description"] == "/imagine dog playing ball --v 7"
    assert task["properties"]["finalPrompt"] == "dog playing ball --v 7.0"
    assert task["properties"]["discordInstanceId"] == account_id(stack)
    assert task["submitTime"] <= task["startTime"] <= task["finishTime"]
    assert task["imageUrl"] == f"{PUBLIC_URL}/images/{task['id']}"
    assert task["properties"]["discordImageUrl"].startswith("https://cdn.discordapp.com/")
    assert {b["label"] or b["emoji"] for b in task["buttons"]} == {
        "U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4",
    }  # fmt: skip


async def test_fetch_of_an_unknown_task_is_404_with_code_3(stack: Stack) -> None:
    response = await stack.api.get("/mj/task/404404404/fetch")
    assert response.status_code == 404
    assert response.json() == {
        "code": 3,
        "description": "task 404404404 not found",
        "result": None,
        "properties": {},
    }


async def test_change(stack: Stack) -> None:
    grid = await imagine(stack)
    upscaled = await run(
        stack.api, "/mj/submit/change", {"taskId": grid["id"], "action": "UPSCALE", "index": 2}
    )
    assert (upscaled["action"], upscaled["status"]) == ("UPSCALE", "SUCCESS")
    assert upscaled["description"] == f"/up {grid['id']} U2"
    assert upscaled["properties"]["parentId"] == grid["id"]
    varied = await run(
        stack.api, "/mj/submit/change", {"taskId": grid["id"], "action": "VARIATION", "index": 4}
    )
    assert (varied["action"], varied["status"]) == ("VARIATION", "SUCCESS")
    rerolled = await run(stack.api, "/mj/submit/change", {"taskId": grid["id"], "action": "REROLL"})
    assert (rerolled["action"], rerolled["status"]) == ("REROLL", "SUCCESS")

    unknown = await submit(
        stack.api, "/mj/submit/change", {"taskId": "1", "action": "UPSCALE", "index": 1}
    )
    assert unknown["code"] == 3
    no_index = await submit(
        stack.api, "/mj/submit/change", {"taskId": grid["id"], "action": "UPSCALE"}
    )
    assert no_index["code"] == 4
    no_such_button = await submit(
        stack.api,
        "/mj/submit/change",
        {"taskId": upscaled["id"], "action": "UPSCALE", "index": 1},
    )
    assert no_such_button["code"] == 4
    assert_submit_shape(no_such_button)


async def test_simple_change(stack: Stack) -> None:
    grid = await imagine(stack)
    for content, action in ((f"{grid['id']} U3", "UPSCALE"), (f"{grid['id']} v1", "VARIATION")):
        done = await run(stack.api, "/mj/submit/simple-change", {"content": content})
        assert (done["action"], done["status"]) == (action, "SUCCESS"), content
    rerolled = await run(stack.api, "/mj/submit/simple-change", {"content": f"{grid['id']} R"})
    assert rerolled["action"] == "REROLL"
    for bad in ("", f"{grid['id']}", f"{grid['id']} U5", f"{grid['id']}  U1", "U1 x y"):
        refused = await submit(stack.api, "/mj/submit/simple-change", {"content": bad})
        assert refused["code"] == 4, bad
    unknown = await submit(stack.api, "/mj/submit/simple-change", {"content": "123 U1"})
    assert unknown["code"] == 3


async def test_describe(stack: Stack) -> None:
    answer = await submit(stack.api, "/mj/submit/describe", {"base64": data_url()})
    assert answer["code"] == 1
    task = await wait_task(stack.api, answer["result"])
    assert (task["action"], task["status"]) == ("DESCRIBE", "SUCCESS"), task
    assert task["description"] == f"/describe {task['id']}.png"
    assert "1️⃣" in task["properties"]["finalPrompt"]


async def test_blend(stack: Stack) -> None:
    images = [data_url((200, 0, 0)), data_url((0, 0, 200), fmt="JPEG")]
    task = await run(
        stack.api, "/mj/submit/blend", {"base64Array": images, "dimensions": "landscape"}
    )
    assert (task["action"], task["status"]) == ("BLEND", "SUCCESS"), task
    assert task["description"] == f"/blend {task['id']} 2"


async def test_shorten(stack: Stack) -> None:
    task = await run(
        stack.api,
        "/mj/submit/shorten",
        {"prompt": "a very beautiful and extremely detailed painting of a lighthouse"},
    )
    assert (task["action"], task["status"]) == ("SHORTEN", "SUCCESS"), task
    assert "1️⃣" in task["properties"]["finalPrompt"]


async def test_action(stack: Stack) -> None:
    grid = await imagine(stack)
    answer = await submit(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "U1")}
    )
    assert answer["code"] == 1
    assert_submit_shape(answer)
    single = await wait_task(stack.api, answer["result"])
    assert (single["action"], single["status"]) == ("UPSCALE", "SUCCESS")
    assert single["properties"]["customId"] == button(grid, "U1")

    foreign = await submit(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": "MJ::JOB::nope::1"}
    )
    assert foreign["code"] == 4
    unknown = await submit(
        stack.api, "/mj/submit/action", {"taskId": "1", "customId": button(grid, "U1")}
    )
    assert unknown["code"] == 3


async def test_modal(stack: Stack) -> None:
    single = await run(
        stack.api,
        "/mj/submit/action",
        {"taskId": (grid := await imagine(stack))["id"], "customId": button(grid, "U1")},
    )
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Custom Zoom")},
    )
    assert opened["code"] == 21 and opened["description"] == "Waiting for window confirm"
    assert opened["properties"]["remix"] is True
    waiting = (await stack.api.get(f"/mj/task/{opened['result']}/fetch")).json()
    assert waiting["status"] == "MODAL"

    no_zoom = await submit(
        stack.api, "/mj/submit/modal", {"taskId": opened["result"], "prompt": "a cat"}
    )
    assert no_zoom["code"] == 4
    still = (await stack.api.get(f"/mj/task/{opened['result']}/fetch")).json()
    assert still["status"] == "MODAL"

    accepted = await submit(
        stack.api, "/mj/submit/modal", {"taskId": opened["result"], "prompt": "a cat --zoom 1.5"}
    )
    assert accepted["code"] == 1 and accepted["result"] == opened["result"]
    zoomed = await wait_task(stack.api, opened["result"])
    assert (zoomed["action"], zoomed["status"]) == ("ZOOM", "SUCCESS"), zoomed

    again = await submit(stack.api, "/mj/submit/modal", {"taskId": opened["result"]})
    assert again["code"] == 4
    unknown = await submit(stack.api, "/mj/submit/modal", {"taskId": "1"})
    assert unknown["code"] == 3


async def test_queue_cancel_and_the_queue_codes(tmp_path: Path) -> None:
    """core_size 1, queue_size 2: codes 1, 22 (0 ahead), 22 (1 ahead), then 23 with nothing
    stored; the queue lists them; a waiting task can be cancelled, a running one cannot."""
    overrides = [{"core_size": 1, "queue_size": 2}]
    async with running_stack(tmp_path, account_overrides=overrides) as stack:
        stack.sim.faults.pause_bot()
        runtime = stack.engine.accounts[account_id(stack)]
        first = await submit(stack.api, "/mj/submit/imagine", {"prompt": "first"})
        assert first["code"] == 1
        async with asyncio.timeout(10):
            while True:  # the first task holds the only slot before the others arrive
                if runtime.running == 1:
                    break
                await asyncio.sleep(0.01)
        second = await submit(stack.api, "/mj/submit/imagine", {"prompt": "second"})
        third = await submit(stack.api, "/mj/submit/imagine", {"prompt": "third"})
        assert (second["code"], second["properties"]["numberOfQueues"]) == (22, 0)
        assert (third["code"], third["properties"]["numberOfQueues"]) == (22, 1)
        assert second["description"] == "In queue, there are 0 tasks ahead"
        count = len(await stored_tasks(stack))
        full = await submit(stack.api, "/mj/submit/imagine", {"prompt": "fourth"})
        assert full == {
            "code": 23,
            "description": "Queue full, please try again later",
            "result": None,
            "properties": {"discordInstanceId": account_id(stack)},
        }
        assert len(await stored_tasks(stack)) == count

        queue = (await stack.api.get("/mj/task/queue")).json()
        assert [t["id"] for t in queue] == [first["result"], second["result"], third["result"]]
        assert [t["properties"].get("queuePosition") for t in queue[1:]] == [1, 2]

        cancelled = (await stack.api.post(f"/mj/task/{second['result']}/cancel")).json()
        assert cancelled == {
            "code": 1,
            "description": "Cancelled",
            "result": second["result"],
            "properties": {},
        }
        running = (await stack.api.post(f"/mj/task/{first['result']}/cancel")).json()
        assert running["code"] == 4
        unknown = (await stack.api.post("/mj/task/1/cancel")).json()
        assert unknown["code"] == 3

        stack.sim.faults.resume_bot()
        for task_id in (first["result"], third["result"]):
            done = await wait_task(stack.api, task_id)
            assert done["status"] == "SUCCESS", done
        gone = (await stack.api.get(f"/mj/task/{second['result']}/fetch")).json()
        assert gone["status"] == "CANCEL"
        assert stack.sim.job_for_nonce(gone["properties"]["nonce"] or "-") is None
        assert (await stack.api.get("/mj/task/queue")).json() == []


async def test_image_seed(stack: Stack) -> None:
    grid = await imagine(stack)
    seed = (await stack.api.get(f"/mj/task/{grid['id']}/image-seed")).json()
    assert seed["code"] == 1 and seed["result"].isdigit(), seed
    assert_submit_shape(seed)
    unknown = (await stack.api.get("/mj/task/1/image-seed")).json()
    assert unknown["code"] == 3
    single = await run(
        stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "U1")}
    )
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Custom Zoom")},
    )
    not_done = (await stack.api.get(f"/mj/task/{opened['result']}/image-seed")).json()
    assert not_done["code"] == 4


async def test_list_and_list_by_condition(stack: Stack) -> None:
    ids = [(await imagine(stack, f"tree number {i}"))["id"] for i in range(3)]
    listed = (await stack.api.get("/mj/task/list")).json()
    assert [t["id"] for t in listed] == ids[::-1]
    for task in listed:
        TaskModel.model_validate(task)
    page = (await stack.api.get("/mj/task/list", params={"limit": 1, "offset": 1})).json()
    assert [t["id"] for t in page] == [ids[1]]
    assert (await stack.api.get("/mj/task/list", params={"offset": 50})).json() == []
    too_many = await stack.api.get("/mj/task/list", params={"limit": 0})
    assert too_many.status_code == 400 and too_many.json()["code"] == 4

    wanted = [ids[2], "no-such-task", ids[0]]
    for path in ("/mj/task/list-by-condition", "/mj/task/list-by-ids"):
        found = (await stack.api.post(path, json={"ids": wanted})).json()
        assert [t["id"] for t in found] == [ids[2], ids[0]], path
    empty = await stack.api.post("/mj/task/list-by-condition", json={})
    assert empty.status_code == 200 and empty.json() == []


async def test_accounts(stack: Stack) -> None:
    accounts = (await stack.api.get("/mj/account/list")).json()
    assert [a["id"] for a in accounts] == [account_id(stack)]
    token = stack.sim_accounts[0].token
    assert token not in str(accounts)
    one = await stack.api.get(f"/mj/account/{account_id(stack)}/fetch")
    assert one.status_code == 200
    assert (one.json()["channelId"], one.json()["state"]) == (account_id(stack), "READY")
    unknown = await stack.api.get("/mj/account/1/fetch")
    assert unknown.status_code == 404 and unknown.json()["code"] == 3


async def test_banned_words_answer_code_24_and_store_nothing(tmp_path: Path) -> None:
    async with banned_stack(tmp_path, ["bloody"]) as stack:
        for path in ("/mj/submit/imagine", "/mj/submit/shorten"):
            answer = await submit(stack.api, path, {"prompt": "a Bloody knife --v 7"})
            assert answer == {
                "code": 24,
                "description": "May contain sensitive words",
                "result": None,
                "properties": {"promptEn": "a Bloody knife --v 7", "bannedWord": "Bloody"},
            }, path
        assert await stored_tasks(stack) == []
        clean = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a bloodhound"})
        assert clean["code"] == 1
        await wait_for_task(stack.engine, clean["result"], lambda t: t.is_final)
