"""Discord snowflakes: time-based ids used as interaction and message nonces."""

from __future__ import annotations

import threading

DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z
TIMESTAMP_SHIFT = 22  # the low 22 bits hold worker, process and increment


def snowflake_time_ms(snowflake: str | int) -> int:
    """Unix time in milliseconds encoded in a snowflake."""
    return (int(snowflake) >> TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS


class NonceGenerator:
    """Snowflake strings for ``now_ms`` that never repeat and always increase."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def __call__(self, now_ms: int) -> str:
        candidate = (max(now_ms, DISCORD_EPOCH_MS) - DISCORD_EPOCH_MS) << TIMESTAMP_SHIFT
        with self._lock:
            self._last = max(candidate, self._last + 1)
            return str(self._last)


_process_nonces = NonceGenerator()


def make_nonce(now_ms: int) -> str:
    """A fresh nonce for Unix time ``now_ms``; unique and increasing within the process."""
    return _process_nonces(now_ms)
