"""Reconnect and retry delays as a pure generator (websockets ``backoff`` style)."""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Iterator

DEFAULT_BASE = 1.0
DEFAULT_FACTOR = 2.0
DEFAULT_CAP = 60.0
DEFAULT_JITTER = 0.5


def exponential_backoff(
    base: float = DEFAULT_BASE,
    factor: float = DEFAULT_FACTOR,
    cap: float = DEFAULT_CAP,
    jitter: float = DEFAULT_JITTER,
    *,
    random: Callable[[], float] = _random.random,
) -> Iterator[float]:
    """Yield ``base, base*factor, ...`` capped at ``cap``, forever.

    Each delay is shortened by up to ``jitter`` (a fraction in [0, 1]) so that many clients
    that lost the same server do not come back in lockstep: ``delay * (1 - jitter * random())``.
    """
    if base < 0 or factor < 1 or cap < 0 or not 0 <= jitter <= 1:
        raise ValueError("backoff needs base >= 0, factor >= 1, cap >= 0 and 0 <= jitter <= 1")
    delay = min(base, cap)
    while True:
        yield delay * (1.0 - jitter * random())
        delay = min(cap, delay * factor)
