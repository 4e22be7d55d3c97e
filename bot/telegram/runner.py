"""The Telegram front end: Bot + Dispatcher + job tracker, long polling or webhook.

``run_telegram(settings, engine, store)`` is what the composition root calls. Tests build a
``TelegramFrontend`` themselves (their own Bot API server, faster flood windows and pacing).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject

from bot.telegram.albums import ALBUM_WAIT_SECONDS, AlbumCollector
from bot.telegram.callbacks import ButtonTokens
from bot.telegram.commands import set_command_menus
from bot.telegram.delivery import FileIds, ImageSource
from bot.telegram.jobs import JobStore
from bot.telegram.limiter import FloodControlMiddleware, FloodLimiter, FloodPolicy
from bot.telegram.middlewares import UserMiddleware
from bot.telegram.progress import JobTracker, ProgressOptions
from bot.telegram.routers import feature_routers
from bot.telegram.submissions import JobStarter
from bot.telegram.users import DEFAULT_DAILY_QUOTA, UserStore
from mjcore.config import Settings
from mjcore.engine import Engine
from mjcore.store.base import TaskStore

log = logging.getLogger(__name__)

POLLING_TIMEOUT_SECONDS = 30
DOWNLOAD_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
WEBHOOK_PORT = 8443
WEBHOOK_HOST = "0.0.0.0"  # reachable by Telegram or by the TLS-terminating proxy in front


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    admin_ids: frozenset[int] = frozenset()
    flood: FloodPolicy = field(default_factory=FloodPolicy)
    progress: ProgressOptions = field(default_factory=ProgressOptions)
    daily_quota: int = DEFAULT_DAILY_QUOTA
    album_wait: float = ALBUM_WAIT_SECONDS
    polling_timeout: int = POLLING_TIMEOUT_SECONDS
    webhook_url: str = ""  # empty: long polling
    webhook_host: str = WEBHOOK_HOST
    webhook_port: int | None = None  # None: the port of webhook_url, else 8443
    set_commands: bool = True


def create_bot(token: str, api_server: str, limiter: FloodLimiter) -> Bot:
    """A Bot whose every send and edit goes through ``limiter``."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_server))
    session.middleware(FloodControlMiddleware(limiter))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


class _InFlight(BaseMiddleware):
    """Keeps the asyncio tasks handling updates, so shutdown can wait for them."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        current = asyncio.current_task()
        if current is not None:
            self.tasks.add(current)
        try:
            return await handler(event, data)
        finally:
            if current is not None:
                self.tasks.discard(current)


async def _log_error(event: ErrorEvent) -> bool:
    update = event.update
    log.error(
        "update failed [update:%s] %s: %s",
        update.update_id,
        type(event.exception).__name__,
        event.exception,
        exc_info=event.exception,
    )
    return True


class TelegramFrontend:
    """Everything the Telegram bot needs, wired together. ``async with`` runs it."""

    def __init__(
        self,
        *,
        bot: Bot,
        limiter: FloodLimiter,
        engine: Engine,
        store: TaskStore,
        http: httpx.AsyncClient,
        options: TelegramOptions | None = None,
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.engine = engine
        self.options = options or TelegramOptions()
        self.users = UserStore(store, default_quota=self.options.daily_quota)
        self.jobs = JobStore(store)
        self.tokens = ButtonTokens(store)
        self.files = FileIds(store)
        self.images = ImageSource(engine, http)
        self.tracker = JobTracker(
            bot=bot,
            engine=engine,
            jobs=self.jobs,
            users=self.users,
            tokens=self.tokens,
            files=self.files,
            images=self.images,
            limiter=limiter,
            options=self.options.progress,
        )
        self.starter = JobStarter(
            bot=bot, engine=engine, users=self.users, jobs=self.jobs, tracker=self.tracker
        )
        self._in_flight = _InFlight()
        self.dispatcher = self._build_dispatcher(store)
        self._runner: asyncio.Task[None] | None = None

    def _build_dispatcher(self, store: TaskStore) -> Dispatcher:
        dp = Dispatcher()
        dp.update.outer_middleware(self._in_flight)
        users = UserMiddleware(self.users, self.options.admin_ids)
        dp.message.outer_middleware(users)
        dp.callback_query.outer_middleware(users)
        dp.errors.register(_log_error)
        dp.include_routers(*feature_routers())
        dp["engine"] = self.engine
        dp["store"] = store
        dp["users"] = self.users
        dp["jobs"] = self.jobs
        dp["tokens"] = self.tokens
        dp["files"] = self.files
        dp["images"] = self.images
        dp["tracker"] = self.tracker
        dp["starter"] = self.starter
        dp["albums"] = AlbumCollector(self.options.album_wait)
        return dp

    # ------------------------------------------------------------ running
    async def run(self) -> None:
        """Run until cancelled: the job tracker, then polling or the webhook server."""
        async with asyncio.TaskGroup() as group:
            tracker = group.create_task(self.tracker.run(), name="tg-tracker")
            try:
                await self.tracker.ready.wait()
                if self.options.set_commands:
                    await self._set_commands()
                if self.options.webhook_url:
                    await self._serve_webhook()
                else:
                    await self.dispatcher.start_polling(
                        self.bot,
                        polling_timeout=self.options.polling_timeout,
                        handle_signals=False,
                        close_bot_session=False,
                    )
            finally:
                await self._drain()
                tracker.cancel()

    async def _set_commands(self) -> None:
        try:
            await set_command_menus(self.bot, self.options.admin_ids)
        except TelegramAPIError as exc:
            log.warning("command menus not set: %s", exc)

    async def _drain(self) -> None:
        """Let updates being handled finish (their jobs get recorded), then cancel stragglers."""
        pending = [t for t in self._in_flight.tasks if t is not asyncio.current_task()]
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=STOP_TIMEOUT_SECONDS)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=STOP_TIMEOUT_SECONDS)

    async def _serve_webhook(self) -> None:
        from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
        from aiohttp import web

        url = self.options.webhook_url
        secret = hashlib.sha256(f"{url}\n{self.bot.token}".encode()).hexdigest()[:64]
        app = web.Application()
        path = urlsplit(url).path or "/"
        SimpleRequestHandler(self.dispatcher, self.bot, secret_token=secret).register(app, path)
        setup_application(app, self.dispatcher, bot=self.bot)
        runner = web.AppRunner(app)
        await runner.setup()
        port = self.options.webhook_port or urlsplit(url).port or WEBHOOK_PORT
        site = web.TCPSite(runner, self.options.webhook_host, port)
        await site.start()
        await self.bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
        log.info("Telegram webhook listening on port %d, path %s", port, path)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    async def __aenter__(self) -> TelegramFrontend:
        self._runner = asyncio.create_task(self.run(), name="tg-frontend")
        ready = asyncio.create_task(self.tracker.ready.wait())
        await asyncio.wait({ready, self._runner}, return_when=asyncio.FIRST_COMPLETED)
        if self._runner.done():
            ready.cancel()
            await self._runner  # raises what stopped it
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop polling, let in-flight updates finish, then stop the tracker."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if not self.options.webhook_url and not runner.done():
            with contextlib.suppress(RuntimeError, TimeoutError):
                await asyncio.wait_for(self.dispatcher.stop_polling(), STOP_TIMEOUT_SECONDS)
            await asyncio.wait({runner}, timeout=2 * STOP_TIMEOUT_SECONDS)
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


async def run_telegram(settings: Settings, engine: Engine, store: TaskStore) -> None:
    """Run the Telegram bot of ``settings`` over ``engine`` until cancelled."""
    limiter = FloodLimiter()
    bot = create_bot(settings.tg_bot_token.get_secret_value(), settings.tg_api_server, limiter)
    options = TelegramOptions(admin_ids=settings.admin_ids, webhook_url=settings.tg_webhook_url)
    async with httpx.AsyncClient(timeout=httpx.Timeout(DOWNLOAD_TIMEOUT_SECONDS)) as http:
        try:
            frontend = TelegramFrontend(
                bot=bot, limiter=limiter, engine=engine, store=store, http=http, options=options
            )
            log.info(
                "Telegram front end starting (%s)", "webhook" if options.webhook_url else "polling"
            )
            await frontend.run()
        finally:
            await bot.session.close()
