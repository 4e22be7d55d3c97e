"""Shared fixtures: the simulator over real sockets and engines wired to it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from mjcore.accounts import DiscordEndpoints
from mjcore.api.app import create_app
from mjcore.api.deps import task_view
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, InputFiles
from mjcore.models import AccountConfig, Task
from mjcore.sim import SimAccount, SimConfig, Simulator
from mjcore.store.sqlite import SqliteTaskStore

FAST_SIM = {"start_delay_seconds": 0.01, "progress_delay_seconds": 0.02}


def fast_sim_config(**overrides: Any) -> SimConfig:
    return SimConfig(**{**FAST_SIM, **overrides})


def endpoints_for(sim: Simulator) -> DiscordEndpoints:
    return DiscordEndpoints(
        server=sim.base_url,
        wss=sim.gateway_url,
        cdn=sim.base_url,
        upload_server=sim.base_url,
        says_server=sim.base_url,
    )


def account_for(sim_account: SimAccount, **overrides: Any) -> AccountConfig:
    values: dict[str, Any] = {
        "channel_id": sim_account.channel_id,
        "guild_id": sim_account.guild_id,
        "user_token": sim_account.token,
        "name": sim_account.username,
        "dm_channel_id": sim_account.dm_channel_id,
        **overrides,
    }
    return AccountConfig(**values)


@dataclass
class Stack:
    """A simulator, an engine on it and an HTTP client for the REST API."""

    sim: Simulator
    engine: Engine
    api: httpx.AsyncClient
    http: httpx.AsyncClient
    sim_accounts: list[SimAccount] = field(default_factory=list)

    async def wait_final(self, task_id: str, timeout: float = 20.0) -> Task:
        return await wait_for_task(self.engine, task_id, lambda t: t.is_final, timeout)


async def wait_for_task(
    engine: Engine, task_id: str, predicate: Callable[[Task], bool], timeout: float = 20.0
) -> Task:
    async with asyncio.timeout(timeout):
        while True:
            task = await engine.get(task_id)
            if task is not None and predicate(task):
                return task
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running_stack(
    tmp_path: Path,
    *,
    accounts: int = 1,
    sim_config: SimConfig | None = None,
    account_overrides: Sequence[dict[str, Any]] = (),
    api_secret: str = "",
    engine_options: EngineOptions | None = None,
    notifier: Any = None,
    ready: bool = True,
) -> AsyncIterator[Stack]:
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(Simulator(sim_config or fast_sim_config()))
        sim_accounts = [sim.add_account(name=f"acct{i}") for i in range(accounts)]
        configs = [
            account_for(a, **(account_overrides[i] if i < len(account_overrides) else {}))
            for i, a in enumerate(sim_accounts)
        ]
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30.0))
        store = await stack.enter_async_context(SqliteTaskStore(tmp_path / "tasks.db"))
        endpoints = endpoints_for(sim)
        engine = Engine(
            store=store,
            accounts=configs,
            endpoints=endpoints,
            images=ImageStore(tmp_path / "images", http, cdn_base=endpoints.cdn),
            inputs=InputFiles(tmp_path / "inputs"),
            notifier=notifier,
            options=engine_options or EngineOptions(public_url="http://mjbridge.test"),
        )
        await store.use_view(task_view(engine))
        await stack.enter_async_context(engine)
        if ready:
            await engine.wait_ready(15)
        app = create_app(engine, api_secret=api_secret)
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://mjbridge.test",
                headers={"mj-api-secret": api_secret} if api_secret else None,
            )
        )
        yield Stack(sim=sim, engine=engine, api=api, http=http, sim_accounts=sim_accounts)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running
