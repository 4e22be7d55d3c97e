"""`mjbridge serve` killed with SIGKILL mid-task and restarted on the same data directory.

The simulator lives in the test process, so Discord and Midjourney carry on while the product
is dead: a result posted then must be found in the channel history after the restart.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import httpx

from mjcore.sim import SimAccount, Simulator
from tests.integration.conftest import fast_sim_config
from tests.integration.resilience.helpers import WAIT
from tests.integration.serve_process import POLL, clean_env, free_port, serving

TIMEOUT_MINUTES = 0.1  # 6 s: the vanished job must fail by then
TIMEOUT_SLACK = 10.0  # on top of the timeout: restart, polling and a loaded machine
CORE_SIZE = 2


def product_env(sim: Simulator, account: SimAccount, data_dir: Path, port: int) -> dict[str, str]:
    accounts = [
        {
            "name": "killed",
            "guild_id": account.guild_id,
            "channel_id": account.channel_id,
            "dm_channel_id": account.dm_channel_id,
            "user_token": account.token,
            "core_size": CORE_SIZE,
            "queue_size": 5,
            "timeout_minutes": TIMEOUT_MINUTES,
        }
    ]
    return clean_env(
        MJ_PORT=str(port),
        MJ_DATA_DIR=str(data_dir),
        MJ_ACCOUNTS=json.dumps(accounts),
        MJ_DISCORD_SERVER=sim.base_url,
        MJ_DISCORD_WSS=sim.gateway_url,
        MJ_DISCORD_CDN=sim.base_url,
        MJ_DISCORD_UPLOAD_SERVER=sim.base_url,
        MJ_DISCORD_SAYS_SERVER=sim.base_url,
    )


async def submit(client: httpx.AsyncClient, prompt: str) -> dict[str, Any]:
    answer: dict[str, Any] = (
        await client.post("/mj/submit/imagine", json={"prompt": prompt})
    ).json()
    return answer


async def fetch(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    response = await client.get(f"/mj/task/{task_id}/fetch")
    assert response.status_code == 200, response.text
    task: dict[str, Any] = response.json()
    return task


async def wait_status(
    client: httpx.AsyncClient, task_id: str, statuses: set[str], timeout: float = WAIT
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            task = await fetch(client, task_id)
            if task["status"] in statuses:
                return task
            await asyncio.sleep(POLL)


async def test_sigkill_mid_task_then_restart_finishes_every_task(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log_path = tmp_path / "serve.log"
    port = free_port()
    async with Simulator(fast_sim_config()) as sim:
        account = sim.add_account(name="killed")
        env = product_env(sim, account, data_dir, port)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10, trust_env=False) as client:
            async with serving(env, tmp_path, log_path) as first:
                sim.faults.pause_bot()
                posted = await submit(client, "a lantern in the rain")
                vanishing = await submit(client, "a SIM_VANISH lantern")
                queued = await submit(client, "a lantern in the snow")
                assert (posted["code"], vanishing["code"]) == (1, 1), (posted, vanishing)
                assert queued["code"] == 22 and queued["properties"]["numberOfQueues"] == 0
                running = {}
                for answer in (posted, vanishing):
                    task = await wait_status(client, answer["result"], {"IN_PROGRESS"})
                    job = sim.job_for_nonce(task["properties"]["nonce"])
                    assert job is not None
                    running[answer["result"]] = job
                assert (await fetch(client, queued["result"]))["status"] == "NOT_START"

                first.send_signal(signal.SIGKILL)
                await asyncio.wait_for(first.wait(), WAIT)
                assert first.returncode == -signal.SIGKILL

            # nobody listens: the job finishes, its result is posted, the other one vanishes
            sim.faults.resume_bot()
            await sim.wait_idle(WAIT)
            posted_job = running[posted["result"]]
            assert posted_job.result_message_id is not None
            assert running[vanishing["result"]].result_message_id is None

            async with serving(env, tmp_path, log_path):
                done = await wait_status(client, posted["result"], {"SUCCESS", "FAILURE"})
                assert done["status"] == "SUCCESS", done
                assert done["properties"]["messageHash"] == posted_job.job_id
                assert done["properties"]["messageId"] == posted_job.result_message_id
                assert done["progress"] == "100%"
                assert len(done["buttons"]) == 9

                later = await wait_status(client, queued["result"], {"SUCCESS", "FAILURE"})
                assert later["status"] == "SUCCESS", later
                later_job = sim.job_for_nonce(later["properties"]["nonce"])
                assert later_job is not None
                assert later["properties"]["messageHash"] == later_job.job_id

                gone = await wait_status(
                    client,
                    vanishing["result"],
                    {"SUCCESS", "FAILURE"},
                    timeout=TIMEOUT_MINUTES * 60 + TIMEOUT_SLACK,
                )
                assert gone["status"] == "FAILURE", gone
                assert "timeout" in gone["failReason"]

                listed = (await client.get("/mj/task/list")).json()
                assert {t["status"] for t in listed} <= {"SUCCESS", "FAILURE"}
                assert len(listed) == 3
    text = await asyncio.to_thread(log_path.read_text)
    assert account.token not in text
