"""Compat routers: the three other seed APIs as thin adapters over the same Engine.

- Node-style API under ``/api/v1`` (``trigger/submit``, ``task/fetch``, ``task/list``);
- trigger API under ``/v1/api/trigger`` (imagine, buttons, upload, describe; callbacks);
- token API under ``/midjourney`` (tokens with use counts and expiry, jobs, describe, devices).

Wiring: ``for router in compat_routers(options): app.include_router(router)``, and keep a
``CompatWatcher(engine, options=options)`` open while the app serves (hooks, callbacks, refunds).
Wire shapes: ``reference/seed-apis.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from mjcore.api.compat import links
from mjcore.api.compat.node import routes as node_routes
from mjcore.api.compat.options import CompatOptions
from mjcore.api.compat.token import routes as token_routes
from mjcore.api.compat.trigger import routes as trigger_routes
from mjcore.api.compat.watcher import CompatWatcher

__all__ = ["CompatOptions", "CompatWatcher", "compat_routers"]


def compat_routers(options: CompatOptions | None = None) -> list[APIRouter]:
    """Every compat router, plus the image route their links point at."""
    options = options or CompatOptions()
    return [
        node_routes.router,
        trigger_routes.build_router(options),
        token_routes.build_router(options),
        links.router,
    ]
