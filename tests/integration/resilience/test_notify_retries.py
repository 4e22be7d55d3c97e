"""A notify hook that fails its first deliveries still receives every state, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mjcore.api.app import create_app
from mjcore.contract import task_json
from mjcore.engine import Engine, EngineOptions
from mjcore.media import ImageStore, InputFiles
from mjcore.models import Task, TaskStatus
from mjcore.notify import Notifier
from mjcore.sim import Simulator
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.conftest import account_for, endpoints_for, fast_sim_config, wait_for_task
from tests.integration.resilience.helpers import WAIT

PUBLIC_URL = "http://mjbridge.test"
FAILING_DELIVERIES = 4
HTTP_OK = 200
HTTP_SERVER_ERROR = 500
TASKS = 2
STATUS_ORDER = {s.value: s.order for s in TaskStatus}


@dataclass
class FlakyHook:
    """A real HTTP receiver on 127.0.0.1 answering 500 to the first ``failing`` POSTs."""

    failing: int
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hook"

    def delivered(self, task_id: str) -> list[dict[str, Any]]:
        return [
            body for status, body in self.answers if status == HTTP_OK and body["id"] == task_id
        ]

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FlakyHook]:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        async with self._server:
            yield self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(WAIT):
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                assert lines[0].startswith("POST /hook ")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, value in (line.split(":", 1) for line in lines[1:] if line)
                }
                body = json.loads(await reader.readexactly(int(headers["content-length"])))
                status = HTTP_SERVER_ERROR if len(self.answers) < self.failing else HTTP_OK
                self.answers.append((status, body))
                reply = f"HTTP/1.1 {status} Reply\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                writer.write(reply.encode())
                await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def collect(queue: asyncio.Queue[Task], into: list[Task]) -> None:
    while True:
        into.append(await queue.get())


async def test_every_state_reaches_a_failing_hook_in_order(tmp_path: Path) -> None:
    published: list[Task] = []
    async with contextlib.AsyncExitStack() as stack:
        hook = await stack.enter_async_context(FlakyHook(FAILING_DELIVERIES).serving())
        sim = await stack.enter_async_context(Simulator(fast_sim_config()))
        sim_account = sim.add_account(name="hooked")
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30.0, trust_env=False))
        store = await stack.enter_async_context(SqliteTaskStore(tmp_path / "tasks.db"))
        notifier = await stack.enter_async_context(Notifier(store.outbox(), http, base_delay=0.05))
        endpoints = endpoints_for(sim)
        engine = Engine(
            store=store,
            accounts=[account_for(sim_account)],
            endpoints=endpoints,
            images=ImageStore(tmp_path / "images", http, cdn_base=endpoints.cdn),
            inputs=InputFiles(tmp_path / "inputs"),
            notifier=notifier,
            options=EngineOptions(public_url=PUBLIC_URL),
        )
        await stack.enter_async_context(engine)
        await engine.wait_ready(WAIT)
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(engine)), base_url=PUBLIC_URL
            )
        )
        changes = await stack.enter_async_context(engine.subscribe())
        collector = asyncio.create_task(collect(changes, published))
        try:
            ids = []
            for i in range(TASKS):
                answer = (
                    await api.post(
                        "/mj/submit/imagine",
                        json={"prompt": f"a paper lantern {i}", "notifyHook": hook.url},
                    )
                ).json()
                assert answer["code"] == 1, answer
                ids.append(answer["result"])
            for task_id in ids:
                await wait_for_task(engine, task_id, lambda t: t.is_final, WAIT)
            await notifier.wait_idle(WAIT)
        finally:
            collector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collector

        assert [status for status, _ in hook.answers[:FAILING_DELIVERIES]] == [
            HTTP_SERVER_ERROR
        ] * FAILING_DELIVERIES
        assert notifier.failures == FAILING_DELIVERIES
        assert notifier.given_up == 0
        for task_id in ids:
            expected = [
                task_json(t, public_url=PUBLIC_URL, cdn_base=endpoints.cdn)
                for t in published
                if t.id == task_id
            ]
            delivered = hook.delivered(task_id)
            # every published state arrived exactly once, in the order it happened
            assert delivered == expected
            statuses = [body["status"] for body in delivered]
            assert statuses[-1] == "SUCCESS"
            assert {"SUBMITTED", "IN_PROGRESS", "SUCCESS"} <= set(statuses)
            orders = [STATUS_ORDER[s] for s in statuses]
            assert orders == sorted(orders), statuses  # never an IN_PROGRESS after SUCCESS
            progress = [
                int(b["progress"].rstrip("%") or 0)
                for b in delivered
                if b["status"] == "IN_PROGRESS"
            ]
            assert progress == sorted(progress)
            assert delivered[-1]["progress"] == "100%"
        assert len(hook.answers) == FAILING_DELIVERIES + sum(
            len(hook.delivered(task_id)) for task_id in ids
        )
