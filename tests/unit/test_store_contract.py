"""One contract for every ``TaskStore`` (and its ``NotifyOutbox``), plus SQLite-only durability."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

import mjcore
from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.store import (
    UNFINISHED_STATUSES,
    MemoryTaskStore,
    SqliteTaskStore,
    StoreError,
    TaskStore,
    open_store,
)
from mjcore.store.sqlite import ROWS_PER_STATEMENT, SCHEMA_VERSION, page_ids_query

STORE_KINDS = ["memory", "sqlite"]
ACCOUNTS = ("acc-1", "acc-2", None)
PROCESS_WAIT = 30.0
REPO_ROOT = Path(mjcore.__file__).resolve().parents[1]


def make_store(kind: str, path: Path) -> TaskStore:
    if kind == "memory":
        return MemoryTaskStore()
    return SqliteTaskStore(path / "tasks.db")


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TaskStore]:
    async with make_store(request.param, tmp_path) as opened:
        yield opened


def task(task_id: str, **changes: object) -> Task:
    base = Task(id=task_id, action=TaskAction.IMAGINE, submit_time=1_000)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def random_tasks(rnd: random.Random, count: int) -> list[Task]:
    return [
        task(
            f"t{i:04d}",
            action=rnd.choice(list(TaskAction)),
            status=rnd.choice(list(TaskStatus)),
            account_id=rnd.choice(ACCOUNTS),
            # few distinct times, so ties (broken by id) are common
            submit_time=rnd.randint(1, 40),
        )
        for i in range(count)
    ]


def expected_page(
    tasks: list[Task],
    *,
    limit: int,
    offset: int,
    statuses: set[TaskStatus] | None,
    actions: set[TaskAction] | None,
    account_id: str | None,
) -> list[Task]:
    chosen = [
        t
        for t in tasks
        if (statuses is None or t.status in statuses)
        and (actions is None or t.action in actions)
        and (account_id is None or t.account_id == account_id)
    ]
    chosen.sort(key=lambda t: (t.submit_time, t.id), reverse=True)
    return chosen[offset : offset + limit]


# tasks


async def test_save_then_get_returns_the_same_task(store: TaskStore) -> None:
    saved = task("a", prompt="猫 --ar 2:3", extra=(("seed", "7"),), account_id="acc-1")
    await store.save(saved)
    assert await store.get("a") == saved
    assert await store.get("missing") is None


async def test_save_replaces_by_id_and_reindexes(store: TaskStore) -> None:
    await store.save(task("a", status=TaskStatus.SUBMITTED, account_id="acc-1"))
    await store.save(task("a", status=TaskStatus.SUCCESS, account_id="acc-2", progress="100%"))
    assert await store.count() == 1
    got = await store.get("a")
    assert got is not None
    assert (got.status, got.progress) == (TaskStatus.SUCCESS, "100%")
    assert await store.list(statuses={TaskStatus.SUBMITTED}) == []
    assert await store.list(account_id="acc-1") == []
    assert [t.id for t in await store.list(account_id="acc-2")] == ["a"]


async def test_get_many_keeps_the_order_of_ids_and_skips_missing(store: TaskStore) -> None:
    for name in "abcde":
        await store.save(task(name))
    got = await store.get_many(["d", "nope", "a", "e", "a"])
    assert [t.id for t in got] == ["d", "a", "e", "a"]
    assert await store.get_many([]) == []


async def test_get_many_beyond_one_query_worth_of_ids(store: TaskStore) -> None:
    ids = [f"id{i}" for i in range(1_234)]
    for task_id in ids:
        await store.save(task(task_id))
    wanted = list(reversed(ids))
    assert [t.id for t in await store.get_many(wanted)] == wanted


async def test_list_is_newest_first_with_ties_by_id(store: TaskStore) -> None:
    await store.save(task("b", submit_time=5))
    await store.save(task("a", submit_time=5))
    await store.save(task("c", submit_time=9))
    await store.save(task("d", submit_time=1))
    assert [t.id for t in await store.list()] == ["c", "b", "a", "d"]
    assert [t.id for t in await store.list(limit=2, offset=1)] == ["b", "a"]
    assert await store.list(limit=0) == []
    assert await store.list(offset=10) == []


async def test_list_filters_match_a_reference_on_random_data(store: TaskStore) -> None:
    rnd = random.Random(7)
    tasks = random_tasks(rnd, 300)
    for t in tasks:
        await store.save(t)
    for _ in range(150):
        statuses = (
            None if rnd.random() < 0.4 else set(rnd.sample(list(TaskStatus), rnd.randint(1, 3)))
        )
        actions = (
            None if rnd.random() < 0.6 else set(rnd.sample(list(TaskAction), rnd.randint(1, 4)))
        )
        account_id = None if rnd.random() < 0.6 else rnd.choice(("acc-1", "acc-2"))
        limit = rnd.choice((1, 5, 20, 100))
        offset = rnd.choice((0, 0, 3, 17, 60))
        got = await store.list(
            limit=limit, offset=offset, statuses=statuses, actions=actions, account_id=account_id
        )
        want = expected_page(
            tasks,
            limit=limit,
            offset=offset,
            statuses=statuses,
            actions=actions,
            account_id=account_id,
        )
        assert [t.id for t in got] == [t.id for t in want], (statuses, actions, account_id)


async def test_pages_cover_a_filtered_listing_without_gaps_or_repeats(store: TaskStore) -> None:
    tasks = random_tasks(random.Random(11), 200)
    for t in tasks:
        await store.save(t)
    statuses = {TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.IN_PROGRESS}
    pages: list[str] = []
    for offset in range(0, 200, 7):
        pages += [t.id for t in await store.list(limit=7, offset=offset, statuses=statuses)]
    assert len(pages) == len(set(pages)) == sum(1 for t in tasks if t.status in statuses)


async def test_empty_filters_match_nothing(store: TaskStore) -> None:
    await store.save(task("a"))
    assert await store.list(statuses=[]) == []
    assert await store.list(actions=()) == []
    assert await store.count(statuses=set()) == 0


async def test_negative_page_arguments_are_rejected(store: TaskStore) -> None:
    with pytest.raises(ValueError):
        await store.list(limit=-1)
    with pytest.raises(ValueError):
        await store.list(offset=-1)


async def test_count_all_and_by_status(store: TaskStore) -> None:
    assert await store.count() == 0
    tasks = random_tasks(random.Random(3), 120)
    for t in tasks:
        await store.save(t)
    assert await store.count() == 120
    for status in TaskStatus:
        assert await store.count(statuses=[status]) == sum(t.status is status for t in tasks)
    final = {TaskStatus.SUCCESS, TaskStatus.FAILURE}
    assert await store.count(statuses=final) == sum(t.status in final for t in tasks)


async def test_unfinished_are_the_non_final_tasks_oldest_first(store: TaskStore) -> None:
    tasks = random_tasks(random.Random(5), 150)
    for t in tasks:
        await store.save(t)
    want = sorted((t for t in tasks if not t.is_final), key=lambda t: (t.submit_time, t.id))
    got = await store.unfinished()
    assert [t.id for t in got] == [t.id for t in want]
    assert {t.status for t in got} <= UNFINISHED_STATUSES
    assert {
        TaskStatus.NOT_START,
        TaskStatus.SUBMITTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.MODAL,
    } == UNFINISHED_STATUSES


async def test_delete_reports_whether_the_task_existed(store: TaskStore) -> None:
    await store.save(task("a"))
    assert await store.delete("a") is True
    assert await store.delete("a") is False
    assert await store.get("a") is None
    assert await store.count() == 0


# key/value


async def test_kv_put_get_overwrite_delete(store: TaskStore) -> None:
    assert await store.kv_get("accounts", "1") is None
    await store.kv_put("accounts", "1", '{"name": "one"}')
    await store.kv_put("accounts", "1", '{"name": "uno"}')
    assert await store.kv_get("accounts", "1") == '{"name": "uno"}'
    await store.kv_delete("accounts", "1")
    await store.kv_delete("accounts", "never-there")
    assert await store.kv_get("accounts", "1") is None


@pytest.mark.parametrize("count", [0, 1, ROWS_PER_STATEMENT + 44])
async def test_kv_put_many_writes_every_key_and_the_last_value_of_a_repeated_one(
    store: TaskStore, count: int
) -> None:
    await store.kv_put("index", "k0000", "before")
    await store.kv_put("other", "k0001", "untouched")
    items = [(f"k{n:04d}", f"v{n}") for n in range(count)]
    if count:
        items.append(("k0000", "last"))  # given twice: the later value wins
    await store.kv_put_many("index", items)
    expected = dict(items) if count else {"k0000": "before"}
    assert await store.kv_items("index") == sorted(expected.items())
    assert await store.kv_items("other") == [("k0001", "untouched")]


async def test_kv_namespaces_are_separate_and_items_sorted_by_key(store: TaskStore) -> None:
    await store.kv_put("tg:cb", "zz", "3")
    await store.kv_put("tg:cb", "aa", "1")
    await store.kv_put("tg:cb", "mm", "2")
    await store.kv_put("users", "aa", "other")
    assert await store.kv_items("tg:cb") == [("aa", "1"), ("mm", "2"), ("zz", "3")]
    assert await store.kv_items("users") == [("aa", "other")]
    assert await store.kv_items("empty") == []


# notify outbox storage


async def test_outbox_only_the_head_of_each_task_is_due(store: TaskStore) -> None:
    outbox = store.outbox()
    a1 = await outbox.add("A", "http://h/1", '{"n":1}', 1.0, now=100.0)
    a2 = await outbox.add("A", "http://h/1", '{"n":2}', 3.0, now=100.0)
    b1 = await outbox.add("B", "http://h/2", '{"n":3}', 1.0, now=101.0)
    assert a1 < a2 < b1
    assert [i.id for i in await outbox.due(200.0, limit=10)] == [a1, b1]
    assert [i.id for i in await outbox.due(100.5, limit=10)] == [a1]
    assert [i.id for i in await outbox.due(200.0, limit=1)] == [a1]
    assert [i.id for i in await outbox.due(200.0, limit=10, exclude={"A"})] == [b1]
    assert await outbox.next_due() == 100.0
    assert await outbox.next_due(exclude=["A"]) == 101.0
    assert await outbox.next_due(exclude=["A", "B"]) is None
    item = (await outbox.pending("A"))[1]
    assert (item.task_id, item.url, item.body, item.status_order) == (
        "A",
        "http://h/1",
        '{"n":2}',
        3.0,
    )
    assert (item.attempts, item.next_attempt_at, item.created_at) == (0, 100.0, 100.0)
    assert await outbox.pending_count() == 3


async def test_outbox_reschedule_moves_a_head_later_without_unblocking_the_next(
    store: TaskStore,
) -> None:
    outbox = store.outbox()
    a1 = await outbox.add("A", "u", "1", 1.0, now=0.0)
    await outbox.add("A", "u", "2", 2.0, now=0.0)
    await outbox.reschedule(a1, attempts=3, next_attempt_at=50.0)
    assert await outbox.due(10.0, limit=5) == []
    assert await outbox.next_due() == 50.0
    [head] = await outbox.due(50.0, limit=5)
    assert (head.id, head.attempts) == (a1, 3)


async def test_outbox_delivery_records_keep_the_highest_order(store: TaskStore) -> None:
    outbox = store.outbox()
    assert await outbox.last_delivered_order("A") is None
    await outbox.add("A", "u", "1", 3.5, now=0.0)
    await outbox.add("A", "u", "2", 3.2, now=0.0)
    first, second = await outbox.pending("A")
    await outbox.mark_delivered(first, now=10.0)
    await outbox.mark_delivered(second, now=11.0)
    assert await outbox.last_delivered_order("A") == 3.5
    assert await outbox.pending_count() == 0
    assert await outbox.forget_delivered(before=11.0) == 0
    assert await outbox.forget_delivered(before=11.5) == 1
    assert await outbox.last_delivered_order("A") is None


async def test_outbox_remove_drops_an_item_without_a_delivery_record(store: TaskStore) -> None:
    outbox = store.outbox()
    item_id = await outbox.add("A", "u", "1", 1.0, now=0.0)
    await outbox.remove(item_id)
    assert await outbox.pending() == []
    assert await outbox.last_delivered_order("A") is None


async def test_close_is_idempotent(tmp_path: Path) -> None:
    for kind in STORE_KINDS:
        opened = make_store(kind, tmp_path)
        async with opened:
            await opened.save(task("a"))
        await opened.close()


# sqlite only


async def test_sqlite_reopen_from_disk_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "tasks.db"
    tasks = random_tasks(random.Random(9), 50)
    async with SqliteTaskStore(path) as first:
        for t in tasks:
            await first.save(t)
        await first.kv_put("accounts", "1", "{}")
        await first.outbox().add("t0001", "http://h", "{}", 1.0, now=5.0)
        await first.delete("t0000")
    second = await SqliteTaskStore.open(path)
    try:
        assert await second.count() == 49
        assert await second.get_many([t.id for t in tasks]) == tasks[1:]
        assert await second.kv_items("accounts") == [("1", "{}")]
        [item] = await second.outbox().pending()
        assert (item.task_id, item.next_attempt_at) == ("t0001", 5.0)
    finally:
        await second.close()


async def test_sqlite_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    async with SqliteTaskStore(path):
        pass
    async with SqliteTaskStore(path):  # migrations are not applied twice
        pass
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert {"tasks", "kv", "notify_outbox", "notify_delivered", "schema_version"} <= names
    assert {"ix_tasks_status", "ix_tasks_submit_time", "ix_tasks_account"} <= names


async def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    async with SqliteTaskStore(path):
        pass
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        await SqliteTaskStore.open(path)


async def test_sqlite_closed_store_raises_store_error(tmp_path: Path) -> None:
    closed = SqliteTaskStore(tmp_path / "tasks.db")
    with pytest.raises(StoreError):
        await closed.get("a")
    async with closed:
        pass
    with pytest.raises(StoreError):
        await closed.save(task("a"))


async def test_sqlite_failed_transaction_rolls_back_and_the_store_goes_on(
    tmp_path: Path,
) -> None:
    async with SqliteTaskStore(tmp_path / "tasks.db") as opened:
        with pytest.raises(RuntimeError):
            async with opened.transaction() as db:
                await db.execute("DELETE FROM kv")
                await db.execute("INSERT INTO kv VALUES ('ns', 'k', 'v')")
                raise RuntimeError("boom")
        assert await opened.kv_get("ns", "k") is None
        await opened.save(task("after"))
        async with opened.transaction() as db:
            await db.execute("INSERT INTO kv VALUES ('ns', 'k', 'v')")
    async with SqliteTaskStore(tmp_path / "tasks.db") as reopened:
        assert await reopened.get("after") is not None
        assert await reopened.kv_get("ns", "k") == "v"


@pytest.mark.parametrize("count", [1, ROWS_PER_STATEMENT, ROWS_PER_STATEMENT + 1])
async def test_sqlite_a_batch_is_written_whole_or_not_at_all(tmp_path: Path, count: int) -> None:
    # one statement up to ROWS_PER_STATEMENT rows, an explicit transaction beyond: either way
    # a row the file refuses (the last one, by a trigger) leaves every row of the batch as it was
    path = tmp_path / "tasks.db"
    async with SqliteTaskStore(path) as opened:
        before = [task(f"t{i:04d}", progress="0%") for i in range(count)]
        await opened.save_many(before)
        with sqlite3.connect(path) as conn:
            conn.execute(
                "CREATE TRIGGER refuse_last BEFORE UPDATE ON tasks WHEN NEW.id = 't0000'"
                " AND NEW.status = 'FAILURE' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        after = [dataclasses.replace(t, status=TaskStatus.SUCCESS) for t in before[1:]]
        refused = [*after, dataclasses.replace(before[0], status=TaskStatus.FAILURE)]
        with pytest.raises(sqlite3.DatabaseError, match="refused"):
            await opened.save_many(refused)
        assert await opened.get_many([t.id for t in before]) == before
        await opened.save_many(after)
        assert await opened.get_many([t.id for t in after]) == after
        assert await opened.count(statuses=[TaskStatus.SUCCESS]) == count - 1


@pytest.mark.parametrize(
    ("limit", "statuses", "actions", "account_id"),
    [
        (100, None, None, None),
        (100, ["SUCCESS"], None, None),
        (100, ["FAILURE", "SUCCESS"], None, None),
        (100, None, ["IMAGINE", "UPSCALE"], None),
        (100, ["SUCCESS"], ["IMAGINE"], "acc-1"),
    ],
)
async def test_sqlite_list_pages_walk_an_index(
    tmp_path: Path,
    limit: int,
    statuses: list[str] | None,
    actions: list[str] | None,
    account_id: str | None,
) -> None:
    """A page reads index entries in order; it never scans or sorts the whole table."""
    async with SqliteTaskStore(tmp_path / "tasks.db") as opened:
        sql, params = page_ids_query(limit, 0, statuses, actions, account_id)
        plan = [row[3] for row in await opened.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)]
    table_steps = [step for step in plan if "tasks" in step]
    assert table_steps
    assert all("INDEX" in step for step in table_steps), plan
    if len(statuses or actions or ()) <= 1 or account_id is not None:
        assert not any("TEMP B-TREE" in step for step in plan), plan


_WRITER = """
import asyncio, sys
from mjcore.models import Task, TaskAction
from mjcore.store import SqliteTaskStore

async def main() -> None:
    store = await SqliteTaskStore.open(sys.argv[1])
    for i in range(int(sys.argv[2])):
        await store.save(Task(id=f"k{i}", action=TaskAction.IMAGINE, submit_time=i))
    await store.kv_put("ns", "key", "value")
    await store.outbox().add("k1", "http://hook", "{}", 1.0, now=1.0)
    print("saved", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_sqlite_committed_writes_survive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    count = 40
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _WRITER,
        str(path),
        str(count),
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), PROCESS_WAIT)
        assert line.strip() == b"saved"
    finally:
        proc.kill()  # SIGKILL: no close, no checkpoint
        await asyncio.wait_for(proc.wait(), PROCESS_WAIT)
    assert proc.returncode == -9
    async with SqliteTaskStore(path) as reopened:
        assert await reopened.count() == count
        assert [t.id for t in await reopened.unfinished()] == [f"k{i}" for i in range(count)]
        assert await reopened.kv_get("ns", "key") == "value"
        assert await reopened.outbox().pending_count() == 1


# open_store


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", lambda data: data / "mjbridge.db"),
        ("sqlite://", lambda data: data / "mjbridge.db"),
        ("sqlite:///srv/mj/tasks.db", lambda data: Path("/srv/mj/tasks.db")),
        ("sqlite://db/tasks.db", lambda data: data / "db" / "tasks.db"),
    ],
)
def test_open_store_sqlite_urls(tmp_path: Path, url: str, expected: Callable[[Path], Path]) -> None:
    opened = open_store(url, data_dir=tmp_path)
    assert isinstance(opened, SqliteTaskStore)
    assert opened.path == expected(tmp_path)


def test_open_store_memory_and_unknown_schemes(tmp_path: Path) -> None:
    assert isinstance(open_store("memory://", data_dir=tmp_path), MemoryTaskStore)
    with pytest.raises(ValueError, match="redis"):
        open_store("redis://localhost:6379/0", data_dir=tmp_path)


async def test_open_store_default_creates_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "data"
    async with open_store("", data_dir=data_dir) as opened:
        await opened.save(task("a"))
    assert (data_dir / "mjbridge.db").is_file()
