"""Task owners: kept in the store for restarts, remembered in memory, and heard late.

A compat route writes a task's owner after the engine accepted the task, so the task can change,
even fail, first; the watcher then hands that change to the owner's hook when the owner arrives.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mjcore.api.compat.node.book import NodeBook
from mjcore.api.compat.node.records import NodeMeta
from mjcore.api.compat.owners import (
    MESSAGES_NAMESPACE,
    OWNERS_NAMESPACE,
    CompatApi,
    Owner,
    on_owner,
    owner_of,
    remember_message,
    set_owner,
    task_for_message,
    write_messages,
)
from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.compat.conftest import TRIGGER_HOOK_PATH, compat_stack
from tests.integration.compat.test_node_api import HOOK_PATH

NODE_OWNER = Owner(CompatApi.NODE, "record-1")
TOKEN_OWNER = Owner(CompatApi.TOKEN, "job-1")


async def test_owners_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tasks.db"
    heard: list[tuple[str, Owner]] = []
    async with SqliteTaskStore(path) as store:
        assert await owner_of(store, "t1") is None
        stop = on_owner(store, lambda task_id, owner: heard.append((task_id, owner)))
        await set_owner(store, "t1", NODE_OWNER)  # after a look-up that found none
        assert await owner_of(store, "t1") == NODE_OWNER
        stop()
        await set_owner(store, "t2", TOKEN_OWNER)
    assert heard == [("t1", NODE_OWNER)]
    async with SqliteTaskStore(path) as reopened:
        assert await owner_of(reopened, "t1") == NODE_OWNER
        assert await owner_of(reopened, "t2") == TOKEN_OWNER
        assert await owner_of(reopened, "t3") is None


async def test_the_store_is_read_once_per_task(tmp_path: Path) -> None:
    """An owner written behind the process's back (not through ``set_owner``) is not seen by a
    process that already looked the task up; a restarted one reads it."""
    path = tmp_path / "tasks.db"
    async with SqliteTaskStore(path) as store:
        assert await owner_of(store, "t1") is None
        await store.kv_put(OWNERS_NAMESPACE, "t1", TOKEN_OWNER.encode())
        assert await owner_of(store, "t1") is None
    async with SqliteTaskStore(path) as reopened:
        assert await owner_of(reopened, "t1") == TOKEN_OWNER


async def test_an_owner_written_after_the_failure_still_reaches_its_hook(tmp_path: Path) -> None:
    """The watcher handles the failure first (its trigger callback, sent for the prompt's
    marker, shows it), then the owner arrives: the node-style hook gets the failed record."""
    async with compat_stack(tmp_path) as cs:
        engine = cs.base.engine
        submitted = await engine.submit_imagine("<#4242#>SIM_BANNED thing")
        assert submitted.result is not None
        task_id = submitted.result
        assert (await cs.wait_final(task_id)).status.value == "FAILURE"
        await cs.receiver.wait_for(
            lambda r: any(
                x.path == TRIGGER_HOOK_PATH and x.body["type"] in ("error", "banned") for x in r
            )
        )
        assert cs.receiver.bodies(HOOK_PATH) == []
        hook = cs.receiver.url(HOOK_PATH)
        meta = NodeMeta(id="record-1", task_id=task_id, action="IMAGINE", notify_hook=hook)
        await NodeBook(engine.store).add(meta)
        received = await cs.receiver.wait_for(lambda r: any(x.path == HOOK_PATH for x in r))
        [delivered] = [r.body for r in received if r.path == HOOK_PATH]
        assert delivered["_id"] == "record-1" and delivered["status"] == "FAILURE"


async def test_a_task_that_fails_at_once_reaches_its_node_hook_once(tmp_path: Path) -> None:
    """Through the route, whichever comes first, the failure or the owner."""
    async with compat_stack(tmp_path) as cs:
        hook = cs.receiver.url(HOOK_PATH)
        response = await cs.client.get(
            "/api/v1/trigger/submit",
            params={"action": "IMAGINE", "prompt": "SIM_BANNED thing", "notifyHook": hook},
        )
        assert response.status_code == 200, response.text
        record_id = response.json()["result"]
        received = await cs.receiver.wait_for(lambda r: any(x.path == HOOK_PATH for x in r))
        [delivered] = [r.body for r in received if r.path == HOOK_PATH]
        assert delivered["_id"] == record_id and delivered["status"] == "FAILURE"


async def test_the_message_index_is_written_behind_in_one_statement(tmp_path: Path) -> None:
    """Entries are found before they are written; a burst is written by one statement; closing
    the watcher writes what waits, so a restarted process finds it in the store."""
    async with compat_stack(tmp_path) as cs:
        engine = cs.base.engine
        store = engine.store
        assert isinstance(store, SqliteTaskStore)
        path = store.path
        done = [
            Task(
                id=f"17000000000000{n:02d}",
                action=TaskAction.IMAGINE,
                status=TaskStatus.SUCCESS,
                submit_time=1_000 + n,
                message_id=f"12000000000000{n:02d}",
            )
            for n in range(5)
        ]
        await store.save_many(done)
        statements: list[str] = []
        await store.db.set_trace_callback(statements.append)
        for task in done:
            remember_message(store, task)
        found = await task_for_message(engine, "1200000000000003")  # not written yet
        assert found is not None and found.id == "1700000000000003"
        await write_messages(store)
        await store.db.set_trace_callback(None)  # type: ignore[arg-type]
        index_writes = [s for s in statements if "INSERT INTO kv" in s and MESSAGES_NAMESPACE in s]
        assert len(index_writes) == 1
        assert all(str(t.message_id) in index_writes[0] for t in done)
        assert not [s for s in statements if "SELECT" in s and MESSAGES_NAMESPACE in s]

        late = dataclasses.replace(done[0], id="1700000000000099", message_id="1200000000000099")
        await store.save(late)
        remember_message(store, late)  # written when the watcher closes
    async with SqliteTaskStore(path) as reopened:
        assert await reopened.kv_get(MESSAGES_NAMESPACE, "1200000000000099") == late.id
        assert await reopened.kv_get(MESSAGES_NAMESPACE, "1200000000000004") == done[4].id
