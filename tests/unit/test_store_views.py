"""``TaskStore.use_view`` / ``get_views``: finished tasks kept as ready-to-send bytes.

A view is handed out only under the key it was written with; everything else reads as its
document, so a reader that renders documents always has a correct answer to fall back on.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from mjcore.models import FINAL_STATUSES, Task, TaskAction, TaskStatus
from mjcore.store import MemoryTaskStore, SqliteTaskStore, StoredReads, TaskView
from mjcore.store.codec import task_from_json, task_to_row
from mjcore.store.sqlite import MAX_IDS_PER_QUERY, MIGRATIONS, SCHEMA_VERSION


def task(n: int, status: TaskStatus = TaskStatus.SUCCESS, **changes: object) -> Task:
    base = Task(
        id=f"t{n:05d}",
        action=TaskAction.IMAGINE,
        status=status,
        prompt=f"猫 number {n}",
        submit_time=1_000 + n,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def view(key: str) -> TaskView:
    """Finished tasks as ``<key>:<id>:<status>``; a prompt of "no view" gets none."""

    def render(t: Task) -> bytes | None:
        if t.status not in FINAL_STATUSES or t.prompt == "no view":
            return None
        return f"{key}:{t.id}:{t.status.value}".encode()

    return TaskView(key=key, render=render)


def decoded(reads: StoredReads) -> tuple[dict[str, bytes], dict[str, Task]]:
    return reads.views, {i: task_from_json(d) for i, d in reads.documents.items()}


async def test_finished_tasks_read_as_their_view_the_others_as_documents(tmp_path: Path) -> None:
    async with SqliteTaskStore(tmp_path / "t.db") as store:
        await store.use_view(view("A"))
        running = task(1, TaskStatus.IN_PROGRESS)
        without = task(2, prompt="no view")
        await store.save_many([task(0), running, without])
        await store.save(task(3, TaskStatus.FAILURE))
        views, documents = decoded(
            await store.get_views(["t00003", "t00001", "x", "t00000", "t00002"])
        )
    assert views == {"t00000": b"A:t00000:SUCCESS", "t00003": b"A:t00003:FAILURE"}
    assert documents == {"t00001": running, "t00002": without}


async def test_a_task_saved_again_unfinished_loses_its_view(tmp_path: Path) -> None:
    async with SqliteTaskStore(tmp_path / "t.db") as store:
        await store.use_view(view("A"))
        await store.save(task(0))
        reopened = task(0, TaskStatus.SUBMITTED, prompt="again")
        await store.save(reopened)
        assert decoded(await store.get_views(["t00000"])) == ({}, {"t00000": reopened})


async def test_views_of_another_key_are_never_handed_out(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    async with SqliteTaskStore(path) as store:
        await store.use_view(view("A"))
        await store.save(task(0))
    async with SqliteTaskStore(path) as store:
        await store.use_view(view("B"))
        await store.save(task(1))
        views, documents = decoded(await store.get_views(["t00000", "t00001"]))
        assert views == {"t00001": b"B:t00001:SUCCESS"}
        assert documents == {"t00000": task(0)}
    async with SqliteTaskStore(path) as store:
        # the first key keeps its number across restarts: its views are good again
        await store.use_view(view("A"))
        views, documents = decoded(await store.get_views(["t00000", "t00001"]))
        assert views == {"t00000": b"A:t00000:SUCCESS"}
        assert documents == {"t00001": task(1)}


async def test_without_a_view_in_use_every_task_reads_as_its_document(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    async with SqliteTaskStore(path) as store:
        await store.save(task(0))  # saved before any view was chosen
        await store.use_view(view("A"))
        await store.save(task(1))
        views, documents = decoded(await store.get_views(["t00000", "t00001"]))
        assert (list(views), list(documents)) == (["t00001"], ["t00000"])
    async with SqliteTaskStore(path) as store:
        assert decoded(await store.get_views(["t00000", "t00001"])) == (
            {},
            {"t00000": task(0), "t00001": task(1)},
        )


async def test_more_ids_than_one_query_binds(tmp_path: Path) -> None:
    saved = [task(n) for n in range(MAX_IDS_PER_QUERY + 7)]
    async with SqliteTaskStore(tmp_path / "t.db") as store:
        await store.use_view(view("A"))
        await store.save_many(saved)
        reads = await store.get_views([t.id for t in reversed(saved)])
    assert reads.documents == {}
    assert reads.views == {t.id: f"A:{t.id}:SUCCESS".encode() for t in saved}


async def test_the_memory_store_reads_documents_only() -> None:
    async with MemoryTaskStore() as store:
        await store.use_view(view("A"))
        await store.save(task(0))
        assert decoded(await store.get_views(["t00000", "x"])) == ({}, {"t00000": task(0)})


async def test_a_store_written_before_views_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = task(0)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)")
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, 1)")
        conn.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?)", tuple(task_to_row(old)))
    async with SqliteTaskStore(path) as store:
        await store.use_view(view("A"))
        assert decoded(await store.get_views([old.id])) == ({}, {old.id: old})
        await store.save(task(1))
        assert (await store.get_views(["t00001"])).views == {"t00001": b"A:t00001:SUCCESS"}
        assert await store.get(old.id) == old
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)
