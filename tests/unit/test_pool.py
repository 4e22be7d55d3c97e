from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from mjcore.pool import ChooseRule, choose_account, wait_score


@dataclass
class Fake:
    id: str
    running: int = 0
    waiting: int = 0
    core_size: int = 3
    weight: int = 1


def test_wait_score() -> None:
    assert wait_score(Fake("a", running=1)) == -1
    assert wait_score(Fake("a", running=3)) == 0
    assert wait_score(Fake("a", running=3, waiting=4)) == 4


def test_best_wait_idle_prefers_free_slots_then_shorter_queues() -> None:
    busy = Fake("busy", running=3, waiting=2)
    free = Fake("free", running=1)
    full = Fake("full", running=3, waiting=1)
    rng = random.Random(1)
    assert {
        choose_account([busy, free, full], ChooseRule.BEST_WAIT_IDLE, rng=rng).id for _ in range(20)
    } == {"free"}
    assert choose_account([busy, full], ChooseRule.BEST_WAIT_IDLE, rng=rng).id == "full"


def test_round_robin_cycles() -> None:
    accounts = [Fake("a"), Fake("b"), Fake("c")]
    picks = [choose_account(accounts, ChooseRule.ROUND_ROBIN).id for _ in range(6)]
    assert Counter(picks) == {"a": 2, "b": 2, "c": 2}
    assert picks[:3] == picks[3:]


def test_weighted_follows_weights() -> None:
    rng = random.Random(7)
    accounts = [Fake("heavy", weight=9), Fake("light", weight=1), Fake("never", weight=0)]
    picks = Counter(choose_account(accounts, ChooseRule.WEIGHTED, rng=rng).id for _ in range(2000))
    assert picks["never"] == 0
    assert 0.85 < picks["heavy"] / 2000 < 0.95


def test_random_uses_every_account() -> None:
    rng = random.Random(3)
    accounts = [Fake("a"), Fake("b")]
    picks = {choose_account(accounts, ChooseRule.RANDOM, rng=rng).id for _ in range(50)}
    assert picks == {"a", "b"}
