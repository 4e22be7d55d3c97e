"""A REST client in its own process that fetches each task as soon as it is told it is final
(``python -m bench.fetchproc '<json>'``).

Config: ``host`` and ``port`` of the API, ``connections`` (keep-alive connections to it). The
ready line carries ``notify_port``: a TCP port on 127.0.0.1 that takes task ids, one per line.
For each id the client sends ``GET /mj/task/{id}/fetch`` at once and notes ``time.time()`` when
the answer arrived, so a client of the API, not the process under test, pays for its own
requests and loop turns.

Commands: ``seen`` (``expect``: how many answers to wait for, ``timeout``): task id -> when its
fetch answered SUCCESS, plus ``answered`` (all answers) and ``errors``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bench.procs import Json, child_config, run_fast, serve_commands
from bench.rawhttp import RawClient

LOCALHOST = "127.0.0.1"
SUCCESS = "SUCCESS"


class Fetcher:
    """Fetches the ids read from notify connections; records when SUCCESS was answered."""

    def __init__(self, api: RawClient) -> None:
        self.api = api
        self.seen: dict[str, float] = {}
        self.answered = 0
        self.errors: list[str] = []
        self._changed = asyncio.Event()
        self._fetches: set[asyncio.Task[None]] = set()

    async def listen(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                fetch = asyncio.create_task(self._fetch(line.decode().strip()))
                self._fetches.add(fetch)
                fetch.add_done_callback(self._fetches.discard)
        finally:
            writer.close()

    async def _fetch(self, task_id: str) -> None:
        try:
            _, body = await self.api.get_json(f"/mj/task/{task_id}/fetch")
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self.errors.append(f"{task_id}: {type(exc).__name__}")
        else:
            answered = time.time()
            if isinstance(body, dict) and body.get("status") == SUCCESS:
                self.seen[task_id] = answered
            self.answered += 1
        self._changed.set()

    async def wait(self, expect: int, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self.answered + len(self.errors) < expect:
                    self._changed.clear()
                    await self._changed.wait()


async def main() -> None:
    config = child_config()
    api = RawClient(str(config["host"]), int(config["port"]), int(config["connections"]))
    fetcher = Fetcher(api)
    server = await asyncio.start_server(fetcher.listen, LOCALHOST, 0)
    notify_port = server.sockets[0].getsockname()[1]

    async def seen(request: Json) -> Json:
        await fetcher.wait(int(request["expect"]), float(request.get("timeout", 60.0)))
        return {"seen": fetcher.seen, "answered": fetcher.answered, "errors": fetcher.errors}

    async with server:
        try:
            await serve_commands({"notify_port": notify_port}, {"seen": seen})
        finally:
            await api.aclose()


if __name__ == "__main__":
    run_fast(main)
