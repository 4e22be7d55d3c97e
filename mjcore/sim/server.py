"""``Simulator``: REST, gateway, CDN, uploads and discordsays on one local port.

Starlette served by uvicorn in-process on one pre-bound socket; websockets are routed by scope
type, so the gateway lives at ``/`` next to the HTTP routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket

from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.commands import CommandTable
from mjcore.sim.config import SimConfig
from mjcore.sim.faults import Faults
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.midjourney import JobRecord, MidjourneyBot
from mjcore.sim.rest import EdgeMiddleware, RequestRecord, RestApi
from mjcore.sim.state import (
    CHANNEL_DM,
    CHANNEL_GUILD_TEXT,
    MJ_APPLICATION_ID,
    ChannelRecord,
    SimAccount,
    SimState,
    UserRecord,
    make_user_token,
)

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 2
TICK_SECONDS = 0.1
TICKS_PER_DAY = 864000
SHUTDOWN_POLL_SECONDS = 0.005


class _EmbeddedServer(uvicorn.Server):
    """uvicorn for embedding: no signal handlers, prompt exit, no fixed shutdown sleep."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def request_exit(self) -> None:
        self.should_exit = True
        self._exit.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % TICKS_PER_DAY
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK_SECONDS):
                    await self._exit.wait()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        state = self.server_state
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                while True:
                    if not (state.connections or state.tasks):
                        break
                    await asyncio.sleep(SHUTDOWN_POLL_SECONDS)
        except TimeoutError:
            for task in state.tasks:
                task.cancel()
        for server in self.servers:
            await server.wait_closed()
        await self.lifespan.shutdown()


class Simulator:
    """A local Discord + Midjourney. Use as ``async with Simulator(SimConfig()) as sim``."""

    def __init__(
        self, config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SimConfig()
        self.host = host
        self.port = port
        self.state = SimState()
        self.commands = CommandTable(self.state.snowflakes)
        self.hub = GatewayHub(self.state, self.config)
        self.bus = MessageBus(self.state, self.hub)
        self.cdn = Cdn(self.state, self.config)
        self.bot = MidjourneyBot(
            self.state, self.config, self.hub, self.bus, self.cdn, self.commands
        )
        self.faults = Faults(self.state, self.hub, self.bot, self.cdn)
        self.requests: list[RequestRecord] = []
        self.rest = RestApi(
            self.state, self.config, self.hub, self.bus, self.cdn, self.bot, self.commands
        )
        self._server: _EmbeddedServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    # --- public API ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def jobs(self) -> list[JobRecord]:
        return self.bot.jobs

    def job_for_nonce(self, nonce: str) -> JobRecord | None:
        for job in self.bot.jobs:
            if job.nonce == nonce:
                return job
        return None

    def rotate_command_versions(self) -> None:
        self.commands.rotate()
        log.info("command versions rotated [index:%s]", self.commands.index_version)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no job is running or queued (TimeoutError after ``timeout``)."""
        await self.bot.wait_idle(timeout)

    def add_account(
        self,
        name: str = "user",
        *,
        token: str | None = None,
        user_id: str | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        dm_channel_id: str | None = None,
        remix: bool = False,
    ) -> SimAccount:
        """Create a user with a guild text channel (shared when the ids already exist) and a DM."""
        state = self.state
        uid = user_id or state.snowflakes.next()
        user = UserRecord(
            user_id=uid, username=name, token=token or make_user_token(uid), remix=remix
        )
        if user.token in state.users_by_token:
            raise ValueError("token already in use")
        state.users[uid] = user
        state.users_by_token[user.token] = user
        gid = guild_id or state.snowflakes.next()
        guild = state.add_guild(gid, owner_id=uid)
        guild.member_ids.add(uid)
        cid = channel_id or state.snowflakes.next()
        existing = state.channels.get(cid)
        if existing is not None and existing.guild_id != gid:
            raise ValueError("channel belongs to another guild")
        state.add_channel(
            ChannelRecord(channel_id=cid, type=CHANNEL_GUILD_TEXT, name=f"mj-{name}", guild_id=gid)
        )
        did = dm_channel_id or state.snowflakes.next()
        state.add_channel(
            ChannelRecord(
                channel_id=did, type=CHANNEL_DM, name="", recipient_ids={uid, MJ_APPLICATION_ID}
            )
        )
        account = SimAccount(
            token=user.token,
            user_id=uid,
            username=name,
            guild_id=gid,
            channel_id=cid,
            dm_channel_id=did,
        )
        state.accounts[uid] = account
        log.info("account added [user:%s guild:%s channel:%s]", uid, gid, cid)
        return account

    # --- lifecycle -------------------------------------------------------------------------
    def _app(self) -> Starlette:
        async def gateway(websocket: WebSocket) -> None:
            await self.hub.serve(websocket)

        routes: list[BaseRoute] = [WebSocketRoute("/", gateway)]
        routes += self.rest.routes()
        routes += self.cdn.routes()
        app = Starlette(routes=routes)
        app.add_middleware(
            EdgeMiddleware, records=self.requests, faults=self.faults, config=self.config
        )
        return app

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.hub.public_url = self.gateway_url
        config = uvicorn.Config(
            self._app(),
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            ws_ping_interval=None,
            # Discord's gateway compresses with zlib-stream and never accepts the
            # permessage-deflate extension that browser clients offer
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = _EmbeddedServer(config)
        self._serve_task = asyncio.get_running_loop().create_task(
            self._server.serve(sockets=[sock])
        )
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not self._server.started:
                if self._serve_task.done():
                    self._serve_task.result()
                    raise RuntimeError("simulator server stopped during startup")
                await asyncio.sleep(0.01)
        log.info("simulator listening [url:%s]", self.base_url)

    async def stop(self) -> None:
        for part, close in (("bot", self.bot.aclose), ("gateway", self.hub.aclose)):
            try:
                async with asyncio.timeout(SHUTDOWN_TIMEOUT_SECONDS):
                    await close()
            except TimeoutError:
                log.error("simulator %s did not stop in time", part)
        if self._server is not None and self._serve_task is not None:
            self._server.request_exit()
            try:
                async with asyncio.timeout(SHUTDOWN_TIMEOUT_SECONDS):
                    await self._serve_task
            except TimeoutError:
                self._server.force_exit = True
                self._serve_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._serve_task
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._serve_task = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


async def serve(host: str, port: int, config: SimConfig | None = None) -> None:
    """Run a simulator until cancelled (``mjbridge sim``); logs the URLs and a demo account."""
    async with Simulator(config, host=host, port=port) as sim:
        account = sim.add_account(name="demo")
        log.info("simulator REST base: %s/api/v9 (also CDN, uploads and discordsays)", sim.base_url)
        log.info("simulator gateway: %s/?encoding=json&v=9&compress=zlib-stream", sim.gateway_url)
        log.info(
            "simulator demo account (simulated token): token=%s user_id=%s guild_id=%s "
            "channel_id=%s dm_channel_id=%s",
            account.token,
            account.user_id,
            account.guild_id,
            account.channel_id,
            account.dm_channel_id,
        )
        await asyncio.Event().wait()
