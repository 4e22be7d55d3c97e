"""Node-style notify hooks: the full record is POSTed once, when the task ends."""

from __future__ import annotations

import logging

from mjcore.api.compat.delivery import Callback, CallbackSender
from mjcore.api.compat.hooks import TaskChange
from mjcore.api.compat.links import image_link
from mjcore.api.compat.node.book import NodeBook
from mjcore.api.compat.node.records import node_record
from mjcore.api.compat.owners import CompatApi
from mjcore.engine import Engine

log = logging.getLogger(__name__)


class NodeHook:
    def __init__(self, engine: Engine, sender: CallbackSender) -> None:
        self._engine = engine
        self._sender = sender

    async def on_change(self, change: TaskChange) -> None:
        owner = change.owner
        if owner is None or owner.api is not CompatApi.NODE or not change.finished_now:
            return
        meta = await NodeBook(self._engine.store).get(owner.key)
        if meta is None or not meta.notify_hook:
            return
        task = change.task
        body = node_record(meta, task, image_link(self._engine, task))
        log.info("node-style hook queued [record:%s task:%s]", meta.id, task.id)
        self._sender.send(Callback(meta.notify_hook, body, task.id))
