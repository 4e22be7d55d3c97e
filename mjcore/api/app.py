"""``create_app(engine)``: the FastAPI application over one Engine."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from mjcore.api import errors
from mjcore.api.auth import require_secret
from mjcore.api.compat import CompatOptions, compat_routers
from mjcore.api.routes import accounts, submit, system, tasks
from mjcore.engine import Engine


def create_app(
    engine: Engine, *, api_secret: str = "", compat: CompatOptions | None = None
) -> FastAPI:
    """The REST API over ``engine``. The compat APIs' watcher (callbacks, hooks) is owned by
    the caller: keep ``CompatWatcher(engine, options=compat)`` open while serving."""
    app = FastAPI(
        title="mjbridge",
        summary="Midjourney over a midjourney-proxy compatible REST API",
        docs_url="/mj/docs",
        openapi_url="/mj/openapi.json",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.api_secret = api_secret
    mj = APIRouter(prefix="/mj", dependencies=[Depends(require_secret)])
    mj.include_router(submit.router)
    mj.include_router(tasks.router)
    mj.include_router(accounts.router)
    app.include_router(mj)
    for router in compat_routers(compat):
        app.include_router(router)
    app.include_router(system.router)
    errors.install(app)
    return app
