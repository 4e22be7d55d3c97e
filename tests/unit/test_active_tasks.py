from __future__ import annotations

from dataclasses import replace

from mjcore.midjourney.active import ActiveTasks
from mjcore.models import Task, TaskAction, TaskStatus


def task(task_id: str, **fields: object) -> Task:
    return Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.SUBMITTED, **fields)  # type: ignore[arg-type]


def test_lookups_follow_every_version_of_a_task() -> None:
    active = ActiveTasks()
    active["a"] = task("a", nonce="n1")
    assert active.by_nonce("n1") is active["a"]
    assert active.by_interaction("i1") is None
    # the task learns its interaction, progress message and job uuid
    newer = replace(active["a"], interaction_id="i1", progress_message_id="m1", message_hash="j1")
    active["a"] = newer
    assert active.by_interaction("i1") is newer
    assert active.by_progress_message("m1") is newer
    assert active.by_job("j1") is newer
    # a resubmission (modal) replaces the nonce: the old one no longer finds it
    active["a"] = replace(newer, nonce="n2")
    assert active.by_nonce("n1") is None and active.by_nonce("n2") is not None
    assert active.pop("a") is not None
    assert active.by_job("j1") is None and len(active) == 0 and "a" not in active
    assert active.pop("a") is None


def test_children_of_a_parent_message() -> None:
    active = ActiveTasks.of(
        [
            task("u1", referenced_message_id="grid", index=1),
            task("u2", referenced_message_id="grid", index=2),
            task("x", referenced_message_id="other"),
        ]
    )
    assert {t.id for t in active.children_of("grid")} == {"u1", "u2"}
    active.pop("u1")
    assert [t.id for t in active.children_of("grid")] == ["u2"]
    assert active.children_of("nothing") == []
    assert sorted(active) == ["u2", "x"] and len(active.values()) == 2
