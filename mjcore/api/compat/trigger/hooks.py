"""Trigger API callbacks: start, generating, end, error, banned and text (describe).

A task is the trigger API's when that API made it, or when its prompt carries a ``<#…#>``
marker (as the original reports every Midjourney message with one). The trigger id of a
callback is the marker's, so every job of one lineage reports the id of its first imagine.
"""

from __future__ import annotations

import logging

from mjcore.api.compat.delivery import Callback, CallbackSender
from mjcore.api.compat.hooks import TaskChange
from mjcore.api.compat.links import discord_image_link, image_link, preview_image_link
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.owners import CompatApi
from mjcore.api.compat.trigger.shapes import (
    CallbackType,
    ResultFile,
    Speaker,
    callback_type,
    trigger_callback,
    trigger_id_in,
)
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.models import Task

log = logging.getLogger(__name__)


class TriggerHook:
    def __init__(self, engine: Engine, options: CompatOptions, sender: CallbackSender) -> None:
        self._engine = engine
        self._url = options.trigger_callback_url
        self._sender = sender

    def trigger_id(self, change: TaskChange) -> str | None:
        owner = change.owner
        if owner is not None and owner.api is not CompatApi.TRIGGER:
            return None
        marker = trigger_id_in(change.task.prompt)
        if marker is not None:
            return marker
        return owner.key if owner is not None else None

    async def on_change(self, change: TaskChange) -> None:
        if not self._url:
            return
        trigger_id = self.trigger_id(change)
        if trigger_id is None:
            return
        task = change.task
        kind = callback_type(task, change.previous)
        if kind is None:
            return
        preview = None
        if kind is CallbackType.GENERATING:
            preview = preview_image_link(task, self._engine.endpoints.cdn)
        elif kind is CallbackType.TEXT:
            preview = discord_image_link(task, self._engine.endpoints.cdn)
        body = trigger_callback(
            task,
            change.previous,
            trigger_id=trigger_id,
            speaker=self.speaker(task),
            preview_url=preview,
            result=await self.result_file(task) if kind is CallbackType.END else None,
        )
        if body is None:
            return
        log.debug("trigger callback queued [trigger:%s task:%s type:%s]", trigger_id, task.id, kind)
        self._sender.send(Callback(self._url, body, task.id))

    def speaker(self, task: Task) -> Speaker:
        runtime = self._engine.accounts.get(task.account_id or "")
        if runtime is None:
            return Speaker()
        return Speaker(runtime.gateway.user_id, runtime.config.mode.value)

    async def result_file(self, task: Task) -> ResultFile | None:
        """The result image, kept locally first so the link works and its size is known."""
        link = image_link(self._engine, task)
        if link is None or task.discord_image_url is None:
            return None
        size = 0
        if self._engine.images is not None:
            try:
                path = await self._engine.images.ensure(task.id, task.discord_image_url)
                size = path.stat().st_size
            except MjError as exc:
                log.warning("result image not kept [task:%s] %s", task.id, exc.message)
        return ResultFile(url=link, discord_url=task.discord_image_url, size=size)
