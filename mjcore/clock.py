"""Time as mjbridge counts it: unix milliseconds, UTC days, Discord snowflake times."""

from __future__ import annotations

import time

DISCORD_EPOCH_MS = 1_420_070_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def utc_day() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def snowflake_ms(snowflake: str) -> int:
    """Unix milliseconds at which a Discord snowflake was made (0 if it is not one)."""
    try:
        return (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    except ValueError:
        return 0
