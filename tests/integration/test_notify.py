"""Notify hooks delivered over real sockets to a minimal HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import pytest

from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.notify import Notifier, NotifyOutbox, notify_order
from mjcore.store import MemoryTaskStore, SqliteTaskStore, TaskStore

WAIT = 30.0  # upper bound for any wait in these tests; they normally finish far sooner
GATE_WAIT = 3.0
POLL = 0.01
HANG_TIMEOUT = 1.5  # request timeout where a test makes the hook hang once
HANG = -1  # reply code: read the request, never answer

Reply = int | tuple[int, dict[str, str]]


@dataclass
class HookReceiver:
    """HTTP/1.1 just enough for one POST per connection; ``reply(n, body)`` picks each answer."""

    reply: Callable[[int, dict[str, Any]], Reply]
    sock: socket.socket | None = None
    gate: Callable[[HookReceiver], bool] | None = None
    listen_at_enter: bool = True
    accepted: list[dict[str, Any]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)
    content_types: set[str] = field(default_factory=set)
    open_now: int = 0
    max_open: int = 0
    max_open_per_task: int = 0
    _open_per_task: Counter[str] = field(default_factory=Counter)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        sock = self.sock
        if sock is None and self._server is not None:
            sock = self._server.sockets[0]
        assert sock is not None
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook?key=s3cret"

    def received(self, task_id: str) -> list[dict[str, Any]]:
        return [body for body in self.accepted if body["id"] == task_id]

    async def __aenter__(self) -> Self:
        if self.listen_at_enter:
            await self.start()
        return self

    async def start(self) -> None:
        if self.sock is not None:
            self._server = await asyncio.start_server(self._handle, sock=self.sock)
        else:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        elif self.sock is not None:
            self.sock.close()
        for writer in list(self._writers):
            writer.close()
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=WAIT)

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._writers.discard(writer)
            self._handlers.discard(handler)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        assert request_line.startswith("POST /hook?key=s3cret ")
        headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in header_lines if line)
        }
        body = json.loads(await reader.readexactly(int(headers["content-length"])))
        self.content_types.add(headers["content-type"])
        self.seen.append(body)
        number = len(self.seen)
        task_id = body["id"]
        self.open_now += 1
        self._open_per_task[task_id] += 1
        self.max_open = max(self.max_open, self.open_now)
        self.max_open_per_task = max(self.max_open_per_task, self._open_per_task[task_id])
        await self._changed_now()
        try:
            if self.gate is not None:
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(
                            self._changed.wait_for(lambda: self.gate(self)),  # type: ignore[misc]
                            GATE_WAIT,
                        )
            answer = self.reply(number, body)
            if answer == HANG:
                await asyncio.wait_for(reader.read(), WAIT)  # until the client gives up
                return
            status, extra_headers = answer if isinstance(answer, tuple) else (answer, {})
            if 200 <= status < 300:
                self.accepted.append(body)
        finally:
            self.open_now -= 1
            self._open_per_task[task_id] -= 1
            await self._changed_now()
        lines = [f"HTTP/1.1 {status} Reply", "Content-Length: 0", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in extra_headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()


def fast_notifier(outbox: NotifyOutbox, client: httpx.AsyncClient, **options: Any) -> Notifier:
    """Short retry delays and request timeouts, so retries happen within the test."""
    return Notifier(
        outbox, client, **{"base_delay": 0.02, "max_delay": 0.1, "request_timeout": 5.0, **options}
    )


def ok(number: int, body: dict[str, Any]) -> Reply:
    return 200


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            if await check():
                return
            await asyncio.sleep(POLL)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TaskStore]:
    opened: TaskStore = (
        MemoryTaskStore() if request.param == "memory" else SqliteTaskStore(tmp_path / "t.db")
    )
    async with opened:
        yield opened


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as http:
        yield http


def lifecycle(task_id: str) -> list[Task]:
    """The states a task goes through, as the engine would notify them."""
    base = Task(id=task_id, action=TaskAction.IMAGINE, prompt="cat", submit_time=1)
    return [
        base,
        Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.SUBMITTED, progress="0%"),
        Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.IN_PROGRESS, progress="15%"),
        Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.IN_PROGRESS, progress="62%"),
        Task(id=task_id, action=TaskAction.IMAGINE, status=TaskStatus.SUCCESS, progress="100%"),
    ]


def contract_json(task: Task) -> dict[str, Any]:
    return {"id": task.id, "status": task.status.value, "progress": task.progress, "prompt": "猫"}


async def enqueue_all(notifier: Notifier, url: str, tasks: list[Task]) -> None:
    for task in tasks:
        await notifier.enqueue(task.id, url, contract_json(task), notify_order(task))


def interleaved(*task_ids: str) -> list[Task]:
    states = [lifecycle(task_id) for task_id in task_ids]
    return [s[i] for i in range(max(map(len, states))) for s in states if i < len(s)]


async def test_failures_and_a_timeout_are_retried_and_every_state_arrives_in_order(
    store: TaskStore, client: httpx.AsyncClient
) -> None:
    def reply(number: int, body: dict[str, Any]) -> Reply:
        if number <= 3:
            return 500
        return HANG if number == 4 else 200

    tasks = interleaved("A", "B", "C")
    notifier = fast_notifier(store.outbox(), client, request_timeout=HANG_TIMEOUT)
    async with HookReceiver(reply) as hook, notifier:
        await enqueue_all(notifier, hook.url, tasks)
        await notifier.wait_idle(WAIT)
    for task_id in "ABC":
        assert hook.received(task_id) == [contract_json(t) for t in lifecycle(task_id)]
    assert notifier.failures == 4
    assert (notifier.delivered, notifier.given_up, notifier.dropped) == (15, 0, 0)
    assert len(hook.seen) == 15 + 4
    assert hook.max_open_per_task == 1
    assert hook.content_types == {"application/json"}
    assert await store.outbox().pending_count() == 0


async def test_states_older_than_the_delivered_one_are_dropped(
    store: TaskStore, client: httpx.AsyncClient
) -> None:
    success, running, late = lifecycle("A")[4], lifecycle("A")[3], lifecycle("A")[2]
    rehosted = {**contract_json(success), "imageUrl": "http://127.0.0.1/rehosted.png"}
    async with HookReceiver(ok) as hook:
        notifier = fast_notifier(store.outbox(), client)
        # queued out of order while the loop is not running
        await enqueue_all(notifier, hook.url, [success, running])
        async with notifier:
            await notifier.wait_idle(WAIT)
            assert hook.received("A") == [contract_json(success)]
            await enqueue_all(notifier, hook.url, [late])
            assert await store.outbox().pending_count() == 0
            await notifier.enqueue("A", hook.url, rehosted, notify_order(success))
            await notifier.wait_idle(WAIT)
    assert hook.received("A") == [contract_json(success), rehosted]
    assert notifier.dropped == 2


async def test_an_item_is_given_up_after_max_attempts_and_the_next_one_follows(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    def reply(number: int, body: dict[str, Any]) -> Reply:
        return 503 if body["id"] == "A" else 200

    store = MemoryTaskStore()
    states = lifecycle("A")[1:3]
    notifier = fast_notifier(store.outbox(), client, max_attempts=3)
    with caplog.at_level(logging.WARNING, logger="mjcore.notify"):
        async with HookReceiver(reply) as hook, notifier:
            await enqueue_all(notifier, hook.url, [*states, lifecycle("B")[1]])
            await notifier.wait_idle(WAIT)
    tried = [body for body in hook.seen if body["id"] == "A"]
    assert tried == [contract_json(states[0])] * 3 + [contract_json(states[1])] * 3
    assert hook.received("B") == [contract_json(lifecycle("B")[1])]
    assert (notifier.failures, notifier.given_up, notifier.delivered) == (6, 2, 1)
    warnings = [r for r in caplog.records if "given up" in r.getMessage()]
    assert len(warnings) == 2
    assert all("task:A" in r.getMessage() and "s3cret" not in r.getMessage() for r in warnings)


@pytest.mark.parametrize(("retry_after", "expected_delay"), [("120", 120.0), ("99999", 300.0)])
async def test_retry_after_is_honoured_up_to_max_delay(
    client: httpx.AsyncClient, retry_after: str, expected_delay: float
) -> None:
    now = 1_000.0
    store = MemoryTaskStore()
    outbox = store.outbox()

    def reply(number: int, body: dict[str, Any]) -> Reply:
        return (429, {"Retry-After": retry_after})

    async def rescheduled() -> bool:
        items = await outbox.pending()
        return bool(items) and items[0].attempts == 1

    async with (
        HookReceiver(reply) as hook,
        Notifier(outbox, client, base_delay=1.0, max_delay=300.0, clock=lambda: now) as notifier,
    ):
        await enqueue_all(notifier, hook.url, lifecycle("A")[1:2])
        await eventually(rescheduled)
    [item] = await outbox.pending()
    assert item.next_attempt_at == now + expected_delay
    assert len(hook.seen) == 1


async def test_connection_errors_are_retried_until_the_hook_listens(
    client: httpx.AsyncClient,
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    store = MemoryTaskStore()
    hook = HookReceiver(ok, sock=sock, listen_at_enter=False)
    async with hook, fast_notifier(store.outbox(), client, max_attempts=1000) as notifier:
        await enqueue_all(notifier, hook.url, lifecycle("A"))

        async def refused_twice() -> bool:
            return notifier.failures >= 2

        await eventually(refused_twice)
        assert hook.accepted == []
        await hook.start()
        await notifier.wait_idle(WAIT)
    assert hook.received("A") == [contract_json(t) for t in lifecycle("A")]


async def test_pending_items_are_delivered_after_a_restart(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    path = tmp_path / "tasks.db"
    up = False

    def reply(number: int, body: dict[str, Any]) -> Reply:
        return 200 if up else 502

    async with HookReceiver(reply) as hook:
        async with SqliteTaskStore(path) as store:
            async with fast_notifier(store.outbox(), client) as notifier:
                await enqueue_all(notifier, hook.url, interleaved("A", "B"))

                async def tried() -> bool:
                    return len(hook.seen) >= 3

                await eventually(tried)
            # queued while no loop runs
            await Notifier(store.outbox(), client).enqueue(
                "C", hook.url, contract_json(lifecycle("C")[1]), 1.0
            )
        assert hook.accepted == []

        up = True
        async with SqliteTaskStore(path) as store:
            assert await store.outbox().pending_count() == 11
            async with fast_notifier(store.outbox(), client) as notifier:
                await notifier.wait_idle(WAIT)
            assert await store.outbox().pending_count() == 0
    for task_id in "AB":
        assert hook.received(task_id) == [contract_json(t) for t in lifecycle(task_id)]
    assert hook.received("C") == [contract_json(lifecycle("C")[1])]


async def test_different_tasks_are_delivered_concurrently_up_to_the_limit(
    store: TaskStore, client: httpx.AsyncClient
) -> None:
    concurrency = 3
    tasks = [lifecycle(f"T{i}")[4] for i in range(8)]

    def all_slots_busy(hook: HookReceiver) -> bool:
        return hook.open_now >= min(concurrency, len(tasks) - len(hook.accepted))

    async with HookReceiver(ok, gate=all_slots_busy) as hook:
        notifier = Notifier(store.outbox(), client, concurrency=concurrency, request_timeout=WAIT)
        await enqueue_all(notifier, hook.url, tasks)
        async with notifier:
            await notifier.wait_idle(WAIT)
    assert hook.max_open == concurrency
    assert sorted(body["id"] for body in hook.accepted) == [t.id for t in tasks]
    assert notifier.failures == 0


async def test_unusable_urls_are_skipped_or_given_up_at_once(client: httpx.AsyncClient) -> None:
    store = MemoryTaskStore()
    async with fast_notifier(store.outbox(), client) as notifier:
        await notifier.enqueue("A", "", {"id": "A"}, 1.0)
        assert await store.outbox().pending_count() == 0
        await notifier.enqueue("A", "ftp://127.0.0.1/hook", {"id": "A"}, 1.0)
        await notifier.wait_idle(WAIT)
    assert (notifier.failures, notifier.given_up) == (1, 1)


# pure parts


@pytest.mark.parametrize(
    ("status", "progress", "order"),
    [
        (TaskStatus.NOT_START, "", 0.0),
        (TaskStatus.SUBMITTED, "0%", 1.0),
        (TaskStatus.IN_PROGRESS, "", 3.0),
        (TaskStatus.IN_PROGRESS, "46%", 3.46),
        (TaskStatus.IN_PROGRESS, "100%", 3.99),
        (TaskStatus.SUCCESS, "100%", 4.0),
        (TaskStatus.FAILURE, "", 4.0),
    ],
)
def test_notify_order(status: TaskStatus, progress: str, order: float) -> None:
    task = Task(id="t", action=TaskAction.IMAGINE, status=status, progress=progress)
    assert notify_order(task) == pytest.approx(order)


async def test_retry_delay_doubles_up_to_the_cap(client: httpx.AsyncClient) -> None:
    notifier = Notifier(MemoryTaskStore().outbox(), client, base_delay=1.5, max_delay=20.0)
    assert [notifier.retry_delay(n) for n in range(1, 7)] == [1.5, 3.0, 6.0, 12.0, 20.0, 20.0]
    assert notifier.retry_delay(10_000) == 20.0
