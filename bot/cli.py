"""The ``mjbridge`` console script: ``serve`` and ``sim``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable

from bot.collector import freeze_imported_objects
from mjcore import redact

ACCESS_LOGGER = "uvicorn.access"
CLIENT_LOGGERS = ("httpx", "httpcore")  # one INFO line per request sent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mjbridge", description="Midjourney from chat and code")
    parser.add_argument("--log-level", default=os.environ.get("MJ_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="engine + REST API + every configured front end")
    serve.add_argument("--sandbox", action="store_true", help="use the built-in simulator")
    sim = sub.add_parser("sim", help="run the Discord + Midjourney simulator alone")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8090)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    redact.install()
    quiet_access_log(logging.getLogger().getEffectiveLevel())
    if args.command == "serve":
        from bot.app import serve
        from mjcore.config import Settings

        runner = serve(Settings(), sandbox=args.sandbox)
    else:
        from mjcore.sim import serve as serve_sim

        runner = serve_sim(args.host, args.port)
    freeze_imported_objects()
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=loop_factory()) as run:
        run.run(runner)
    return 0


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (Linux, macOS), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def quiet_access_log(level: int) -> None:
    """No line per HTTP request served or sent when logging above DEBUG: the access logger gets
    no handler and does not propagate, so the server skips building the line too (uvicorn's
    ``access_log=False``); the HTTP clients' loggers keep only warnings."""
    if level > logging.DEBUG:
        access = logging.getLogger(ACCESS_LOGGER)
        access.handlers = []
        access.propagate = False
        for name in CLIENT_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


if __name__ == "__main__":
    raise SystemExit(main())
