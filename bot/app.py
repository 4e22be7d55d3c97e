"""Composition root: Settings → Engine → REST server → front ends, in one TaskGroup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import httpx
import uvicorn

from bot.cli import loop_factory
from bot.collector import freeze_startup_objects
from mjcore.accounts import DiscordEndpoints
from mjcore.api.app import create_app
from mjcore.api.compat import CompatOptions, CompatWatcher
from mjcore.api.deps import task_view
from mjcore.api.front import front_app, serve_front
from mjcore.banned import BannedWords
from mjcore.config import Settings
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, cdn_client
from mjcore.models import AccountConfig
from mjcore.notify import Notifier
from mjcore.redact import secret_filter
from mjcore.store import open_store
from mjcore.translate.baidu import BaiduTranslator
from mjcore.translate.base import NullTranslator, Translator

log = logging.getLogger(__name__)
_NOTIFY_DRAIN_SECONDS = 5.0

SANDBOX_BANNER = (
    "SANDBOX MODE: no Discord account is configured, so mjbridge runs its built-in Discord + "
    "Midjourney simulator at %s. Every image is SIMULATED. Set MJ_ACCOUNTS to use Midjourney."
)


def discord_endpoints(settings: Settings) -> DiscordEndpoints:
    return DiscordEndpoints(
        server=settings.discord_server,
        wss=settings.discord_wss,
        cdn=settings.discord_cdn,
        upload_server=settings.discord_upload_server,
        says_server=settings.discord_says_server,
        proxy=settings.proxy or None,
    )


def translator_for(settings: Settings, http: httpx.AsyncClient) -> Translator:
    if settings.translate == "baidu":
        return BaiduTranslator(
            http,
            appid=settings.baidu_appid,
            secret=settings.baidu_secret.get_secret_value(),
            url=settings.baidu_url,
        )
    return NullTranslator()


def compat_options(settings: Settings) -> CompatOptions:
    admin = settings.token_admin_secret
    return CompatOptions(
        trigger_callback_url=settings.trigger_callback_url or None,
        image_url_prefix=settings.token_image_prefix or None,
        token_admin_secret=None if admin is None else admin.get_secret_value(),
    )


async def serve(settings: Settings, *, sandbox: bool = False) -> None:
    accounts = settings.load_accounts()
    secret_filter.add(
        *(a.user_token for a in accounts),
        settings.api_secret.get_secret_value(),
        settings.tg_bot_token.get_secret_value(),
        settings.baidu_secret.get_secret_value(),
    )
    endpoints = discord_endpoints(settings)
    async with contextlib.AsyncExitStack() as stack:
        if sandbox or not accounts:
            from mjcore.sim import SimConfig, Simulator

            sim = await stack.enter_async_context(Simulator(SimConfig(), host="127.0.0.1", port=0))
            sim_account = sim.add_account(name="sandbox")
            accounts = [
                AccountConfig(
                    channel_id=sim_account.channel_id,
                    guild_id=sim_account.guild_id,
                    user_token=sim_account.token,
                    name="sandbox",
                    dm_channel_id=sim_account.dm_channel_id,
                )
            ]
            endpoints = DiscordEndpoints(
                server=sim.base_url,
                wss=sim.gateway_url,
                cdn=sim.base_url,
                upload_server=sim.base_url,
                says_server=sim.base_url,
            )
            log.warning(SANDBOX_BANNER, sim.base_url)
        data_dir = Path(settings.data_dir)
        await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
        http = await stack.enter_async_context(
            httpx.AsyncClient(proxy=endpoints.proxy, timeout=httpx.Timeout(30.0))
        )
        cdn = await stack.enter_async_context(cdn_client(endpoints.proxy))
        store = await stack.enter_async_context(open_store(settings.store, data_dir=data_dir))
        notifier = await stack.enter_async_context(Notifier(store.outbox(), http))
        engine = Engine(
            store=store,
            accounts=accounts,
            endpoints=endpoints,
            images=ImageStore(data_dir / "images", cdn, cdn_base=endpoints.cdn),
            translator=translator_for(settings, http),
            banned=BannedWords.load(
                Path(settings.banned_words_file) if settings.banned_words_file else None
            ),
            notifier=notifier,
            options=EngineOptions(
                public_url=settings.effective_public_url,
                notify_hook=settings.notify_hook or None,
                choose_rule=settings.account_choose_rule,
                auto_appeal=settings.auto_appeal,
                modal_timeout=settings.modal_timeout,
            ),
        )
        await store.use_view(task_view(engine))  # finished tasks kept as API answers
        await stack.enter_async_context(engine)
        compat = compat_options(settings)
        await stack.enter_async_context(CompatWatcher(engine, options=compat, http=http))
        secret = settings.api_secret.get_secret_value()
        app = front_app(
            create_app(engine, api_secret=secret, compat=compat), engine, api_secret=secret
        )
        config = uvicorn.Config(
            app, host=settings.host, port=settings.port, log_config=None, lifespan="off"
        )
        server = uvicorn.Server(config)
        freeze_startup_objects()
        log.info("REST API on http://%s:%d (docs at /mj/docs)", settings.host, settings.port)
        async with asyncio.TaskGroup() as tg:
            fronts: list[asyncio.Task[None]] = []
            if settings.tg_bot_token.get_secret_value():
                from bot.telegram.runner import run_telegram

                fronts.append(tg.create_task(run_telegram(settings, engine, store)))
            await serve_front(server, loop_factory=loop_factory())
            for front in fronts:
                front.cancel()
        await notifier.wait_idle(_NOTIFY_DRAIN_SECONDS)
