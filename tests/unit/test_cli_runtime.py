"""``mjbridge``'s runtime choices: uvloop when installed, no access log line per request at INFO."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
import uvloop
from fastapi import FastAPI

from bot.cli import ACCESS_LOGGER, CLIENT_LOGGERS, loop_factory, quiet_access_log
from bot.collector import freeze_imported_objects, freeze_startup_objects

START_TIMEOUT = 10.0


def test_the_loop_is_uvloop_when_installed() -> None:
    factory = loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


@pytest.fixture
def logging_state() -> Iterator[logging.Logger]:
    """The access logger as a fresh process has it (no handler, propagating; its own level lets
    every record through, whatever earlier tests did to its parents), restored after."""
    root = logging.getLogger()
    access = logging.getLogger(ACCESS_LOGGER)
    saved = (root.level, access.level, access.propagate, list(access.handlers))
    clients = {name: logging.getLogger(name).level for name in CLIENT_LOGGERS}
    for name in CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    access.setLevel(logging.DEBUG)
    access.propagate = True
    access.handlers = []
    try:
        yield access
    finally:
        root.setLevel(saved[0])
        access.setLevel(saved[1])
        access.propagate = saved[2]
        access.handlers = saved[3]
        for name, level in clients.items():
            logging.getLogger(name).setLevel(level)


async def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Serve one request with uvicorn (as ``bot.app`` configures it); the access log records."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # the request waits in the backlog until uvicorn accepts it
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(timeout=START_TIMEOUT) as client:
            response = await client.get(f"http://127.0.0.1:{port}/ping")
        assert response.json() == {"pong": "yes"}
    finally:
        server.should_exit = True
        async with asyncio.timeout(START_TIMEOUT):
            await serving
        sock.close()
    return [r for r in caplog.records if r.name in (ACCESS_LOGGER, *CLIENT_LOGGERS)]


async def test_no_access_line_at_info(
    logging_state: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger().setLevel(logging.INFO)
    quiet_access_log(logging.INFO)
    assert not logging_state.propagate
    with caplog.at_level(logging.INFO):
        assert await access_records(caplog) == []


async def test_access_lines_at_debug(
    logging_state: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    quiet_access_log(logging.DEBUG)
    assert logging_state.propagate
    with caplog.at_level(logging.DEBUG):
        records = await access_records(caplog)
    assert [r.getMessage().split('"')[1] for r in records if r.name == ACCESS_LOGGER] == [
        "GET /ping HTTP/1.1"
    ]
    assert any(r.name == "httpx" and "/ping" in r.getMessage() for r in records)


def test_imported_objects_are_frozen() -> None:
    gc.unfreeze()
    try:
        freeze_imported_objects()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_startup_objects_are_frozen() -> None:
    gc.unfreeze()
    made_at_startup = [[i] for i in range(1000)]  # tracked containers, alive while serving
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() >= len(made_at_startup)
    finally:
        gc.unfreeze()
