"""The HTTP front: uvicorn on its own thread and loop before the app on the engine's loop.

A real server on a real socket (``serve_front``) answers as the app does in-process: every
request is sent both ways and the answers compared. Live fetches are answered on the front's own
loop (shown by blocking the engine's loop while one is made); the rest crosses to the engine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from mjcore.api.app import create_app
from mjcore.api.front import PREREAD_BYTES, THREAD_NAME, front_app, serve_front
from mjcore.api.schemas import MAX_BODY_BYTES
from mjcore.engine import Engine
from mjcore.models import TaskStatus
from tests.integration.actions_helpers import run, submit
from tests.integration.conftest import Stack, running_stack, wait_for_task

SECRET = "front-secret"
LOCALHOST = "127.0.0.1"
JSON = {"content-type": "application/json"}
ACCEPTED = {1, 22}  # started, or queued behind the account's busy slots
SERVER_HEADERS = {"date", "server"}  # added by uvicorn, not by the app
Request = tuple[str, str, dict[str, str], bytes]


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind((LOCALHOST, 0))
    sock.listen(64)
    sock.setblocking(False)
    return sock


def front_server(engine: Engine, *, api_secret: str = "") -> uvicorn.Server:
    app = front_app(create_app(engine, api_secret=api_secret), engine, api_secret=api_secret)
    return uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))


@contextlib.asynccontextmanager
async def served(engine: Engine, *, api_secret: str = "") -> AsyncIterator[str]:
    """The front over ``engine`` on a free port; yields its base URL."""
    sock = listening_socket()
    server = front_server(engine, api_secret=api_secret)
    task = asyncio.create_task(serve_front(server, sockets=[sock], handle_signals=False))
    try:
        await started(server, task)
        yield f"http://{LOCALHOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        stopped, _ = await asyncio.wait({task}, timeout=10)
        if not stopped:
            server.force_exit = True
            await asyncio.wait({task})
        sock.close()
        assert stopped, "the server did not stop in time"


async def started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    async with asyncio.timeout(10):
        while not server.started:
            assert not task.done(), task
            await asyncio.sleep(0.01)


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in SERVER_HEADERS]
    return response.status_code, headers, response.content


async def both_ways(
    engine: Engine, url: str, requests: list[Request], *, api_secret: str = ""
) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """Each request to the front over HTTP and to the app in-process: the answers must match."""
    app = create_app(engine, api_secret=api_secret)
    found = []
    async with (
        httpx.AsyncClient(base_url=url) as front,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=url) as plain,
    ):
        for method, path, headers, body in requests:
            there = answer(await front.request(method, path, headers=headers, content=body))
            here = answer(await plain.request(method, path, headers=headers, content=body))
            assert there == here, (method, path)
            found.append(there)
    return found


@pytest.fixture
async def one_slot(tmp_path: Path) -> AsyncIterator[Stack]:
    """One account with one slot: a second task waits in its queue."""
    async with running_stack(tmp_path, account_overrides=[{"core_size": 1}]) as stack:
        yield stack


async def test_the_front_answers_as_the_app(one_slot: Stack) -> None:
    stack = one_slot
    done = await run(stack.api, "/mj/submit/imagine", {"prompt": "a fox on a hill --v 7"})
    stack.sim.faults.pause_bot()
    running = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a running fox"})
    queued = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a queued fox"})
    await wait_for_task(
        stack.engine, running["result"], lambda t: t.status is TaskStatus.IN_PROGRESS
    )
    assert (await stack.engine.get(queued["result"])).status is TaskStatus.NOT_START  # type: ignore[union-attr]
    fetch = "/mj/task/{}/fetch"
    requests: list[Request] = [
        ("GET", fetch.format(done["id"]), {}, b""),
        ("GET", fetch.format(running["result"]), {}, b""),
        ("GET", fetch.format(queued["result"]), {}, b""),
        ("GET", fetch.format("unknown-id"), {}, b""),
        ("GET", fetch.format("%E4%B8%AD%20x"), {}, b""),
        ("GET", fetch.format(done["id"]) + "/", {}, b""),
        ("HEAD", fetch.format(done["id"]), {}, b""),
        ("POST", fetch.format(done["id"]), {}, b""),
        ("GET", f"/images/{done['id']}", {}, b""),
        ("GET", "/mj/task/list?limit=5", {}, b""),
        ("POST", "/mj/task/list-by-condition", JSON, b'{"ids": ["%s"]}' % done["id"].encode()),
        ("POST", "/mj/submit/imagine", JSON, b"{not json"),
        ("POST", "/mj/submit/imagine", JSON, b'{"prompt": "' + b"x" * MAX_BODY_BYTES + b'"}'),
        ("GET", "/health", {}, b""),
    ]
    async with served(stack.engine) as url:
        statuses = [a[0] for a in await both_ways(stack.engine, url, requests)]
        assert statuses == [200, 200, 200, 404, 404, 307, 405, 405, 200, 200, 200, 400, 413, 200]
        async with httpx.AsyncClient(base_url=url) as front:
            queued_answer = (await front.get(fetch.format(queued["result"]))).json()
        position = stack.engine.queue_position(queued["result"])
        assert position is not None  # counted on the engine's loop
        assert queued_answer["properties"]["queuePosition"] == position
    stack.sim.faults.resume_bot()


async def chunks(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_bodies_of_every_shape_reach_the_app(stack: Stack) -> None:
    """Small bodies are read before crossing; chunked, large or ``Expect``-ing ones are read by
    the app as it goes. All answer as the app does in-process."""
    small = json.dumps({"prompt": "a small fox"}).encode()
    large = b'{"prompt": "a large fox"' + b" " * PREREAD_BYTES + b"}"  # JSON with room in it
    async with (
        served(stack.engine) as url,
        httpx.AsyncClient(base_url=url) as front,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(stack.engine)), base_url=url
        ) as plain,
    ):
        for body, headers in [
            (small, JSON),
            (large, JSON),
            (small, {**JSON, "expect": "100-continue"}),
        ]:
            there = await front.post("/mj/submit/imagine", content=body, headers=headers)
            here = await plain.post("/mj/submit/imagine", content=body, headers=headers)
            assert there.status_code == here.status_code == 200
            assert {there.json()["code"], here.json()["code"]} <= ACCEPTED, there.json()
        for body in (small, large):
            there = await front.post("/mj/submit/imagine", content=chunks(body), headers=JSON)
            here = await plain.post("/mj/submit/imagine", content=chunks(body), headers=JSON)
            assert there.request.headers["transfer-encoding"] == "chunked"
            assert there.status_code == here.status_code == 200
            assert {there.json()["code"], here.json()["code"]} <= ACCEPTED, there.json()


async def test_the_secret_is_checked_on_both_paths(stack: Stack) -> None:
    done = await run(stack.api, "/mj/submit/imagine", {"prompt": "a secret fox"})
    path = f"/mj/task/{done['id']}/fetch"
    requests: list[Request] = [
        ("GET", path, {}, b""),
        ("GET", path, {"mj-api-secret": "wrong"}, b""),
        ("GET", path, {"mj-api-secret": SECRET}, b""),
        ("GET", "/mj/task/unknown-id/fetch", {"mj-api-secret": SECRET}, b""),
    ]
    async with served(stack.engine, api_secret=SECRET) as url:
        found = await both_ways(stack.engine, url, requests, api_secret=SECRET)
    assert [a[0] for a in found] == [401, 401, 200, 404]


async def test_a_submit_crosses_to_the_engine_and_runs(stack: Stack) -> None:
    async with served(stack.engine) as url, httpx.AsyncClient(base_url=url) as front:
        accepted = await run(front, "/mj/submit/imagine", {"prompt": "a fox through the front"})
        assert accepted["status"] == TaskStatus.SUCCESS
        image = await front.get(f"/images/{accepted['id']}")
        assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


async def test_live_fetches_need_no_turn_of_the_engine_loop(stack: Stack) -> None:
    """The test runs on the engine's loop: a blocking request from it blocks that loop. A live
    task is answered by the front all the same; a task that must be read from the store waits
    until the loop runs again."""
    stack.sim.faults.pause_bot()
    running = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a patient fox"})
    live = await wait_for_task(
        stack.engine, running["result"], lambda t: t.status is TaskStatus.IN_PROGRESS
    )
    async with served(stack.engine) as url:
        # a blocking call on purpose: the engine's loop stops while it waits
        blocking = httpx.get(f"{url}/mj/task/{live.id}/fetch", timeout=5)  # noqa: ASYNC210
        assert blocking.status_code == 200
        assert blocking.json()["status"] == TaskStatus.IN_PROGRESS
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{url}/mj/task/unknown-id/fetch", timeout=0.5)  # noqa: ASYNC210
        async with httpx.AsyncClient(base_url=url) as front:  # the loop runs again
            assert (await front.get("/mj/task/unknown-id/fetch")).status_code == 404
    stack.sim.faults.resume_bot()


async def test_cancelling_stops_the_server_and_its_thread(stack: Stack) -> None:
    sock = listening_socket()
    server = front_server(stack.engine)
    task = asyncio.create_task(serve_front(server, sockets=[sock]))
    await started(server, task)
    assert any(t.name == THREAD_NAME for t in threading.enumerate())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert server.should_exit
    assert not any(t.name == THREAD_NAME for t in threading.enumerate())
    sock.close()


async def test_a_second_cancel_still_waits_for_the_thread(stack: Stack) -> None:
    """The engine must not be closed under a server still taking requests."""
    sock = listening_socket()
    server = front_server(stack.engine)
    task = asyncio.create_task(serve_front(server, sockets=[sock], handle_signals=False))
    await started(server, task)
    task.cancel()
    await asyncio.sleep(0)  # it is waiting for the server to exit now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not any(t.name == THREAD_NAME for t in threading.enumerate())
    sock.close()


async def test_a_port_in_use_is_raised_to_the_caller(stack: Stack) -> None:
    with socket.socket() as taken:
        taken.bind((LOCALHOST, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        app = front_app(create_app(stack.engine), stack.engine, api_secret="")
        server = uvicorn.Server(
            uvicorn.Config(app, host=LOCALHOST, port=port, log_config=None, lifespan="off")
        )
        with pytest.raises(SystemExit):
            await serve_front(server)
