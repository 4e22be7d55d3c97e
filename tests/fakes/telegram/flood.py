"""Telegram's flood control as a pure model: time is passed in, nothing sleeps.

Limits (Telegram's published guidance, python-telegram-bot ``FloodLimit``):
about one message per second in a private chat with a small burst allowed,
20 messages per minute in a group, 30 messages per second over all chats.
Times are in *Telegram seconds*; the server maps its clock onto them, so a test
can run Telegram's minute in a few milliseconds.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

PRIVATE_RATE_PER_SECOND = 1.0
PRIVATE_BURST = 3
GROUP_MESSAGES_PER_WINDOW = 20
GROUP_WINDOW_SECONDS = 60.0
GLOBAL_MESSAGES_PER_WINDOW = 30
GLOBAL_WINDOW_SECONDS = 1.0
MIN_RETRY_AFTER = 1


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Flood-control knobs; the defaults are Telegram's."""

    private_rate: float = PRIVATE_RATE_PER_SECOND
    private_burst: int = PRIVATE_BURST
    group_limit: int = GROUP_MESSAGES_PER_WINDOW
    group_window: float = GROUP_WINDOW_SECONDS
    global_limit: int = GLOBAL_MESSAGES_PER_WINDOW
    global_window: float = GLOBAL_WINDOW_SECONDS
    enabled: bool = True


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class _Window:
    stamps: deque[float] = field(default_factory=deque)

    def prune(self, now: float, width: float) -> None:
        while self.stamps and self.stamps[0] <= now - width:
            self.stamps.popleft()

    def wait(self, now: float, width: float, limit: int, count: int) -> float:
        self.prune(now, width)
        need = min(count, limit)
        excess = len(self.stamps) + need - limit
        if excess <= 0:
            return 0.0
        return self.stamps[excess - 1] + width - now


class FloodControl:
    """Decides whether a message may go out now; counts only what was sent."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._buckets: dict[int, _Bucket] = {}
        self._groups: dict[int, _Window] = {}
        self._global = _Window()

    def retry_after(self, chat_id: int, *, private: bool, now: float, count: int = 1) -> int | None:
        """Seconds to wait before ``count`` messages may go to ``chat_id``; None = go."""
        if not self.limits.enabled:
            return None
        waits = [self._global.wait(now, self.limits.global_window, self.limits.global_limit, count)]
        if private:
            waits.append(self._private_wait(chat_id, now, count))
        else:
            window = self._groups.setdefault(chat_id, _Window())
            waits.append(window.wait(now, self.limits.group_window, self.limits.group_limit, count))
        longest = max(waits)
        if longest <= 0:
            return None
        return max(MIN_RETRY_AFTER, math.ceil(longest))

    def record(self, chat_id: int, *, private: bool, now: float, count: int = 1) -> None:
        """Account for ``count`` messages that went to ``chat_id`` at ``now``."""
        if not self.limits.enabled:
            return
        self._global.stamps.extend([now] * count)
        if private:
            bucket = self._refill(chat_id, now)
            bucket.tokens = max(0.0, bucket.tokens - min(count, self.limits.private_burst))
        else:
            self._groups.setdefault(chat_id, _Window()).stamps.extend([now] * count)

    def _refill(self, chat_id: int, now: float) -> _Bucket:
        burst = float(self.limits.private_burst)
        bucket = self._buckets.setdefault(chat_id, _Bucket(tokens=burst, updated=now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(burst, bucket.tokens + elapsed * self.limits.private_rate)
        bucket.updated = now
        return bucket

    def _private_wait(self, chat_id: int, now: float, count: int) -> float:
        bucket = self._refill(chat_id, now)
        need = float(min(count, self.limits.private_burst))
        if bucket.tokens >= need:
            return 0.0
        return (need - bucket.tokens) / self.limits.private_rate
