"""Fixtures for the /mj contract tests: the shared stack, plus one with a banned-word list."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mjcore.api.app import create_app
from mjcore.banned import BannedWords
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, InputFiles
from mjcore.sim import Simulator
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.conftest import (
    Stack,
    account_for,
    endpoints_for,
    fast_sim_config,
    running_stack,
)

PUBLIC_URL = "http://mjbridge.test"
MODAL_DELAY = 0.01


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        for runtime in running.engine.accounts.values():
            runtime.modal_delay = MODAL_DELAY
        yield running


@contextlib.asynccontextmanager
async def banned_stack(tmp_path: Path, words: list[str]) -> AsyncIterator[Stack]:
    """Like ``running_stack`` with one account and a banned-word list."""
    async with contextlib.AsyncExitStack() as exits:
        sim = await exits.enter_async_context(Simulator(fast_sim_config()))
        sim_account = sim.add_account(name="acct0")
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=30.0))
        store = await exits.enter_async_context(SqliteTaskStore(tmp_path / "tasks.db"))
        endpoints = endpoints_for(sim)
        engine = Engine(
            store=store,
            accounts=[account_for(sim_account)],
            endpoints=endpoints,
            images=ImageStore(tmp_path / "images", http, cdn_base=endpoints.cdn),
            inputs=InputFiles(tmp_path / "inputs"),
            banned=BannedWords(words),
            options=EngineOptions(public_url=PUBLIC_URL),
        )
        await exits.enter_async_context(engine)
        await engine.wait_ready(15)
        api = await exits.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(engine)), base_url=PUBLIC_URL
            )
        )
        yield Stack(sim=sim, engine=engine, api=api, http=http, sim_accounts=[sim_account])


async def stored_tasks(stack: Stack) -> list[Any]:
    return await stack.engine.list(limit=1000)


def kept_inputs(tmp_path: Path) -> list[Path]:
    """Input images kept for tasks that have not been sent yet."""
    root = tmp_path / "inputs"
    return sorted(root.iterdir()) if root.exists() else []
