"""Compat routers on a real engine + simulator, with a callback receiver on 127.0.0.1."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from mjcore.api.app import create_app
from mjcore.api.compat import CompatOptions, CompatWatcher
from mjcore.models import Task
from tests.integration.compat.receiver import CallbackReceiver
from tests.integration.conftest import Stack, running_stack, wait_for_task

BASE_URL = "http://mjbridge.test"
TRIGGER_HOOK_PATH = "/trigger-callback"


@dataclass
class CompatStack:
    base: Stack
    client: httpx.AsyncClient
    receiver: CallbackReceiver
    options: CompatOptions
    watcher: CompatWatcher

    async def wait_final(self, task_id: str, timeout: float = 20.0) -> Task:
        return await self.base.wait_final(task_id, timeout)

    async def wait_task(self, task_id: str, predicate: Any, timeout: float = 20.0) -> Task:
        return await wait_for_task(self.base.engine, task_id, predicate, timeout)


@contextlib.asynccontextmanager
async def compat_stack(
    tmp_path: Path,
    *,
    options: CompatOptions | None = None,
    api_secret: str = "",
    watcher_args: dict[str, Any] | None = None,
    **stack_args: Any,
) -> AsyncIterator[CompatStack]:
    async with (
        CallbackReceiver() as receiver,
        running_stack(tmp_path, api_secret=api_secret, **stack_args) as base,
    ):
        options = replace(
            options or CompatOptions(), trigger_callback_url=receiver.url(TRIGGER_HOOK_PATH)
        )
        app = create_app(base.engine, api_secret=api_secret, compat=options)
        async with (
            CompatWatcher(
                base.engine, options=options, http=base.http, **(watcher_args or {})
            ) as watcher,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
        ):
            yield CompatStack(base, client, receiver, options, watcher)


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()
