"""Trigger ids: minted for ``/imagine`` and ``/upload``, remembered in ``compat.trigger.ids``."""

from __future__ import annotations

import secrets

from mjcore.api.compat.owners import CompatApi, Owner, set_owner
from mjcore.api.compat.trigger.shapes import TRIGGER_ID_DIGITS
from mjcore.store.base import TaskStore

IDS_NAMESPACE = "compat.trigger.ids"
_MINT_ATTEMPTS = 16


class TriggerBook:
    def __init__(self, store: TaskStore) -> None:
        self._store = store

    async def mint(self, kind: str) -> str:
        """A fresh trigger id: a decimal string of up to 10 digits, not zero-padded."""
        for _ in range(_MINT_ATTEMPTS):
            trigger_id = str(secrets.randbelow(10**TRIGGER_ID_DIGITS))
            if await self._store.kv_get(IDS_NAMESPACE, trigger_id) is None:
                await self._store.kv_put(IDS_NAMESPACE, trigger_id, kind)
                return trigger_id
        raise RuntimeError("could not mint a unique trigger id")

    async def own(self, task_id: str, trigger_id: str) -> None:
        """Callbacks of ``task_id`` carry ``trigger_id``."""
        await set_owner(self._store, task_id, Owner(CompatApi.TRIGGER, trigger_id))
