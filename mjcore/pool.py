"""Choosing the account for a new task (change actions stay on their parent's account)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, TypeVar


class ChooseRule(StrEnum):
    BEST_WAIT_IDLE = "BestWaitIdle"
    ROUND_ROBIN = "RoundRobin"
    WEIGHTED = "Weighted"
    RANDOM = "Random"


class Candidate(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def running(self) -> int: ...
    @property
    def waiting(self) -> int: ...
    @property
    def core_size(self) -> int: ...
    @property
    def weight(self) -> int: ...


C = TypeVar("C", bound=Candidate)
_round_robin = itertools.count()


def wait_score(candidate: Candidate) -> int:
    """How many tasks would be ahead of a new one (-1: a slot is free now)."""
    load = candidate.running + candidate.waiting - candidate.core_size
    return -1 if load < 0 else load


def choose_account(
    candidates: Sequence[C], rule: ChooseRule, *, rng: random.Random | None = None
) -> C:
    if not candidates:
        raise ValueError("no candidates")
    rng = rng or random.Random()
    if rule is ChooseRule.ROUND_ROBIN:
        return candidates[next(_round_robin) % len(candidates)]
    if rule is ChooseRule.RANDOM:
        return rng.choice(list(candidates))
    if rule is ChooseRule.WEIGHTED:
        weights = [max(c.weight, 0) for c in candidates]
        if sum(weights) == 0:
            return rng.choice(list(candidates))
        return rng.choices(list(candidates), weights=weights, k=1)[0]
    best = min(wait_score(c) for c in candidates)
    return rng.choice([c for c in candidates if wait_score(c) == best])
