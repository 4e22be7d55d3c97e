"""The Telegram front end against the fake Bot API server, the engine and the simulator.

Everything runs over real sockets on 127.0.0.1: aiogram talks HTTP to ``FakeTelegram``, the
engine talks to the Discord + Midjourney simulator, Baidu translation goes to ``FakeBaidu``.
Telegram's flood-control clock runs ``SPEEDUP`` times faster, and the bot's limiter is scaled
the same way, so a group's minute passes in a little over a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from bot.telegram.delivery import FileIds, Variant
from bot.telegram.jobs import JOB_NS, JobRecord
from bot.telegram.limiter import FloodLimiter, FloodPolicy
from bot.telegram.progress import ProgressOptions
from bot.telegram.runner import TelegramFrontend, TelegramOptions, create_bot
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, InputFiles
from mjcore.models import Task
from mjcore.sim import SimConfig, Simulator
from mjcore.store.sqlite import SqliteTaskStore
from tests.fakes.baidu import FakeBaidu
from tests.fakes.telegram import BotMessage, FakeChat, FakeTelegram, FakeUser
from tests.integration.conftest import account_for, endpoints_for

SPEEDUP = 50.0
WAIT = 20.0
ADMIN_ID_PLACEHOLDER = 0
FAST_PROGRESS = ProgressOptions(
    private_interval=0.05, group_interval=0.2, background_poll=0.02, final_retry=0.05
)


def sim_config(**overrides: Any) -> SimConfig:
    values: dict[str, Any] = {"start_delay_seconds": 0.01, "progress_delay_seconds": 0.03}
    values.update(overrides)
    return SimConfig(**values)


def png(width: int = 64, height: int = 64, color: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


@dataclass
class TgStack:
    """A running product: simulator, engine, fake Telegram, fake Baidu and the bot."""

    tmp_path: Path
    sim: Simulator
    engine: Engine
    store: SqliteTaskStore
    fake: FakeTelegram
    baidu: FakeBaidu
    http: httpx.AsyncClient
    options: TelegramOptions
    frontend: TelegramFrontend | None = None
    _exits: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    async def start_bot(self) -> TelegramFrontend:
        """Start (or start again, as after a process restart) the Telegram front end."""
        limiter = FloodLimiter(self.options.flood)
        bot = create_bot(self.fake.token, self.fake.url, limiter)
        frontend = TelegramFrontend(
            bot=bot,
            limiter=limiter,
            engine=self.engine,
            store=self.store,
            http=self.http,
            options=self.options,
        )
        await frontend.__aenter__()
        self.frontend = frontend
        return frontend

    async def stop_bot(self) -> None:
        frontend, self.frontend = self.frontend, None
        if frontend is not None:
            await frontend.stop()
            await frontend.bot.session.close()

    # ------------------------------------------------------------ helpers for tests
    def messages(self, chat: FakeChat) -> list[BotMessage]:
        return [m for m in self.fake.bot_messages(chat) if not m.deleted]

    async def wait_message(
        self, chat: FakeChat, predicate: Callable[[BotMessage], bool], timeout: float = WAIT
    ) -> BotMessage:
        def found() -> BotMessage | None:
            return next((m for m in self.messages(chat) if predicate(m)), None)

        result = await self.fake.wait_for(found, timeout)
        assert result is not None
        return result

    async def wait_result(
        self, chat: FakeChat, *, reply_to: int | None = None, timeout: float = WAIT
    ) -> BotMessage:
        """A job message (it started as "queued" text) answering ``reply_to``, now final."""

        def done(m: BotMessage) -> bool:
            return (
                (reply_to is None or m.reply_to_message_id == reply_to)
                and m.history[0].kind == "text"
                and m.kind == "photo"
                and (m.caption or "").startswith("✅")
            )

        return await self.wait_message(chat, done, timeout)

    async def task_of(self, message: BotMessage) -> Task:
        """The task whose job message ``message`` is."""
        for _, raw in await self.store.kv_items(JOB_NS):
            record = JobRecord.from_json(raw)
            if (record.chat_id, record.message_id) == (message.chat_id, message.message_id):
                task = await self.engine.get(record.task_id)
                assert task is not None
                return task
        raise LookupError(f"no job shows message {message.message_id}")

    async def wait_file_id(self, task_id: str, variant: Variant) -> str:
        """The Telegram file id the bot remembered for a task's image (stored after the send)."""
        async with asyncio.timeout(WAIT):
            while (file_id := await FileIds(self.store).get(task_id, variant)) is None:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        return file_id

    def press(self, chat: FakeChat, user: FakeUser, message: BotMessage, label: str) -> str:
        """Tap the button whose text contains ``label``; returns its callback data."""
        for text, data in message.buttons:
            if label in text:
                self.fake.press_button(chat, user, message.message_id, data)
                return data
        raise LookupError(f"no button {label!r} in {message.buttons}")


@contextlib.asynccontextmanager
async def telegram_stack(
    tmp_path: Path,
    *,
    admin_ids: frozenset[int] = frozenset(),
    daily_quota: int = 100,
    config: SimConfig | None = None,
    privacy_mode: bool = True,
    start: bool = True,
) -> AsyncIterator[TgStack]:
    async with contextlib.AsyncExitStack() as exits:
        sim = await exits.enter_async_context(Simulator(config or sim_config()))
        sim_account = sim.add_account(name="acct0")
        http = await exits.enter_async_context(httpx.AsyncClient(timeout=30.0))
        baidu = await exits.enter_async_context(FakeBaidu())
        store = await exits.enter_async_context(SqliteTaskStore(tmp_path / "tasks.db"))
        endpoints = endpoints_for(sim)
        engine = Engine(
            store=store,
            accounts=[account_for(sim_account)],
            endpoints=endpoints,
            images=ImageStore(tmp_path / "images", http, cdn_base=endpoints.cdn),
            inputs=InputFiles(tmp_path / "inputs"),
            translator=baidu.translator(http),
            options=EngineOptions(public_url="http://mjbridge.test"),
        )
        await exits.enter_async_context(engine)
        await engine.wait_ready(15)
        fake = await exits.enter_async_context(FakeTelegram(speedup=SPEEDUP))
        fake.privacy_mode = privacy_mode
        options = TelegramOptions(
            admin_ids=admin_ids,
            flood=FloodPolicy().scaled(1 / SPEEDUP),
            progress=FAST_PROGRESS,
            daily_quota=daily_quota,
            album_wait=0.3,
            polling_timeout=1,
        )
        stack = TgStack(tmp_path, sim, engine, store, fake, baidu, http, options)
        exits.push_async_callback(stack.stop_bot)
        if start:
            await stack.start_bot()
        yield stack


@pytest.fixture
async def tg(tmp_path: Path) -> AsyncIterator[TgStack]:
    async with telegram_stack(tmp_path) as stack:
        yield stack
