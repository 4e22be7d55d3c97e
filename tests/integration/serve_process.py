"""Running the real `mjbridge serve` as a subprocess for end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

START_WAIT = 30.0  # a cold `mjbridge serve` imports a lot before it answers /health
STOP_WAIT = 10.0
POLL = 0.05


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any MJ_/TG_ setting, plus ``settings``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("MJ_", "TG_"))}
    return {**inherited, "MJ_HOST": "127.0.0.1", **settings}


@contextlib.asynccontextmanager
async def serving(
    env: Mapping[str, str], cwd: Path, log_path: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `mjbridge serve` until it answers /health UP; stop it (or kill it) on the way out."""
    with log_path.open("ab") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        base = f"http://{env['MJ_HOST']}:{env['MJ_PORT']}"
        async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
            async with asyncio.timeout(START_WAIT):
                while True:
                    if proc.returncode is not None:
                        output = await asyncio.to_thread(log_path.read_text)
                        raise AssertionError(f"mjbridge serve exited:\n{output}")
                    with contextlib.suppress(httpx.TransportError):
                        health = await client.get("/health")
                        if health.status_code == 200 and health.json()["status"] == "UP":
                            break
                    await asyncio.sleep(POLL)
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), STOP_WAIT)
            except TimeoutError:
                proc.kill()
                await proc.wait()
