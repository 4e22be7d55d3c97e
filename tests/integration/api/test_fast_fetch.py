"""``FastFetch`` answers ``GET /mj/task/{id}/fetch`` exactly as the app does without it.

Every request is sent to two apps over the same engine: the app as ``create_app`` builds it and
the same app with the ``FastFetch`` middleware taken out, so the route answers. Status, headers
and bytes must be equal, for the requests the middleware answers and for those it passes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from mjcore.api.app import create_app
from mjcore.api.errors import error_body
from mjcore.api.fast_fetch import FastFetch
from mjcore.engine import Engine, EngineOptions
from mjcore.errors import MjError
from mjcore.models import SubmitCode, TaskStatus
from mjcore.store.sqlite import SqliteTaskStore
from tests.integration.actions_helpers import run, submit
from tests.integration.api.conftest import PUBLIC_URL
from tests.integration.conftest import Stack, endpoints_for, wait_for_task

SECRET = "fetch-secret"


def without_fast_fetch(app: FastAPI) -> FastAPI:
    """``app`` answered by its router alone (before its first request builds the stack)."""
    kept = [m for m in app.user_middleware if m.cls is not FastFetch]  # type: ignore[comparison-overlap]
    app.user_middleware = kept
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)


async def answers(
    engine: Engine, requests: list[tuple[str, str, dict[str, str]]], *, api_secret: str = ""
) -> list[tuple[Any, Any]]:
    """(with FastFetch, without) for each ``(method, path, headers)``."""
    fast_app = create_app(engine, api_secret=api_secret)
    plain_app = without_fast_fetch(create_app(engine, api_secret=api_secret))
    found = []
    async with client(fast_app) as fast, client(plain_app) as plain:
        for method, path, headers in requests:
            pair = []
            for api in (fast, plain):
                response = await api.request(method, path, headers=headers)
                pair.append(
                    (response.status_code, response.headers.multi_items(), response.content)
                )
            found.append((pair[0], pair[1]))
    return found


async def test_same_answers_as_the_route(stack: Stack) -> None:
    done = await run(stack.api, "/mj/submit/imagine", {"prompt": "a fast fox --v 7"})
    stack.sim.faults.pause_bot()
    waiting = await submit(stack.api, "/mj/submit/imagine", {"prompt": "a waiting fox"})
    running = await wait_for_task(
        stack.engine, waiting["result"], lambda t: t.status is not TaskStatus.NOT_START
    )
    assert not running.is_final  # the paused bot holds it there while both apps answer
    secret = {"mj-api-secret": SECRET}
    paths = [
        f"/mj/task/{done['id']}/fetch",
        f"/mj/task/{waiting['result']}/fetch",
        f"/mj/task/{done['id']}/fetch?limit=1",
        "/mj/task/unknown-id/fetch",
        "/mj/task/%E4%B8%AD%20x/fetch",
        "/mj/task/a%2Fb/fetch",
        "/mj/task//fetch",
        f"/mj/task/{done['id']}/fetch/",
    ]
    requests: list[tuple[str, str, dict[str, str]]] = [("GET", p, {}) for p in paths]
    requests += [
        ("HEAD", paths[0], {}),
        ("POST", paths[0], {}),
        ("GET", paths[0], {"content-length": str(10**12)}),
    ]
    pairs = await answers(stack.engine, requests)
    for (method, path, _), (fast, plain) in zip(requests, pairs, strict=True):
        assert fast == plain, (method, path)
    statuses = [fast[0] for fast, _ in pairs]
    assert statuses[:4] == [200, 200, 200, 404]
    assert statuses[-3:] == [405, 405, 413]

    secured = [
        ("GET", paths[0], {}),
        ("GET", paths[0], {"mj-api-secret": "wrong"}),
        ("GET", paths[0], secret),
        ("GET", "/mj/task/unknown-id/fetch", secret),
    ]
    pairs = await answers(stack.engine, secured, api_secret=SECRET)
    for (method, path, _), (fast, plain) in zip(secured, pairs, strict=True):
        assert fast == plain, (method, path)
    assert [fast[0] for fast, _ in pairs] == [401, 401, 200, 404]
    stack.sim.faults.resume_bot()


async def test_a_store_error_answers_like_the_app(stack: Stack, tmp_path: Path) -> None:
    """An engine whose store is not open: code 9 from the app's MjError handler, both ways."""
    closed = Engine(
        store=SqliteTaskStore(tmp_path / "closed.db"),
        accounts=[],
        endpoints=endpoints_for(stack.sim),
        options=EngineOptions(public_url=PUBLIC_URL),
    )
    try:
        await closed.get("1")
    except MjError as exc:
        refusal = exc
    else:
        raise AssertionError("a store that is not open must refuse")
    [(fast, plain)] = await answers(closed, [("GET", "/mj/task/1/fetch", {})])
    assert fast == plain
    status, _, content = fast
    assert status == 200
    assert httpx.Response(200, content=content).json() == error_body(
        SubmitCode.FAILURE, refusal.message
    )
