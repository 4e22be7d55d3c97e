"""Child processes that speak JSON lines, and what /proc says about a process.

A child is ``python -m bench.<module> '<json config>'``. It writes one protocol line (prefixed
with ``@@bench ``) when it is ready, then answers each command line read from stdin with one
protocol line; stdin closing tells it to stop. Anything else on its stdout is ignored and its
stderr goes to a log file.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench.paths import REPO_ROOT

PREFIX = "@@bench "
READY_TIMEOUT_SECONDS = 300.0
CALL_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0
STREAM_LIMIT = 64 * 1024 * 1024  # replies may carry thousands of timestamps

Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[Json]]


class ChildError(RuntimeError):
    """A child process stopped, timed out or answered with an error."""


class Child:
    """``async with Child("bench.simproc", config, log_path) as child: await child.call(...)``."""

    def __init__(self, module: str, config: Mapping[str, Any], log_path: Path) -> None:
        self.module = module
        self.config = dict(config)
        self.log_path = log_path
        self.info: Json = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ChildError(f"{self.module} is not running")
        return self._proc.pid

    async def __aenter__(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                self.module,
                json.dumps(self.config),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log_file,
                cwd=REPO_ROOT,
                limit=STREAM_LIMIT,
            )
        try:
            self.info = await self._reply(READY_TIMEOUT_SECONDS)
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def call(self, command: str, timeout: float = CALL_TIMEOUT_SECONDS, **args: Any) -> Json:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise ChildError(f"{self.module} is not running")
        async with self._lock:
            proc.stdin.write((json.dumps({"cmd": command, **args}) + "\n").encode())
            await proc.stdin.drain()
            return await self._reply(timeout)

    async def _reply(self, timeout: float) -> Json:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await proc.stdout.readline()
                if not line:
                    raise ChildError(f"{self.module} exited (see {self.log_path})")
                text = line.decode("utf-8", "replace")
                if text.startswith(PREFIX):
                    reply: Json = json.loads(text[len(PREFIX) :])
                    if "error" in reply:
                        raise ChildError(f"{self.module}: {reply['error']}")
                    return reply

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def run_child(
    module: str, config: Mapping[str, Any], log_path: Path, timeout: float = CALL_TIMEOUT_SECONDS
) -> Json:
    """Run ``python -m module '<config>'`` to the end; returns the one protocol line it wrote."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            json.dumps(dict(config)),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=log_file,
            cwd=REPO_ROOT,
            limit=STREAM_LIMIT,
        )
    try:
        async with asyncio.timeout(timeout):
            out, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ChildError(f"{module} did not finish within {timeout:g} s") from None
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith(PREFIX):
            reply: Json = json.loads(line[len(PREFIX) :])
            return reply
    raise ChildError(f"{module} exited with {proc.returncode} and no result (see {log_path})")


def run_fast(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a child's ``main`` on uvloop when it is installed (children are not what is measured)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main())
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())


# --- the child side -----------------------------------------------------------------------------


def child_config() -> Json:
    config: Json = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    return config


def send(reply: Mapping[str, Any]) -> None:
    sys.stdout.write(PREFIX + json.dumps(reply) + "\n")
    sys.stdout.flush()


async def serve_commands(info: Mapping[str, Any], handlers: Mapping[str, Handler]) -> None:
    """Announce ``info``, then answer commands from stdin until it closes."""
    send(info)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        request: Json = json.loads(line)
        handler = handlers.get(str(request.get("cmd")))
        if handler is None:
            send({"error": f"unknown command {request.get('cmd')!r}"})
            continue
        try:
            send(await handler(request))
        except Exception as exc:
            send({"error": f"{type(exc).__name__}: {exc}"})


# --- /proc --------------------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# utime and stime are fields 14 and 15 of /proc/<pid>/stat; counted from the state field (3)
_UTIME_INDEX = 11
_STIME_INDEX = 12


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        raw = fh.read()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[_UTIME_INDEX]) + int(fields[_STIME_INDEX])) / _CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (now) and ``VmHWM`` (peak) of the process in KiB."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0])
    return found


@dataclass(slots=True)
class CpuMeter:
    """CPU use of some processes over a window, as a share of one core."""

    pids: dict[str, int]
    _start_cpu: dict[str, float] | None = None
    _start_wall: float = 0.0

    def start(self) -> None:
        self._start_cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        self._start_wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        """Percent of one core each process used since ``start``."""
        assert self._start_cpu is not None
        wall = max(time.monotonic() - self._start_wall, 1e-9)
        return {
            name: 100 * (cpu_seconds(pid) - self._start_cpu[name]) / wall
            for name, pid in self.pids.items()
        }


def describe_cpu(shares: Mapping[str, float]) -> str:
    return ", ".join(f"{name} CPU {share:.0f}%" for name, share in shares.items())
