"""Benchmark 6: the Telegram front end — Bot API calls per job and final-photo delay.

The real front end (``bot.telegram.runner.TelegramFrontend``, production pacing and flood
limits) talks to the fake Bot API server of the tests (``tests.fakes.telegram``) over HTTP; the
engine talks to the simulator in its own process. Several users each send prompts in their
private chat, one after the other. The simulator's frames come ``FRAME_SECONDS`` apart, slower
than the bot's progress interval, so every frame may become an edit (the worst case for calls).

- calls per job: Bot API calls naming a user's chat, divided by that chat's jobs (polling and
  start-up calls such as getUpdates, getMe, setMyCommands name no chat and are left out);
- final photo delay: from the engine publishing SUCCESS to the fake answering the call that
  put the final photo (a ✅ caption) into the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.endtoend import SIM_IMAGES
from bench.procs import Child
from bench.report import Figure, at_most
from bench.stack import product
from bench.stats import percentile
from mjcore.models import Task, TaskStatus

NAME = "telegram"
FRAME_SECONDS = 2.5
FRAME_SECONDS_QUICK = 0.5
JOB_TIMEOUT_SECONDS = 120.0
TARGET_CALLS = 8
TARGET_FINAL_SECONDS = 1.0
FINAL_MARK = "✅"
PHOTO_RESULT_KEYS = ("photo", "document")
PROMPT_HEAD = "a quiet harbour for"
_PROMPT_USER = re.compile(rf"{PROMPT_HEAD} (?P<name>\w+),")


def sizes(quick: bool) -> tuple[int, int]:
    """(users, jobs per user)."""
    return (2, 1) if quick else (5, 3)


@dataclass(frozen=True, slots=True)
class Stamp:
    at: float  # time.perf_counter() when the fake answered
    method: str
    chat_id: int | None
    final_photo: bool


def _stamp(method: str, body: Mapping[str, Any]) -> Stamp:
    result = body.get("result")
    chat_id: int | None = None
    final_photo = False
    if isinstance(result, dict) and isinstance(result.get("chat"), dict):
        chat_id = int(result["chat"]["id"])
        caption = str(result.get("caption") or "")
        final_photo = caption.startswith(FINAL_MARK) and any(k in result for k in PHOTO_RESULT_KEYS)
    return Stamp(time.perf_counter(), method, chat_id, final_photo)


async def run(*, quick: bool, workdir: Path, profile: bool = False) -> list[Figure]:
    try:
        from aiogram.exceptions import TelegramAPIError

        from bot.telegram.limiter import FloodLimiter
        from bot.telegram.runner import TelegramFrontend, TelegramOptions, create_bot
        from tests.fakes.telegram import FakeTelegram
    except ImportError as exc:
        return [Figure(NAME, "run", None, note=f"Telegram front end not usable: {exc}")]

    class TimedFakeTelegram(FakeTelegram):
        """The fake Bot API, stamping when it answered each call (a measuring hook)."""

        stamps: list[Stamp]

        async def _execute(self, method: str, params: Any) -> tuple[dict[str, Any], int]:
            body, status = await super()._execute(method, params)
            self.stamps.append(_stamp(method, body))
            return body, status

    users, jobs = sizes(quick)
    frame = FRAME_SECONDS_QUICK if quick else FRAME_SECONDS
    sim_config = {
        "accounts": 1,
        "sim": {
            "start_delay_seconds": frame / 2,
            "progress_delay_seconds": frame,
            "max_concurrent_jobs": users,
            "rest_requests_per_second": 1_000_000,
            **SIM_IMAGES,
        },
    }
    succeeded: dict[str, float] = {}
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(
            Child("bench.simproc", sim_config, workdir / "sim.log")
        )
        prod = await stack.enter_async_context(
            product(workdir / "engine", sim.info, core_size=users, queue_size=10)
        )
        fake = TimedFakeTelegram()
        fake.stamps = []
        await stack.enter_async_context(fake)
        changes = await stack.enter_async_context(prod.engine.subscribe())
        limiter = FloodLimiter()
        bot = create_bot(fake.token, fake.url, limiter)
        stack.push_async_callback(bot.session.close)
        options = TelegramOptions(daily_quota=users * jobs * 10)
        frontend = TelegramFrontend(
            bot=bot,
            limiter=limiter,
            engine=prod.engine,
            store=prod.store,
            http=prod.http,
            options=options,
        )
        await stack.enter_async_context(frontend)
        follower = asyncio.ensure_future(_follow(changes, succeeded))
        stack.push_async_callback(_stop, follower)
        people = [fake.user(f"User{u}") for u in range(users)]
        chats = [fake.private_chat(p) for p in people]
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            async with asyncio.TaskGroup() as group:
                for user, chat in zip(people, chats, strict=True):
                    group.create_task(_converse(fake, chat, user, jobs))
        except* (TimeoutError, TelegramAPIError) as failed:
            failure = failed.exceptions[0]
        if failure is not None:
            return [Figure(NAME, "run", None, note=f"jobs did not finish: {failure!r}")]
        elapsed = time.perf_counter() - started
        stamps = list(fake.stamps)
        tasks = await prod.engine.list(limit=users * jobs * 2)
    chat_of = {p.first_name: c.id for p, c in zip(people, chats, strict=True)}
    return _figures(stamps, chat_of, users * jobs, succeeded, tasks, elapsed)


async def _stop(task: asyncio.Future[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _follow(changes: asyncio.Queue[Task], succeeded: dict[str, float]) -> None:
    while True:
        task = await changes.get()
        if task.status is TaskStatus.SUCCESS and task.id not in succeeded:
            succeeded[task.id] = time.perf_counter()


async def _converse(fake: Any, chat: Any, user: Any, jobs: int) -> None:
    """``user`` sends ``jobs`` prompts in ``chat``, each after the previous one's final photo."""

    def finals() -> int:
        return sum(1 for m in fake.bot_messages(chat) if _is_final(m))

    for n in range(jobs):
        fake.send_user_message(chat, user, f"{PROMPT_HEAD} {user.first_name}, job {n}")
        await fake.wait_for(lambda done=n + 1: finals() >= done, JOB_TIMEOUT_SECONDS)


def _is_final(message: Any) -> bool:
    return message.kind == "photo" and str(message.caption or "").startswith(FINAL_MARK)


def _figures(
    stamps: list[Stamp],
    chat_of: dict[str, int],
    jobs: int,
    succeeded: dict[str, float],
    tasks: list[Task],
    elapsed: float,
) -> list[Figure]:
    chats = set(chat_of.values())
    in_chats = [s for s in stamps if s.chat_id in chats]
    methods = Counter(s.method for s in in_chats)
    per_job = len(in_chats) / jobs
    split = ", ".join(f"{m} {n / jobs:.1f}" for m, n in methods.most_common())
    outside = Counter(s.method for s in stamps if s.chat_id not in chats)
    delays = _final_delays(in_chats, succeeded, tasks, chat_of)
    return [
        Figure(
            NAME,
            "Bot API calls per finished job (private chat)",
            per_job,
            "calls",
            at_most(TARGET_CALLS),
            f"{jobs} jobs in {len(chats)} chats, {elapsed:.0f} s: {split}; "
            f"not per job: {dict(outside)}",
        ),
        Figure(NAME, "final photo sent after SUCCESS, p50", 1000 * percentile(delays, 50), "ms"),
        Figure(
            NAME,
            "final photo sent after SUCCESS, max",
            1000 * max(delays, default=float("nan")),
            "ms",
            at_most(1000 * TARGET_FINAL_SECONDS),
            f"{len(delays)} of {jobs} jobs timed",
        ),
    ]


def _final_delays(
    stamps: list[Stamp], succeeded: dict[str, float], tasks: list[Task], chat_of: dict[str, int]
) -> list[float]:
    """Seconds from each task's SUCCESS to the first later final photo in its user's chat."""
    finals = sorted((s for s in stamps if s.final_photo), key=lambda s: s.at)
    delays: list[float] = []
    for task in tasks:
        found = _PROMPT_USER.search(task.prompt)
        at = succeeded.get(task.id)
        if found is None or at is None:
            continue
        chat = chat_of.get(found["name"])
        later = [s.at for s in finals if s.chat_id == chat and s.at >= at]
        if later:
            delays.append(later[0] - at)
    return delays
