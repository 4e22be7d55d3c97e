"""The product wired as ``mjbridge serve`` wires it, for benchmarks that need the Engine in hand.

``product()`` mirrors ``bot.app.serve`` (store, notifier, engine with image store and banned
words, compat watcher, ``create_app`` under uvicorn) but binds port 0 and yields the engine.
``mjbridge_serve()`` runs the real ``mjbridge serve`` command in a child process instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.procs import Json
from bot.cli import loop_factory, quiet_access_log
from bot.collector import freeze_startup_objects
from mjcore import redact
from mjcore.accounts import DiscordEndpoints
from mjcore.api.app import create_app
from mjcore.api.compat import CompatOptions, CompatWatcher
from mjcore.api.deps import task_view
from mjcore.api.front import front_app, serve_front
from mjcore.banned import BannedWords
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, cdn_client
from mjcore.models import AccountConfig
from mjcore.notify import Notifier
from mjcore.store.sqlite import SqliteTaskStore

LOCALHOST = "127.0.0.1"
HTTP_TIMEOUT_SECONDS = 30.0
READY_TIMEOUT_SECONDS = 120.0
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.1
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as bot.cli
_FOREIGN_PREFIXES = ("MJ_", "TG_")


def configure_logging(path: Path, level: int = logging.INFO) -> None:
    """Log like ``mjbridge serve`` (INFO, secrets masked), into ``path`` instead of stderr."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_access_log(level)
    redact.install(handler)


def endpoints(sim: Json) -> DiscordEndpoints:
    base = str(sim["base_url"])
    return DiscordEndpoints(
        server=base, wss=str(sim["gateway_url"]), cdn=base, upload_server=base, says_server=base
    )


def account_entries(sim: Json, **settings: Any) -> list[dict[str, Any]]:
    """``MJ_ACCOUNTS`` entries for the simulator's accounts."""
    return [
        {
            "name": a["username"],
            "channel_id": a["channel_id"],
            "guild_id": a["guild_id"],
            "user_token": a["token"],
            "dm_channel_id": a["dm_channel_id"],
            **settings,
        }
        for a in sim["accounts"]
    ]


def account_configs(sim: Json, **settings: Any) -> list[AccountConfig]:
    return [AccountConfig(**entry) for entry in account_entries(sim, **settings)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCALHOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` as ``bot.app`` does (uvicorn on the HTTP front's thread, ``serve_front``)
    on a free port, without taking signals (the benchmark owns the process); yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOCALHOST, 0))
    sock.listen(2048)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(
        serve_front(server, sockets=[sock], loop_factory=loop_factory(), handle_signals=False)
    )
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("uvicorn stopped during startup")
                await asyncio.sleep(0.01)
        yield f"http://{LOCALHOST}:{port}"
    finally:
        server.should_exit = True
        stopped, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_SECONDS)
        if not stopped:
            server.force_exit = True  # requests still in flight are dropped
            await asyncio.wait({task})
        sock.close()
        task.result()


@dataclass(frozen=True, slots=True)
class Product:
    engine: Engine
    store: SqliteTaskStore
    http: httpx.AsyncClient
    url: str


@contextlib.asynccontextmanager
async def product(
    workdir: Path, sim: Json, *, core_size: int, queue_size: int
) -> AsyncIterator[Product]:
    """Engine + REST API over the simulator, composed like ``bot.app.serve``."""
    accounts = account_configs(sim, core_size=core_size, queue_size=queue_size)
    ends = endpoints(sim)
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS))
        )
        cdn = await stack.enter_async_context(cdn_client())
        store = await stack.enter_async_context(SqliteTaskStore(workdir / "mjbridge.db"))
        notifier = await stack.enter_async_context(Notifier(store.outbox(), http))
        engine = Engine(
            store=store,
            accounts=accounts,
            endpoints=ends,
            images=ImageStore(workdir / "images", cdn, cdn_base=ends.cdn),
            banned=BannedWords.load(None),
            notifier=notifier,
            options=EngineOptions(public_url="http://127.0.0.1:8080"),
        )
        await store.use_view(task_view(engine))  # finished tasks kept as API answers
        await stack.enter_async_context(engine)
        await engine.wait_ready(READY_TIMEOUT_SECONDS)
        compat = CompatOptions()
        await stack.enter_async_context(CompatWatcher(engine, options=compat, http=http))
        app = front_app(create_app(engine, compat=compat), engine, api_secret="")
        url = await stack.enter_async_context(serve_app(app))
        freeze_startup_objects()
        yield Product(engine=engine, store=store, http=http, url=url)


# --- the real command in a child process --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Served:
    url: str
    pid: int


def serve_env(
    workdir: Path, sim: Json, port: int, store: Path, public_url: str | None = None, **account: Any
) -> dict[str, str]:
    """Environment for ``mjbridge serve`` against the simulator (nothing inherited from MJ_/TG_);
    without ``public_url`` it links to itself."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN_PREFIXES)}
    base = str(sim["base_url"])
    env.update(
        {
            "MJ_HOST": LOCALHOST,
            "MJ_PORT": str(port),
            "MJ_DATA_DIR": str(workdir),
            "MJ_STORE": f"sqlite:///{store}",
            "MJ_ACCOUNTS": json.dumps(account_entries(sim, **account)),
            "MJ_DISCORD_SERVER": base,
            "MJ_DISCORD_WSS": str(sim["gateway_url"]),
            "MJ_DISCORD_CDN": base,
            "MJ_DISCORD_UPLOAD_SERVER": base,
            "MJ_DISCORD_SAYS_SERVER": base,
        }
    )
    if public_url is not None:
        env["MJ_PUBLIC_URL"] = public_url
    return env


async def wait_healthy(url: str, accounts: int, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Until ``/health`` shows ``accounts`` accounts READY."""
    async with httpx.AsyncClient(timeout=5.0) as client, asyncio.timeout(timeout):
        while True:
            with contextlib.suppress(httpx.HTTPError):
                response = await client.get(f"{url}/health")
                if response.status_code == httpx.codes.OK:
                    states = [a["state"] for a in response.json()["accounts"]]
                    if states.count("READY") >= accounts:
                        return
            await asyncio.sleep(POLL_SECONDS)


@contextlib.asynccontextmanager
async def mjbridge_serve(
    workdir: Path,
    sim: Json,
    *,
    store: Path,
    log_path: Path,
    public_url: str | None = None,
    **account: Any,
) -> AsyncIterator[Served]:
    """``mjbridge serve`` (``python -m bot.cli serve``) as its own process, ready to use."""
    port = free_port()
    env = serve_env(workdir, sim, port, store, public_url, **account)
    with log_path.open("ab") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            cwd=workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
        )
    url = f"http://{LOCALHOST}:{port}"
    try:
        waiter = asyncio.ensure_future(wait_healthy(url, len(sim["accounts"])))
        exited = asyncio.ensure_future(proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            waiter.cancel()
            raise RuntimeError(f"mjbridge serve exited with {proc.returncode} (see {log_path})")
        exited.cancel()
        waiter.result()
        yield Served(url=url, pid=proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
