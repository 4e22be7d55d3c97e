"""Reconnect and retry delays."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from mjcore.discord.backoff import exponential_backoff


def take(iterator: Iterator[float], n: int) -> list[float]:
    return list(itertools.islice(iterator, n))


def test_backoff_grows_by_factor_up_to_cap() -> None:
    delays = take(exponential_backoff(base=1, factor=2, cap=10, jitter=0), 7)
    assert delays == [1, 2, 4, 8, 10, 10, 10]


def test_backoff_jitter_only_shortens() -> None:
    delays = take(exponential_backoff(base=2, factor=3, cap=100, jitter=0.5, random=lambda: 1.0), 3)
    assert delays == [1.0, 3.0, 9.0]
    delays = take(exponential_backoff(base=2, factor=3, cap=100, jitter=0.5, random=lambda: 0.0), 3)
    assert delays == [2.0, 6.0, 18.0]


def test_backoff_defaults_stay_within_bounds() -> None:
    for delay in take(exponential_backoff(), 50):
        assert 0 <= delay <= 60


def test_backoff_generators_are_independent() -> None:
    first = exponential_backoff(jitter=0)
    take(first, 5)
    assert next(exponential_backoff(jitter=0)) == 1


@pytest.mark.parametrize(
    "kwargs", [{"base": -1}, {"factor": 0.5}, {"cap": -1}, {"jitter": 1.5}, {"jitter": -0.1}]
)
def test_backoff_rejects_nonsense(kwargs) -> None:
    with pytest.raises(ValueError):
        next(exponential_backoff(**kwargs))
