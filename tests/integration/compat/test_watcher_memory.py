"""What the watcher keeps of finished tasks: their last change whole for a while (a late owner
can still be handed it), then only their final status (a later change is not a new finish)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.integration.compat.conftest import CompatStack, compat_stack
from tests.integration.compat.test_node_api import HOOK_PATH

WHOLE_SECONDS = 0.3


async def submit_node(cs: CompatStack, prompt: str) -> str:
    response = await cs.client.get(
        "/api/v1/trigger/submit",
        params={"action": "IMAGINE", "prompt": prompt, "notifyHook": cs.receiver.url(HOOK_PATH)},
    )
    assert response.status_code == 200, response.text
    record_id: str = response.json()["result"]
    return record_id


async def hooked(cs: CompatStack, record_id: str) -> list[str]:
    """Statuses the node hook received for ``record_id``, once it has received one."""
    await cs.receiver.wait_for(
        lambda r: any(x.path == HOOK_PATH and x.body["_id"] == record_id for x in r)
    )
    await asyncio.sleep(0.2)  # a second delivery, if any, has had time to arrive
    return [
        r.body["status"] for r in cs.receiver.received if r.path == HOOK_PATH
        if r.body["_id"] == record_id
    ]  # fmt: skip


async def test_a_finished_task_is_kept_whole_for_a_while_then_by_its_status(
    tmp_path: Path,
) -> None:
    async with compat_stack(tmp_path, watcher_args={"finished_whole_seconds": WHOLE_SECONDS}) as cs:
        first = await submit_node(cs, "a first lighthouse")
        assert await hooked(cs, first) == ["SUCCESS"]
        assert cs.watcher.changes_kept_whole == 1

        await asyncio.sleep(WHOLE_SECONDS)
        second = await submit_node(cs, "a second lighthouse")
        assert await hooked(cs, second) == ["SUCCESS"]
        assert cs.watcher.changes_kept_whole == 1  # the first is kept by its status only

        # the first task changes again (its seed is fetched): not a second finish
        first_task = next(
            t for t in await cs.base.engine.list(limit=10) if t.prompt == "a first lighthouse"
        )
        seed = await cs.base.engine.image_seed(first_task.id)
        assert seed
        assert await hooked(cs, first) == ["SUCCESS"]


async def test_a_task_made_here_is_not_looked_up_in_the_store(tmp_path: Path) -> None:
    """Its owner can only come from this process: the owners table is not read for it (SQLite
    reports each statement it runs)."""
    async with compat_stack(tmp_path) as cs:
        statements: list[str] = []
        await cs.base.engine.store.db.set_trace_callback(statements.append)  # type: ignore[attr-defined]
        record_id = await submit_node(cs, "a local lighthouse")
        assert await hooked(cs, record_id) == ["SUCCESS"]
        native = await cs.base.engine.submit_imagine("a native lighthouse")
        await cs.wait_final(native.result or "")
        await cs.base.engine.store.db.set_trace_callback(None)  # type: ignore[attr-defined]
    owner_reads = [s for s in statements if "SELECT" in s and "compat.owners" in s]
    assert owner_reads == []
    assert any("INSERT INTO kv" in s and "compat.owners" in s for s in statements)
