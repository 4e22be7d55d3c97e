"""Node-style records in the engine's key/value store (``compat.node.records``: _id -> meta)."""

from __future__ import annotations

from mjcore.api.compat.node.records import NodeMeta
from mjcore.api.compat.owners import CompatApi, Owner, set_owner
from mjcore.store.base import TaskStore

RECORDS_NAMESPACE = "compat.node.records"


class NodeBook:
    def __init__(self, store: TaskStore) -> None:
        self._store = store

    async def add(self, meta: NodeMeta) -> None:
        await self._store.kv_put(RECORDS_NAMESPACE, meta.id, meta.to_json())
        await set_owner(self._store, meta.task_id, Owner(CompatApi.NODE, meta.id))

    async def get(self, record_id: str) -> NodeMeta | None:
        raw = await self._store.kv_get(RECORDS_NAMESPACE, record_id)
        return None if raw is None else NodeMeta.from_json(raw)

    async def all(self) -> list[NodeMeta]:
        """Every record, ordered by ``_id`` (the original's nedb index order)."""
        return [NodeMeta.from_json(raw) for _, raw in await self._store.kv_items(RECORDS_NAMESPACE)]
