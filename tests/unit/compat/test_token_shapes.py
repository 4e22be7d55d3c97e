"""Token API shapes: action rows, jobs, describe jobs, progress, devices, tokens."""

from __future__ import annotations

from dataclasses import replace

from mjcore.api.compat.token.shapes import (
    DAY_MS,
    DescribeJob,
    TokenJob,
    button_rows,
    describe_job_json,
    device_status,
    info_json,
    job_json,
    job_prompt,
    new_token,
    progress_json,
)
from mjcore.models import Button, Task, TaskAction, TaskStatus

H = "03aa7a73-cfd8-4231-86fe-adc7be88c983"
GRID = tuple(
    [Button(f"MJ::JOB::upsample::{i}::{H}", label=f"U{i}") for i in range(1, 5)]
    + [Button(f"MJ::JOB::reroll::0::{H}::SOLO", emoji="🔄")]
    + [Button(f"MJ::JOB::variation::{i}::{H}", label=f"V{i}") for i in range(1, 5)]
)
UPSCALED = (
    Button(f"MJ::JOB::high_variation::1::{H}::SOLO", label="Vary (Strong)"),
    Button(f"MJ::JOB::low_variation::1::{H}::SOLO", label="Vary (Subtle)"),
    Button(f"MJ::Outpaint::50::1::{H}::SOLO", label="Zoom Out 2x"),
    Button(f"MJ::Outpaint::75::1::{H}::SOLO", label="Zoom Out 1.5x"),
    Button(f"MJ::CustomZoom::{H}", label="Custom Zoom"),
    Button(f"MJ::JOB::pan_left::1::{H}::SOLO", emoji="⬅️"),
    Button(f"MJ::JOB::pan_right::1::{H}::SOLO", emoji="➡️"),
    Button(f"MJ::BOOKMARK::{H}", emoji="❤️"),
    Button("https://www.midjourney.com/jobs/x", label="Web"),
    Button(f"MJ::JOB::RATING::1::{H}", label="rate"),
)
JOB = TokenJob(
    id="2e1146bdd64a4f7413bd",
    prompt="a dog --ar 16:9",
    upscale=False,
    client_id="1106913371619606571",
    token="ab12c",
    created_at=1,
    task_ids=("g", "u"),
    tasks=2,
)


def test_grid_rows_are_the_original_two_rows() -> None:
    rows = button_rows(GRID)
    assert [[a["label"] for a in row] for row in rows] == [
        ["U1", "U2", "U3", "U4", "🔄"],
        ["V1", "V2", "V3", "V4"],
    ]
    assert rows[0][4] == {"label": "🔄", "id": f"MJ::JOB::reroll::0::{H}::SOLO"}


def test_upscaled_rows_leave_out_links_and_ratings() -> None:
    rows = button_rows(UPSCALED)
    assert [[a["label"] for a in row] for row in rows] == [
        ["Vary (Strong)", "Vary (Subtle)"],
        ["Zoom Out 2x", "Zoom Out 1.5x", "Custom Zoom"],
        ["⬅️", "➡️"],
        ["❤️"],
    ]


def test_job_json_in_arrival_order_with_errors() -> None:
    grid = Task(
        id="g",
        action=TaskAction.IMAGINE,
        status=TaskStatus.SUCCESS,
        finish_time=20,
        message_id="1110056538573389844",
        buttons=GRID,
    )
    upscale = Task(
        id="u",
        action=TaskAction.UPSCALE,
        status=TaskStatus.SUCCESS,
        finish_time=10,
        message_id="1110056538573389999",
    )
    failed = Task(
        id="f",
        action=TaskAction.VARIATION,
        status=TaskStatus.FAILURE,
        finish_time=30,
        fail_reason="[Queue full] wait",
        progress_message_id="77",
    )
    running = Task(id="r", action=TaskAction.VARIATION, status=TaskStatus.IN_PROGRESS)
    job = job_json(JOB, [grid, upscale, failed, running], {"g": "http://g.png", "u": None})
    assert list(job) == ["prompt", "upscale", "client_id", "id", "tasks", "images"]
    assert [entry["id"] for entry in job["images"]] == [
        "1110056538573389999",
        "1110056538573389844",
        "77",
    ]
    assert job["images"][0] == {
        "id": "1110056538573389999",
        "url": "",
        "upscaled": True,
        "actions": [],
    }
    assert job["images"][1]["url"] == "http://g.png" and not job["images"][1]["upscaled"]
    assert job["images"][2] == {"id": "77", "error": "wait", "title": "Queue full"}


def test_describe_job_json() -> None:
    job = DescribeJob(
        id="1686640000000", image_name="1686640000000.png", client_id="c", task_id="t"
    )
    assert describe_job_json(job, None, None) == {
        "imageName": "1686640000000.png",
        "id": "1686640000000",
        "client_id": "c",
        "desc": [],
    }
    done = Task(
        id="t",
        action=TaskAction.DESCRIBE,
        status=TaskStatus.SUCCESS,
        message_id="9",
        final_prompt="1️⃣ a cat\n\n2️⃣ a dog",
        buttons=(Button("MJ::Job::PicReader::1", emoji="1️⃣"),),
    )
    [entry] = describe_job_json(job, done, "http://img")["desc"]
    assert entry == {
        "id": "9",
        "mj_image": "http://img",
        "desc_text": "1️⃣ a cat\r\n2️⃣ a dog",
        "actions": [[{"label": "1️⃣", "id": "MJ::Job::PicReader::1"}]],
    }


def test_progress() -> None:
    task = Task(id="t", action=TaskAction.IMAGINE)
    assert progress_json("j", None, None) == {"progress": 0}
    assert progress_json("j", task, None) == {"progress": 0}
    running = replace(task, status=TaskStatus.IN_PROGRESS, progress="31%")
    assert progress_json("j", running, "http://p") == {
        "id": "j",
        "percentage": "31",
        "image_url": "http://p",
    }
    done = replace(task, status=TaskStatus.SUCCESS, progress="100%")
    assert progress_json("j", done, None)["percentage"] == "100"


def test_device_status() -> None:
    assert device_status(running=0, core_size=3, waiting=0, queue_size=10) == "idle"
    assert device_status(running=3, core_size=3, waiting=0, queue_size=10) == "queued"
    assert device_status(running=3, core_size=3, waiting=10, queue_size=10) == "full"


def test_tokens_expire_and_run_out() -> None:
    token = new_token("ab12c", count=2, days=1, now=1000)
    assert token.expires_at == 1000 + DAY_MS
    assert token.usable(1000) and token.usable(1000 + DAY_MS)
    assert not token.usable(1001 + DAY_MS)
    assert not replace(token, count=0).usable(1000)
    assert type(token).from_json(token.to_json()) == token


def test_job_round_trip_and_counting() -> None:
    grown = JOB.with_task("v", counted=True).with_task("auto", counted=False)
    assert grown.tasks == 3 and grown.task_ids == ("g", "u", "v", "auto")
    assert TokenJob.from_json(grown.to_json()) == grown


def test_small_helpers() -> None:
    assert job_prompt("a dog —ar 16:9") == "a dog --ar 16:9"
    assert info_json("T", "D") == {"code": 200, "result": {"title": "T", "description:": "D"}}
