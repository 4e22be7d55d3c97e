"""The HTTP front: uvicorn on a thread and event loop of its own, before the app on the engine's.

Everything the engine does (gateway frames, Discord calls, store writes, image copies, the
Telegram bot) shares one event loop, and in a burst of finishing jobs one turn of that loop can
last tens of milliseconds. A request served on that loop waits for two such turns (read, then
answer), so the route clients poll most, ``GET /mj/task/{id}/fetch``, would answer late just
when many tasks finish.

``front_app`` answers that route on the front's own loop for a task the engine holds in memory
(``Engine.peek``: queued ones excepted, their queue position is the engine's to count), with the
bytes the app gives. Every other request, and every fetch it cannot answer so (a secret missing
or wrong, a task read from the store), goes to the app on the engine's loop unchanged through
``LoopBridge``. ``serve_front`` runs the uvicorn server on its thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import signal
import socket
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mjcore.api.app import MJ_PREFIX
from mjcore.api.deps import task_response
from mjcore.api.fast_fetch import fetch_pattern, fetch_target
from mjcore.engine import Engine
from mjcore.models import TaskStatus

THREAD_NAME = "mjbridge-http"
_EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)
PREREAD_BYTES = 64 * 1024  # request bodies read before the app starts, at most
_T = TypeVar("_T")


class LoopBridge:
    """ASGI app run on another event loop: ``app`` runs on ``loop``, and each ``receive`` and
    ``send`` it makes runs back on the loop of the server that called. Cancelling either side
    cancels the other.

    Each crossing wakes the other thread, so two are saved per request: a body declared at up to
    ``preread`` bytes is read on the server's loop before the app starts, and a response's start
    is held back and sent with its first body message.
    """

    def __init__(
        self, app: ASGIApp, loop: asyncio.AbstractEventLoop, *, preread: int = PREREAD_BYTES
    ) -> None:
        self.app = app
        self.loop = loop
        self.preread = preread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        here = asyncio.get_running_loop()
        early = await _read_small_body(scope, receive, self.preread)
        held: list[Message] = []  # a response start, until its first body message

        async def receive_here() -> Message:
            if early:
                return early.popleft()
            return await _run_on(here, receive())

        async def send_here(message: Message) -> None:
            if message["type"] == "http.response.start" and not held:
                held.append(message)
                return
            batch = [*held, message]
            held.clear()
            await _run_on(here, _send_all(send, batch))

        await _run_on(self.loop, self.app(scope, receive_here, send_here))
        if held:  # a start and no body: the server answers for the missing body
            await _send_all(send, held)


async def _read_small_body(scope: Scope, receive: Receive, limit: int) -> deque[Message]:
    """The request's body messages, read now when it declares at most ``limit`` bytes (none
    at all for a request without a body); nothing for a chunked body or one waiting for
    ``100 Continue``, which the app reads as it goes."""
    early: deque[Message] = deque()
    if scope["type"] != "http":
        return early
    headers = dict(scope["headers"])
    declared = headers.get(b"content-length", b"0")
    if b"expect" in headers or b"transfer-encoding" in headers or not declared.isdigit():
        return early
    if int(declared) > limit:
        return early
    while True:
        message = await receive()
        early.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return early


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)


def _run_on(loop: asyncio.AbstractEventLoop, awaitable: Awaitable[_T]) -> Awaitable[_T]:
    """Await ``awaitable`` on ``loop`` (another thread's), from this one."""
    return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_awaited(awaitable), loop))


async def _awaited(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


class LiveFetch:
    """Answers ``GET {prefix}/task/{id}/fetch`` for a task the engine holds in memory, on the
    loop serving the request; passes everything else to ``app``."""

    def __init__(self, app: ASGIApp, engine: Engine, *, api_secret: str, prefix: str) -> None:
        self.app = app
        self.engine = engine
        self.api_secret = api_secret
        self._path = fetch_pattern(prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task_id = fetch_target(scope, self._path, self.api_secret)
        if task_id is not None:
            task = self.engine.peek(task_id)
            if task is not None and task.status is not TaskStatus.NOT_START:
                await task_response(self.engine, task)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def front_app(app: ASGIApp, engine: Engine, *, api_secret: str, prefix: str = MJ_PREFIX) -> ASGIApp:
    """The ASGI app for ``serve_front``: live fetches answered on the front's loop, the rest by
    ``app`` (``create_app``'s) on the calling loop, the engine's."""
    bridge = LoopBridge(app, asyncio.get_running_loop())
    return LiveFetch(bridge, engine, api_secret=api_secret, prefix=prefix)


async def serve_front(
    server: uvicorn.Server,
    *,
    sockets: list[socket.socket] | None = None,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
    handle_signals: bool = True,
) -> None:
    """Run ``server`` on a thread and event loop of its own (``loop_factory``'s, asyncio's
    when None) until it stops.

    With ``handle_signals``, on the main thread, SIGINT and SIGTERM stop the server (a second
    SIGINT forces it), and this coroutine returns: the caller closes the engine, so changes
    waiting to be written are kept. Cancelling it asks the server to exit and waits for the
    thread to end, however often it is cancelled (set ``server.force_exit`` to cut a wait
    short): requests in flight still need this loop to be answered, and the caller must not
    close the engine under them. An error that ends the server (a port in use) is raised here.
    """
    done: concurrent.futures.Future[None] = concurrent.futures.Future()
    done.set_running_or_notify_cancel()  # only the thread settles it

    def run() -> None:
        try:
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                runner.run(server.serve(sockets=sockets))
        except BaseException as exc:  # handed to the waiting loop, SystemExit too
            done.set_exception(exc)
        else:
            done.set_result(None)

    thread = threading.Thread(target=run, name=THREAD_NAME, daemon=True)
    with _exit_on_signals(server) if handle_signals else contextlib.nullcontext():
        thread.start()
        ended = asyncio.wrap_future(done)
        try:
            await asyncio.shield(ended)
        except asyncio.CancelledError:
            server.should_exit = True
            while not ended.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(ended)
            raise


@contextlib.contextmanager
def _exit_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """SIGINT and SIGTERM ask ``server`` to exit while in this block (main thread only: the
    server's own thread cannot take signals). Unlike ``Server.serve`` nothing is raised again
    afterwards: the process ends once its owner has closed what it opened."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():
        for sig in _EXIT_SIGNALS:
            with contextlib.suppress(NotImplementedError):  # no loop signal handlers (Windows)
                loop.add_signal_handler(sig, server.handle_exit, sig, None)
                installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
