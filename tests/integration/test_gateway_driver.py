"""GatewayClient against the simulator over real sockets: READY, order, RESUME, op 7/9, 4004."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mjcore.discord.backoff import exponential_backoff
from mjcore.discord.gateway import GatewayClient, GatewayState
from mjcore.discord.rest import DiscordRest
from mjcore.errors import GatewayClosedError
from mjcore.sim import SimAccount, SimConfig, Simulator

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/146.0.7680.165 Safari/537.36"
)
WAIT = 15.0  # seconds any single expectation may take before the test fails


class Dispatches:
    """The ``on_dispatch`` callback: keeps every event in order and wakes waiters."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Event()

    def __call__(self, name: str, data: Mapping[str, Any]) -> None:
        self.items.append((name, dict(data)))
        self._changed.set()

    def named(self, name: str) -> list[dict[str, Any]]:
        return [data for event, data in self.items if event == name]

    def contents(self) -> list[str]:
        return [data.get("content", "") for data in self.named("MESSAGE_CREATE")]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


class CountingBackoff:
    """A fast backoff that records how often a fresh generator was started and each delay."""

    def __init__(self, base: float = 0.05) -> None:
        self.base = base
        self.generators = 0
        self.delays: list[float] = []

    def __call__(self) -> Iterator[float]:
        self.generators += 1
        for delay in exponential_backoff(base=self.base, factor=2, cap=1.0, jitter=0):
            self.delays.append(delay)
            yield delay


@dataclass
class Running:
    client: GatewayClient
    dispatches: Dispatches
    task: asyncio.Task[None]
    backoff: CountingBackoff
    rest: DiscordRest
    account: SimAccount
    sent: list[str] = field(default_factory=list)

    async def post(self, *contents: str) -> None:
        """Create channel messages over the simulator's REST API; they come back as dispatches."""
        for content in contents:
            await self.rest.send_message(self.account.channel_id, content)
            self.sent.append(content)


async def wait_until(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll client state from outside (the client exposes no change notifications)."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(SimConfig()) as simulator:
        yield simulator


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


StartGateway = Callable[..., Awaitable[Running]]


@pytest.fixture
async def start_gateway(sim: Simulator, http: httpx.AsyncClient) -> AsyncIterator[StartGateway]:
    started: list[Running] = []

    async def start(
        account: SimAccount,
        *,
        compress: bool = True,
        token: str | None = None,
        wait_ready: bool = True,
    ) -> Running:
        dispatches = Dispatches()
        backoff = CountingBackoff()
        client = GatewayClient(
            url=sim.gateway_url,
            token=token or account.token,
            user_agent=UA,
            on_dispatch=dispatches,
            compress=compress,
            account_id=account.username,
            backoff=backoff,
            ready_timeout=10.0,
        )
        rest = DiscordRest(
            http,
            base_url=sim.base_url,
            token=account.token,
            user_agent=UA,
            account_id=account.username,
        )
        task = asyncio.create_task(client.run())
        running = Running(client, dispatches, task, backoff, rest, account)
        started.append(running)
        if wait_ready:
            await client.wait_ready(WAIT)
        return running

    yield start
    for running in started:
        await running.client.close()
        with contextlib.suppress(GatewayClosedError):
            await asyncio.wait_for(running.task, WAIT)


@pytest.mark.parametrize("compress", [True, False], ids=["zlib-stream", "plain-json"])
async def test_ready_then_dispatches_in_order(
    sim: Simulator, start_gateway: StartGateway, compress: bool
) -> None:
    account = sim.add_account(name="alice")
    gw = await start_gateway(account, compress=compress)

    assert gw.client.connected
    assert gw.client.state is GatewayState.READY
    assert gw.client.user_id == account.user_id
    session_id = gw.client.session_id
    assert session_id is not None and len(session_id) == 32
    [live] = sim.hub.live_connections(account.user_id)
    assert (live.deflater is not None) is compress
    [ready] = gw.dispatches.named("READY")
    assert ready["session_id"] == session_id

    await gw.post(*(f"message {i}" for i in range(20)))
    await gw.dispatches.wait_for(lambda: len(gw.dispatches.contents()) == 20)

    assert gw.dispatches.contents() == gw.sent
    assert gw.dispatches.items[0][0] == "READY"
    assert gw.client.reconnects == 0


async def test_heartbeats_keep_a_connection_alive() -> None:
    config = SimConfig(heartbeat_interval_ms=100, heartbeat_timeout_factor=3.0)
    async with Simulator(config) as sim:
        account = sim.add_account(name="beat")
        dispatches = Dispatches()
        client = GatewayClient(
            url=sim.gateway_url,
            token=account.token,
            user_agent=UA,
            on_dispatch=dispatches,
            account_id="beat",
        )
        task = asyncio.create_task(client.run())
        try:
            await client.wait_ready(WAIT)
            # the server closes a socket that misses heartbeats; several intervals pass ACKed
            await wait_until(lambda: client.latency is not None)
            first_ack = client.latency
            sim.faults.request_heartbeat(account)
            await asyncio.sleep(0.5)  # five heartbeat intervals
            assert first_ack is not None
            assert client.connected
            assert client.reconnects == 0
        finally:
            await client.close()
            await asyncio.wait_for(task, WAIT)


async def test_resume_after_a_dropped_socket_replays_missed_events(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="bob")
    gw = await start_gateway(account)
    gw.backoff.base = 0.5  # leave time to create messages while the socket is down
    session_id = gw.client.session_id
    await gw.post("before drop")
    await gw.dispatches.wait_for(lambda: gw.dispatches.contents() == ["before drop"])

    sim.faults.drop_connections(account)
    await wait_until(lambda: not gw.client.connected)
    await gw.post("missed 1", "missed 2", "missed 3")
    await gw.dispatches.wait_for(lambda: bool(gw.dispatches.named("RESUMED")))
    await gw.post("after resume")
    await gw.dispatches.wait_for(lambda: len(gw.dispatches.contents()) == 5)

    assert gw.dispatches.contents() == gw.sent  # every event once, in order
    names = [name for name, _ in gw.dispatches.items if name in {"READY", "RESUMED"}]
    assert names == ["READY", "RESUMED"]
    resumed_at = [name for name, _ in gw.dispatches.items].index("RESUMED")
    replayed = [
        data["content"]
        for name, data in gw.dispatches.items[:resumed_at]
        if name == "MESSAGE_CREATE"
    ]
    assert replayed == ["before drop", "missed 1", "missed 2", "missed 3"]
    assert gw.client.session_id == session_id
    assert gw.client.connected
    assert gw.client.reconnects == 1


async def test_reconnect_request_resumes_the_same_session(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="carol")
    gw = await start_gateway(account)
    session_id = gw.client.session_id

    sim.faults.send_reconnect(account)
    await gw.dispatches.wait_for(lambda: bool(gw.dispatches.named("RESUMED")))
    await gw.post("still here")
    await gw.dispatches.wait_for(lambda: gw.dispatches.contents() == ["still here"])

    assert gw.client.session_id == session_id
    assert gw.client.reconnects == 1
    assert len(gw.dispatches.named("READY")) == 1


async def test_invalid_session_identifies_a_new_session(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="dave")
    gw = await start_gateway(account)
    old_session = gw.client.session_id

    sim.faults.invalidate_session(account, resumable=False)
    await gw.dispatches.wait_for(lambda: len(gw.dispatches.named("READY")) == 2)
    await wait_until(lambda: gw.client.connected)

    assert gw.client.session_id is not None
    assert gw.client.session_id != old_session
    assert gw.dispatches.named("READY")[1]["session_id"] == gw.client.session_id
    assert not gw.dispatches.named("RESUMED")
    await gw.post("new session works")
    await gw.dispatches.wait_for(lambda: gw.dispatches.contents() == ["new session works"])


async def test_resumable_invalid_session_resumes(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="erin")
    gw = await start_gateway(account)
    session_id = gw.client.session_id

    sim.faults.invalidate_session(account, resumable=True)
    await gw.dispatches.wait_for(lambda: bool(gw.dispatches.named("RESUMED")))

    assert gw.client.session_id == session_id
    assert len(gw.dispatches.named("READY")) == 1


async def test_unacknowledged_heartbeat_reconnects_and_resumes(
    start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mjcore.discord.gateway")
    config = SimConfig(heartbeat_interval_ms=150, heartbeat_timeout_factor=None)
    async with Simulator(config) as sim:
        account = sim.add_account(name="zombie")
        dispatches = Dispatches()
        client = GatewayClient(
            url=sim.gateway_url,
            token=account.token,
            user_agent=UA,
            on_dispatch=dispatches,
            account_id="zombie",
            backoff=CountingBackoff(),
        )
        task = asyncio.create_task(client.run())
        try:
            await client.wait_ready(WAIT)
            session_id = client.session_id

            sim.faults.stop_heartbeat_acks(account)
            await dispatches.wait_for(lambda: bool(dispatches.named("RESUMED")))
            sim.faults.resume_heartbeat_acks(account)
            await wait_until(lambda: client.connected)

            assert client.reconnects >= 1
            assert client.session_id == session_id
            assert any("heartbeat not acknowledged" in r.getMessage() for r in caplog.records)
        finally:
            await client.close()
            await asyncio.wait_for(task, WAIT)


async def test_session_timeout_close_identifies_again(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="frank")
    gw = await start_gateway(account)
    old_session = gw.client.session_id

    sim.faults.close_gateway(account, 4009, "Session timed out")
    await gw.dispatches.wait_for(lambda: len(gw.dispatches.named("READY")) == 2)

    assert gw.client.session_id != old_session


async def test_unknown_error_close_resumes(sim: Simulator, start_gateway: StartGateway) -> None:
    account = sim.add_account(name="gina")
    gw = await start_gateway(account)
    session_id = gw.client.session_id

    sim.faults.close_gateway(account, 4000, "Unknown error")
    await gw.dispatches.wait_for(lambda: bool(gw.dispatches.named("RESUMED")))

    assert gw.client.session_id == session_id


async def test_revoked_token_stops_without_reconnecting(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="henry")
    gw = await start_gateway(account)

    sim.faults.revoke_token(account)
    with pytest.raises(GatewayClosedError) as caught:
        await asyncio.wait_for(gw.task, WAIT)

    assert caught.value.code == 4004
    assert caught.value.account_id == "henry"
    assert "token" in caught.value.message
    assert gw.client.state is GatewayState.FAILED
    assert not gw.client.connected
    assert gw.client.reconnects == 0
    assert gw.backoff.delays == []  # run() returned: no further connection can be attempted
    with pytest.raises(GatewayClosedError):
        await gw.client.wait_ready(WAIT)


async def test_bad_token_fails_at_identify(sim: Simulator, start_gateway: StartGateway) -> None:
    account = sim.add_account(name="ivan")
    gw = await start_gateway(account, token="not-a-real-token", wait_ready=False)

    with pytest.raises(GatewayClosedError) as caught:
        await gw.client.wait_ready(WAIT)
    with pytest.raises(GatewayClosedError):
        await asyncio.wait_for(gw.task, WAIT)

    assert caught.value.code == 4004
    assert gw.client.reconnects == 0
    assert gw.client.session_id is None


async def test_backoff_restarts_after_each_successful_resume(
    sim: Simulator, start_gateway: StartGateway
) -> None:
    account = sim.add_account(name="judy")
    gw = await start_gateway(account)

    for expected in (1, 2, 3):
        sim.faults.drop_connections(account)

        def resumed(n: int = expected) -> bool:
            return len(gw.dispatches.named("RESUMED")) == n

        await gw.dispatches.wait_for(resumed)

    assert gw.client.reconnects == 3
    assert gw.backoff.generators == 3
    assert gw.backoff.delays == [0.05, 0.05, 0.05]  # never escalated: each resume succeeded


async def test_unreachable_gateway_backs_off() -> None:
    with socket.socket() as closed_port:  # bound but not listening: connections are refused
        closed_port.bind(("127.0.0.1", 0))
        url = f"ws://127.0.0.1:{closed_port.getsockname()[1]}"
        await _backs_off(url)


async def _backs_off(url: str) -> None:
    backoff = CountingBackoff(base=0.01)
    client = GatewayClient(
        url=url, token="t", user_agent=UA, on_dispatch=Dispatches(), backoff=backoff
    )
    task = asyncio.create_task(client.run())
    try:
        await wait_until(lambda: client.reconnects >= 4)
        assert backoff.generators == 1
        assert backoff.delays[:4] == [0.01, 0.02, 0.04, 0.08]
        assert not client.connected
    finally:
        await client.close()
        await asyncio.wait_for(task, WAIT)
    assert client.state is GatewayState.CLOSED


async def test_close_ends_run_and_wait_ready(sim: Simulator, start_gateway: StartGateway) -> None:
    account = sim.add_account(name="kate")
    gw = await start_gateway(account)

    await gw.client.close()
    await asyncio.wait_for(gw.task, WAIT)

    assert gw.client.state is GatewayState.CLOSED
    assert gw.client.reconnects == 0
    await wait_until(lambda: not sim.hub.live_connections(account.user_id))
    with pytest.raises(GatewayClosedError):
        await gw.client.wait_ready(WAIT)


async def test_a_failing_dispatch_handler_does_not_break_the_connection(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    account = sim.add_account(name="leo")
    seen: list[str] = []

    def handler(name: str, data: Mapping[str, Any]) -> None:
        if name == "MESSAGE_CREATE":
            seen.append(data["content"])
            if data["content"] == "boom":
                raise RuntimeError("handler bug")

    client = GatewayClient(
        url=sim.gateway_url, token=account.token, user_agent=UA, on_dispatch=handler
    )
    rest = DiscordRest(http, base_url=sim.base_url, token=account.token, user_agent=UA)
    task = asyncio.create_task(client.run())
    try:
        await client.wait_ready(WAIT)
        for content in ("boom", "after"):
            await rest.send_message(account.channel_id, content)
        await wait_until(lambda: seen == ["boom", "after"])
        assert client.connected
        assert client.reconnects == 0
    finally:
        await client.close()
        await asyncio.wait_for(task, WAIT)
