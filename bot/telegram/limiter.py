"""The one flood-control limiter every send and edit goes through.

Telegram's limits: about one message per second in a private chat, 20 per minute in a group,
30 per second over all chats. ``FloodLimiter`` keeps sliding windows of what was sent and makes
callers wait for a free slot. Background work (progress edits) only gets a slot when no
foreground message waits for that chat and a reserve of the group's budget stays free, so final
images and replies are never starved by previews.

``FloodControlMiddleware`` is an aiogram session middleware: it takes a slot for every counted
Bot API method, honours 429 ``retry_after`` (the chat is paused, the call retried) and lets a
caller that already holds a slot (``FloodLimiter.reserve``) send without waiting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendChatAction, SendMediaGroup
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod

log = logging.getLogger(__name__)

PRIVATE_INTERVAL_SECONDS = 1.0
GROUP_LIMIT = 20
GROUP_WINDOW_SECONDS = 60.0
GLOBAL_LIMIT = 30
GLOBAL_WINDOW_SECONDS = 1.0
BACKGROUND_RESERVE = 0.25  # share of a window background work leaves free
SAFETY_MARGIN = 0.05  # windows are treated as this much longer than Telegram's
MAX_RETRIES = 5
_COUNTED_PREFIXES = ("send", "edit", "copy", "forward")
_NOT_MODIFIED = "message is not modified"

ChatKey = int | str


@dataclass(frozen=True, slots=True)
class FloodPolicy:
    """Flood-control limits in seconds; ``scaled`` runs Telegram's clock faster (tests)."""

    private_interval: float = PRIVATE_INTERVAL_SECONDS
    group_limit: int = GROUP_LIMIT
    group_window: float = GROUP_WINDOW_SECONDS
    global_limit: int = GLOBAL_LIMIT
    global_window: float = GLOBAL_WINDOW_SECONDS
    background_reserve: float = BACKGROUND_RESERVE
    time_scale: float = 1.0  # real seconds per Telegram second (retry_after is in the latter)

    def scaled(self, factor: float) -> FloodPolicy:
        return replace(
            self,
            private_interval=self.private_interval * factor,
            group_window=self.group_window * factor,
            global_window=self.global_window * factor,
            time_scale=self.time_scale * factor,
        )


@dataclass(slots=True)
class _Window:
    """Send times within a sliding window."""

    width: float
    limit: int
    stamps: deque[float] = field(default_factory=deque)

    def used(self, now: float) -> int:
        while self.stamps and self.stamps[0] <= now - self.width:
            self.stamps.popleft()
        return len(self.stamps)

    def wait(self, now: float, count: int, limit: int) -> float:
        """Seconds until ``count`` more fit under ``limit``."""
        excess = self.used(now) + count - limit
        if excess <= 0:
            return 0.0
        if excess > len(self.stamps):
            return self.width
        return self.stamps[excess - 1] + self.width - now


@dataclass(slots=True)
class _ChatState:
    window: _Window
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    foreground_waiting: int = 0
    blocked_until: float = 0.0


class Permit:
    """One granted slot; ``done()`` moves its time stamp to when the request finished,
    ``cancel()`` gives it back (the request never reached Telegram)."""

    __slots__ = ("_counts", "_stamps", "_windows")

    def __init__(
        self, windows: list[_Window], stamps: list[float], counts: list[int] | None = None
    ) -> None:
        self._windows = windows
        self._stamps = stamps
        self._counts = counts or [1] * len(windows)

    def cancel(self) -> None:
        for window, stamp, count in zip(self._windows, self._stamps, self._counts, strict=True):
            for _ in range(count):
                with contextlib.suppress(ValueError):
                    window.stamps.remove(stamp)
        self._windows = []
        self._stamps = []
        self._counts = []

    def done(self, now: float) -> None:
        for window, stamp in zip(self._windows, self._stamps, strict=True):
            with contextlib.suppress(ValueError):
                position = window.stamps.index(stamp)
                window.stamps[position] = max(stamp, now)
        self._windows = []
        self._stamps = []


_reserved: ContextVar[Permit | None] = ContextVar("flood_permit", default=None)


def is_group(chat_id: ChatKey) -> bool:
    """Groups, supergroups and channels have negative ids (or ``@username``)."""
    return isinstance(chat_id, str) or chat_id < 0


class FloodLimiter:
    """Sliding-window limits per chat and over all chats."""

    def __init__(
        self,
        policy: FloodPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or FloodPolicy()
        self._clock = clock
        self._chats: dict[ChatKey, _ChatState] = {}
        p = self.policy
        self._global = _Window(p.global_window * (1 + SAFETY_MARGIN), p.global_limit)
        self._global_blocked_until = 0.0

    def now(self) -> float:
        return self._clock()

    def _chat(self, chat_id: ChatKey) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            p = self.policy
            if is_group(chat_id):
                window = _Window(p.group_window * (1 + SAFETY_MARGIN), p.group_limit)
            else:
                window = _Window(p.private_interval * (1 + SAFETY_MARGIN), 1)
            state = self._chats[chat_id] = _ChatState(window)
        return state

    def _wait(self, state: _ChatState | None, count: int, *, background: bool) -> float:
        now = self.now()
        share = 1.0 - self.policy.background_reserve if background else 1.0
        waits = [
            self._global_blocked_until - now,
            self._global.wait(now, count, _limit(self._global.limit, share)),
        ]
        if state is not None:
            waits.append(state.blocked_until - now)
            limit = state.window.limit
            if background and limit > 1:
                limit = _limit(limit, share)
            waits.append(state.window.wait(now, min(count, limit), limit))
        return max(waits)

    def _record(self, state: _ChatState | None, count: int) -> Permit:
        now = self.now()
        windows = [self._global] if state is None else [self._global, state.window]
        counts = [min(count, window.limit) for window in windows]
        for window, taken in zip(windows, counts, strict=True):
            window.stamps.extend([now] * taken)
        return Permit(windows, [now] * len(windows), counts)

    async def acquire(
        self, chat_id: ChatKey | None, *, count: int = 1, background: bool = False
    ) -> Permit:
        """Wait for a slot to send ``count`` messages to ``chat_id`` (None: no chat)."""
        state = None if chat_id is None else self._chat(chat_id)
        if background:
            return await self._acquire_background(state, count)
        if state is None:
            return await self._acquire_free(None, count)
        state.foreground_waiting += 1
        try:
            async with state.lock:
                return await self._acquire_free(state, count)
        finally:
            state.foreground_waiting -= 1

    async def _acquire_free(self, state: _ChatState | None, count: int) -> Permit:
        # windows only free up with time: sleeping until the computed moment is the wait
        while (wait := self._wait(state, count, background=False)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
        return self._record(state, count)

    async def _acquire_background(self, state: _ChatState | None, count: int) -> Permit:
        poll = self.policy.private_interval / 4
        while True:
            busy = state is not None and (state.foreground_waiting or state.lock.locked())
            wait = poll if busy else self._wait(state, count, background=True)
            if wait <= 0:
                return self._record(state, count)
            await asyncio.sleep(max(wait, poll / 4))

    @contextlib.asynccontextmanager
    async def reserve(
        self, chat_id: ChatKey | None, *, background: bool = False
    ) -> AsyncIterator[None]:
        """Take a slot now; the first counted request made inside the block uses it."""
        permit = await self.acquire(chat_id, background=background)
        token = _reserved.set(permit)
        try:
            yield
        finally:
            _reserved.reset(token)
            permit.done(self.now())

    def penalize(self, chat_id: ChatKey | None, retry_after: float) -> None:
        """Telegram answered 429: nothing goes to ``chat_id`` for ``retry_after`` seconds."""
        until = self.now() + retry_after * self.policy.time_scale
        if chat_id is None:
            self._global_blocked_until = max(self._global_blocked_until, until)
        else:
            state = self._chat(chat_id)
            state.blocked_until = max(state.blocked_until, until)

    def background_allowed(self, chat_id: ChatKey) -> bool:
        """Whether a background message to ``chat_id`` could go out right now."""
        state = self._chat(chat_id)
        if state.foreground_waiting or state.lock.locked():
            return False
        return self._wait(state, 1, background=True) <= 0


def _limit(limit: int, share: float) -> int:
    return max(1, int(limit * share))


def counted(method: TelegramMethod[Any]) -> bool:
    """Whether the method sends or changes a message (and so counts against flood limits)."""
    name = method.__api_method__
    return name.startswith(_COUNTED_PREFIXES) and not isinstance(method, SendChatAction)


def is_not_modified(exc: TelegramBadRequest) -> bool:
    return _NOT_MODIFIED in exc.message.lower()


class FloodControlMiddleware(BaseRequestMiddleware):
    """Every counted request waits for the limiter; 429s pause the chat and are retried."""

    def __init__(self, limiter: FloodLimiter, *, max_retries: int = MAX_RETRIES) -> None:
        self.limiter = limiter
        self.max_retries = max_retries
        self.retried = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if not counted(method):
            return await make_request(bot, method)
        chat_id: ChatKey | None = getattr(method, "chat_id", None)
        count = len(method.media) if isinstance(method, SendMediaGroup) else 1
        permit = _reserved.get()
        _reserved.set(None)
        attempt = 0
        while True:
            if permit is None:
                permit = await self.limiter.acquire(chat_id, count=count)
            try:
                return await make_request(bot, method)
            except TelegramNetworkError:
                # no answer: most often a kept-alive connection the server had closed, so the
                # request never arrived; its slot is given back for the caller's next attempt
                if permit is not None:
                    permit.cancel()
                raise
            except TelegramRetryAfter as exc:
                self.limiter.penalize(chat_id, exc.retry_after)
                attempt += 1
                self.retried += 1
                log.warning(
                    "flood control: retry after %ss [chat:%s method:%s attempt:%d]",
                    exc.retry_after,
                    chat_id,
                    method.__api_method__,
                    attempt,
                )
                if attempt > self.max_retries:
                    raise
            finally:
                if permit is not None:
                    permit.done(self.limiter.now())
                permit = None
