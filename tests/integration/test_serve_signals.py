"""`mjbridge serve` stops cleanly on SIGTERM (a service manager) and SIGINT (Ctrl-C).

The HTTP server runs on its own thread; the signal is taken on the main thread, the server stops,
then the engine closes and the process exits 0. What was finished before is there after a
restart on the same data directory.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from tests.integration.serve_process import STOP_WAIT, clean_env, free_port, serving


async def finished(client: httpx.AsyncClient, task_id: str) -> dict[str, object]:
    async with asyncio.timeout(30):
        while True:
            task: dict[str, object] = (await client.get(f"/mj/task/{task_id}/fetch")).json()
            if task["status"] in ("SUCCESS", "FAILURE", "CANCEL"):
                return task
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_serve_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    env = clean_env(MJ_PORT=str(port), MJ_DATA_DIR=str(tmp_path / "data"))
    log_path = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    async with serving(env, tmp_path, log_path) as proc:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            accepted = await client.post("/mj/submit/imagine", json={"prompt": "a quiet harbour"})
            task_id = accepted.json()["result"]
            done = await finished(client, task_id)
        proc.send_signal(sig)
        async with asyncio.timeout(STOP_WAIT):
            code = await proc.wait()
    log = log_path.read_text()
    assert code == 0, log
    assert "Shutting down" in log
    assert "Traceback" not in log

    async with (
        serving(env, tmp_path, tmp_path / "again.log"),
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        again = (await client.get(f"/mj/task/{task_id}/fetch")).json()
    assert again["status"] == "SUCCESS"
    assert again == done
