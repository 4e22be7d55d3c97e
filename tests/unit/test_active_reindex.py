"""``ActiveTasks`` keeps its indexes right when a new version of a task replaces the old one."""

from __future__ import annotations

import random
from dataclasses import replace

from mjcore.midjourney.active import ActiveTasks
from mjcore.models import Task, TaskAction, TaskStatus

KEYS = ("nonce", "interaction_id", "progress_message_id", "message_hash")
STEPS = 2000


def lookups(active: ActiveTasks, field: str, key: str) -> Task | None:
    finder = {
        "nonce": active.by_nonce,
        "interaction_id": active.by_interaction,
        "progress_message_id": active.by_progress_message,
        "message_hash": active.by_job,
    }[field]
    return finder(key)


def test_every_version_is_found_by_its_keys_and_never_by_old_ones() -> None:
    rnd = random.Random(20261121)
    active = ActiveTasks()
    retired: list[tuple[str, str]] = []  # (field, key) no task holds any more
    fresh = iter(range(10**9))
    for _ in range(STEPS):
        task_id = f"t{rnd.randrange(6)}"
        current = active.get(task_id)
        if current is not None and rnd.random() < 0.15:
            active.pop(task_id)
            retired += [(f, getattr(current, f)) for f in KEYS if getattr(current, f)]
            continue
        if current is None:
            current = Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.SUBMITTED)
        changes = {f: (f"{f}-{next(fresh)}" if rnd.random() < 0.7 else None) for f in KEYS}
        kept = dict(rnd.sample(sorted(changes.items()), rnd.randrange(len(KEYS) + 1)))
        newer = current.evolve(**kept)
        retired += [
            (f, getattr(current, f))
            for f in kept
            if getattr(current, f) is not None and getattr(current, f) != kept[f]
        ]
        active[task_id] = newer
        for task in active.values():
            for field in KEYS:
                key = getattr(task, field)
                if key is not None:
                    assert lookups(active, field, key) is task
        for field, key in retired[-40:]:
            assert lookups(active, field, key) is None


def test_a_shared_key_moves_to_the_remaining_task_when_it_is_put_back() -> None:
    active = ActiveTasks()
    first = Task(id="a", action=TaskAction.IMAGINE, message_hash="job")
    second = Task(id="b", action=TaskAction.IMAGINE, message_hash="job")
    active["a"] = first
    active["b"] = second
    assert active.by_job("job") is first  # the first task to hold a key keeps it
    active.pop("a")
    assert active.by_job("job") is None
    newer = replace(second, progress="50%")
    active["b"] = newer  # the key did not change, yet the task takes it again
    assert active.by_job("job") is newer


def test_a_task_moving_to_another_parent_leaves_the_old_one() -> None:
    active = ActiveTasks()
    child = Task(id="c", action=TaskAction.UPSCALE, referenced_message_id="grid1", index=1)
    active["c"] = child
    active["c"] = replace(child, referenced_message_id="grid2", nonce="n")
    assert active.children_of("grid1") == []
    assert [t.id for t in active.children_of("grid2")] == ["c"]
    assert active.by_nonce("n") is active["c"]
