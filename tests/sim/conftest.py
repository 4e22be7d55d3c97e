from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mjcore.sim import SimAccount, SimConfig, Simulator
from tests.sim.rawclient import RawGateway, RawRest


def fast_config(**overrides: object) -> SimConfig:
    config = SimConfig(
        start_delay_seconds=0.0,
        progress_delay_seconds=0.0,
        progress_steps=(0, 31, 93),
        grid_long_side=256,
        upscale_long_side=128,
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture
def config() -> SimConfig:
    return fast_config()


@pytest.fixture
async def sim(config: SimConfig) -> AsyncIterator[Simulator]:
    async with Simulator(config) as simulator:
        yield simulator


@pytest.fixture
def account(sim: Simulator) -> SimAccount:
    return sim.add_account(name="alice")


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=10) as client:
        yield client


@pytest.fixture
def rest(http: httpx.AsyncClient, account: SimAccount) -> RawRest:
    return RawRest(http, account)


@pytest.fixture
async def gw(sim: Simulator, account: SimAccount) -> AsyncIterator[RawGateway]:
    gateway = await RawGateway.connect(sim.gateway_url)
    hello = await gateway.recv()
    assert hello["op"] == 10
    await gateway.identify(account.token)
    await gateway.wait_event("READY_SUPPLEMENTAL")
    yield gateway
    await gateway.close()
