"""Every Midjourney action through the REST API against the simulator over real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.actions_helpers import (
    button,
    data_url,
    mask_url,
    press,
    run,
    submit,
    wait_task,
)
from tests.integration.conftest import Stack, fast_sim_config, running_stack

GRID_LABELS = {"U1", "U2", "U3", "U4", "🔄", "V1", "V2", "V3", "V4"}


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        for runtime in running.engine.accounts.values():
            runtime.modal_delay = 0.01
        yield running


async def imagine(stack: Stack, prompt: str = "a glass whale --v 7") -> dict:
    task = await run(stack.api, "/mj/submit/imagine", {"prompt": prompt})
    assert task["status"] == "SUCCESS", task
    return task


def labels(task: dict) -> set[str]:
    return {b["label"] or b["emoji"] for b in task["buttons"]}


def assert_own_job(stack: Stack, task: dict) -> None:
    nonce = task["properties"]["nonce"]
    job = stack.sim.job_for_nonce(nonce)
    assert job is not None, "no simulator job for the task's last interaction"
    assert job.job_id == task["properties"]["messageHash"]


async def test_imagine_with_image_prompt(stack: Stack) -> None:
    task = await run(
        stack.api,
        "/mj/submit/imagine",
        {"prompt": "a cat in this style --v 7", "base64Array": [data_url()]},
    )
    assert task["status"] == "SUCCESS", task
    assert labels(task) == GRID_LABELS
    assert "s.mj.run" in task["properties"]["finalPrompt"]
    assert task["promptEn"].startswith("http")
    assert_own_job(stack, task)


@pytest.mark.parametrize("index", [1, 2, 3, 4])
async def test_upscale_each_quadrant(stack: Stack, index: int) -> None:
    grid = await imagine(stack)
    upscaled = await press(stack.api, grid, f"U{index}")
    assert upscaled["status"] == "SUCCESS" and upscaled["action"] == "UPSCALE"
    assert {"Upscale (Subtle)", "Upscale (Creative)", "Vary (Region)"} <= labels(upscaled)
    assert_own_job(stack, upscaled)


@pytest.mark.parametrize("label", ["Upscale (Subtle)", "Upscale (Creative)"])
async def test_upscale_subtle_and_creative(stack: Stack, label: str) -> None:
    single = await press(stack.api, await imagine(stack), "U1")
    result = await press(stack.api, single, label)
    assert result["status"] == "SUCCESS", result
    assert result["action"] == "UPSCALE"
    assert_own_job(stack, result)


@pytest.mark.parametrize("version", ["--v 6", "--v 6.1", "--v 5.2"])
async def test_upscale_buttons_follow_the_model_version(stack: Stack, version: str) -> None:
    single = await press(stack.api, await imagine(stack, f"a red kite {version}"), "U2")
    ids = " ".join(b["customId"] for b in single["buttons"])
    expected = {
        "--v 6": "upsample_v6_2x",
        "--v 6.1": "upsample_v6r1_2x",
        "--v 5.2": "upsample_v5_2x",
    }
    assert expected[version] in ids


@pytest.mark.parametrize("label", ["V1", "V2", "V3", "V4", "🔄"])
async def test_variations_and_reroll(stack: Stack, label: str) -> None:
    grid = await imagine(stack)
    result = await press(stack.api, grid, label)
    assert result["status"] == "SUCCESS", result
    assert labels(result) == GRID_LABELS
    assert result["action"] == ("REROLL" if label == "🔄" else "VARIATION")
    assert result["properties"]["messageHash"] != grid["properties"]["messageHash"]
    assert_own_job(stack, result)


@pytest.mark.parametrize(
    ("label", "action"),
    [
        ("Vary (Strong)", "VARIATION"),
        ("Vary (Subtle)", "VARIATION"),
        ("Zoom Out 2x", "ZOOM"),
        ("Zoom Out 1.5x", "ZOOM"),
        ("⬅️", "PAN"),
        ("➡️", "PAN"),
        ("⬆️", "PAN"),
        ("⬇️", "PAN"),
    ],
)
async def test_actions_on_an_upscaled_image(stack: Stack, label: str, action: str) -> None:
    single = await press(stack.api, await imagine(stack), "U3")
    result = await press(stack.api, single, label)
    assert result["status"] == "SUCCESS", result
    assert result["action"] == action
    assert labels(result) == GRID_LABELS
    assert_own_job(stack, result)


async def test_custom_zoom_goes_through_a_modal(stack: Stack) -> None:
    single = await press(stack.api, await imagine(stack), "U1")
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Custom Zoom")},
    )
    assert opened["code"] == 21, opened
    waiting = (await stack.api.get(f"/mj/task/{opened['result']}/fetch")).json()
    assert waiting["status"] == "MODAL"
    rejected = await submit(
        stack.api, "/mj/submit/modal", {"taskId": opened["result"], "prompt": "no zoom"}
    )
    assert rejected["code"] == 4
    accepted = await submit(
        stack.api,
        "/mj/submit/modal",
        {"taskId": opened["result"], "prompt": "a glass whale --zoom 1.8"},
    )
    assert accepted["code"] == 1, accepted
    result = await wait_task(stack.api, opened["result"])
    assert result["status"] == "SUCCESS", result
    assert result["action"] == "ZOOM"
    assert labels(result) == GRID_LABELS
    job = stack.sim.job_for_nonce(result["properties"]["nonce"])
    assert job is not None and "--zoom 1.8" in job.prompt


async def test_vary_region_with_a_mask(stack: Stack) -> None:
    single = await press(stack.api, await imagine(stack), "U4")
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Vary (Region)")},
    )
    assert opened["code"] == 21
    no_mask = await submit(
        stack.api, "/mj/submit/modal", {"taskId": opened["result"], "prompt": "a hat"}
    )
    assert no_mask["code"] == 4
    accepted = await submit(
        stack.api,
        "/mj/submit/modal",
        {"taskId": opened["result"], "prompt": "a whale wearing a hat", "maskBase64": mask_url()},
    )
    assert accepted["code"] == 1, accepted
    result = await wait_task(stack.api, opened["result"])
    assert result["status"] == "SUCCESS", result
    assert result["action"] == "INPAINT"
    assert labels(result) == GRID_LABELS


async def test_describe_then_imagine_a_described_prompt(stack: Stack) -> None:
    described = await run(stack.api, "/mj/submit/describe", {"base64": data_url((20, 120, 220))})
    assert described["status"] == "SUCCESS", described
    assert described["action"] == "DESCRIBE"
    final_prompt = described["properties"]["finalPrompt"]
    assert all(cap in final_prompt for cap in ("1️⃣", "2️⃣", "3️⃣", "4️⃣"))
    assert described["imageUrl"]
    pick = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": described["id"], "customId": button(described, "2️⃣")},
    )
    assert pick["code"] == 21
    await submit(stack.api, "/mj/submit/modal", {"taskId": pick["result"]})
    result = await wait_task(stack.api, pick["result"])
    assert result["status"] == "SUCCESS", result
    assert labels(result) == GRID_LABELS


@pytest.mark.parametrize(
    ("count", "dimensions"), [(2, "PORTRAIT"), (3, "SQUARE"), (5, "LANDSCAPE")]
)
async def test_blend(stack: Stack, count: int, dimensions: str) -> None:
    images = [data_url((40 * i, 100, 200 - 30 * i)) for i in range(count)]
    result = await run(
        stack.api, "/mj/submit/blend", {"base64Array": images, "dimensions": dimensions}
    )
    assert result["status"] == "SUCCESS", result
    assert result["action"] == "BLEND"
    assert labels(result) == GRID_LABELS
    assert_own_job(stack, result)


async def test_blend_validation(stack: Stack) -> None:
    one = await stack.api.post("/mj/submit/blend", json={"base64Array": [data_url()]})
    assert one.status_code == 400 and one.json()["code"] == 4
    bad = await submit(
        stack.api,
        "/mj/submit/blend",
        {"base64Array": [data_url(), data_url()], "dimensions": "ROUND"},
    )
    assert bad["code"] == 4


async def test_shorten_then_imagine_a_short_prompt(stack: Stack) -> None:
    result = await run(
        stack.api,
        "/mj/submit/shorten",
        {
            "prompt": "a very beautiful and extremely detailed painting of a majestic"
            " lighthouse on a cliff"
        },
    )
    assert result["status"] == "SUCCESS", result
    assert result["action"] == "SHORTEN"
    assert "1️⃣" in result["properties"]["finalPrompt"]
    pick = await submit(
        stack.api, "/mj/submit/action", {"taskId": result["id"], "customId": button(result, "1️⃣")}
    )
    assert pick["code"] == 21
    await submit(stack.api, "/mj/submit/modal", {"taskId": pick["result"]})
    imagined = await wait_task(stack.api, pick["result"])
    assert imagined["status"] == "SUCCESS", imagined


async def test_image_seed(stack: Stack) -> None:
    grid = await imagine(stack)
    seed = (await stack.api.get(f"/mj/task/{grid['id']}/image-seed")).json()
    assert seed["code"] == 1, seed
    assert seed["result"].isdigit()
    again = (await stack.api.get(f"/mj/task/{grid['id']}/image-seed")).json()
    assert again["result"] == seed["result"]


async def test_cancel_a_modal_task(stack: Stack) -> None:
    single = await press(stack.api, await imagine(stack), "U1")
    opened = await submit(
        stack.api,
        "/mj/submit/action",
        {"taskId": single["id"], "customId": button(single, "Custom Zoom")},
    )
    cancelled = (await stack.api.post(f"/mj/task/{opened['result']}/cancel")).json()
    assert cancelled["code"] == 1
    task = (await stack.api.get(f"/mj/task/{opened['result']}/fetch")).json()
    assert task["status"] == "CANCEL"
    again = (await stack.api.post(f"/mj/task/{opened['result']}/cancel")).json()
    assert again["code"] == 4


async def test_remix_mode_opens_modals(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        runtime = next(iter(stack.engine.accounts.values()))
        runtime.modal_delay = 0.01
        stack.sim.state.users[stack.sim_accounts[0].user_id].remix = True
        grid = await imagine(stack)
        # remix not known yet: the opened modal is answered with the parent's prompt
        result = await press(stack.api, grid, "V1")
        assert result["status"] == "SUCCESS", result
        assert runtime.remix
        # now known: the next variation waits for the caller's text (code 21)
        opened = await submit(
            stack.api, "/mj/submit/action", {"taskId": grid["id"], "customId": button(grid, "V2")}
        )
        assert opened["code"] == 21
        await submit(
            stack.api, "/mj/submit/modal", {"taskId": opened["result"], "prompt": "a glass dolphin"}
        )
        remixed = await wait_task(stack.api, opened["result"])
        assert remixed["status"] == "SUCCESS", remixed
        job = stack.sim.job_for_nonce(remixed["properties"]["nonce"])
        assert job is not None and "glass dolphin" in job.prompt


async def test_cancel_a_running_job_with_its_cancel_button(tmp_path: Path) -> None:
    config = fast_sim_config(ephemeral_progress=True, progress_delay_seconds=0.5)
    async with running_stack(tmp_path, sim_config=config) as stack:
        started = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a long voyage"})
        await wait_task(stack.api, started["result"], statuses=("IN_PROGRESS",))
        cancelled = (await stack.api.post(f"/mj/task/{started['result']}/cancel")).json()
        assert cancelled["code"] == 1, cancelled
        task = (await stack.api.get(f"/mj/task/{started['result']}/fetch")).json()
        assert task["status"] == "CANCEL"
        await stack.sim.wait_idle(10)
        job = stack.sim.job_for_nonce(task["properties"]["nonce"])
        assert job is not None and job.status == "failed" and job.error == "cancelled"
        # a queued task is cancelled without Discord, a finished one cannot be
        done = await run(stack.api, "/mj/submit/imagine", {"prompt": "a short trip"})
        refused = (await stack.api.post(f"/mj/task/{done['id']}/cancel")).json()
        assert refused["code"] == 4
