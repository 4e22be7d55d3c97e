"""``TaskStore.get_documents``: the stored JSON documents by id, for every store."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mjcore.models import Button, Task, TaskAction, TaskStatus
from mjcore.store import MemoryTaskStore, SqliteTaskStore, TaskStore
from mjcore.store.codec import document_from_json, task_from_json, task_to_json
from mjcore.store.sqlite import MAX_IDS_PER_QUERY

STORE_KINDS = ["memory", "sqlite"]


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TaskStore]:
    opened: TaskStore = (
        MemoryTaskStore() if request.param == "memory" else SqliteTaskStore(tmp_path / "t.db")
    )
    async with opened:
        yield opened


def task(n: int, **changes: object) -> Task:
    base = Task(
        id=f"t{n:05d}",
        action=TaskAction.IMAGINE,
        status=TaskStatus.SUCCESS,
        prompt=f"猫 🐈 number {n}",
        submit_time=1_000 + n,
        buttons=(Button(custom_id=f"MJ::JOB::upsample::1::{n}", label="U1"),),
        extra=(("seed", str(n)),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


async def test_documents_of_known_ids_decode_to_the_saved_tasks(store: TaskStore) -> None:
    saved = [task(n) for n in range(5)]
    await store.save_many(saved)
    asked = ["t00003", "unknown", "t00000", "t00003", "t00004"]
    found = await store.get_documents(asked)
    assert set(found) == {"t00003", "t00000", "t00004"}
    for task_id, data in found.items():
        assert isinstance(data, bytes)
        assert data.decode() == task_to_json(next(t for t in saved if t.id == task_id))
        assert task_from_json(data) == next(t for t in saved if t.id == task_id)
        assert document_from_json(data)["id"] == task_id


async def test_the_newest_version_is_returned(store: TaskStore) -> None:
    await store.save(task(1, status=TaskStatus.IN_PROGRESS, progress="46%"))
    await store.save(task(1, progress="100%"))
    found = await store.get_documents(["t00001"])
    assert task_from_json(found["t00001"]).progress == "100%"


async def test_nothing_asked_or_nothing_known(store: TaskStore) -> None:
    await store.save(task(1))
    assert await store.get_documents([]) == {}
    assert await store.get_documents(["t00002", ""]) == {}


async def test_more_ids_than_one_query_binds(store: TaskStore) -> None:
    count = 2 * MAX_IDS_PER_QUERY + 7
    await store.save_many([task(n) for n in range(count)])
    ids = [f"t{n:05d}" for n in reversed(range(count + 3))]
    found = await store.get_documents(ids)
    assert sorted(found) == sorted(f"t{n:05d}" for n in range(count))
    assert task_from_json(found[f"t{count - 1:05d}"]) == task(count - 1)


async def test_documents_agree_with_get_many(store: TaskStore) -> None:
    await store.save_many([task(n, account_id=f"acc-{n % 2}") for n in range(20)])
    ids = [f"t{n:05d}" for n in range(0, 25, 3)]
    found = await store.get_documents(ids)
    assert [task_from_json(found[i]) for i in ids if i in found] == await store.get_many(ids)


async def test_text_with_a_lone_surrogate_is_kept(store: TaskStore) -> None:
    # a JSON escape can carry half an emoji (a message cut mid-character); it must not be lost
    cut = task(1, prompt="cut \ud83d", description="\udc08 tail")
    await store.save(cut)
    assert await store.get(cut.id) == cut
    found = await store.get_documents([cut.id])
    assert task_from_json(found[cut.id]) == cut
