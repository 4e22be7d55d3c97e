"""``create_app(engine)``: the FastAPI application over one Engine."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from mjcore.api import errors
from mjcore.api.auth import require_secret
from mjcore.api.routes import submit, system, tasks
from mjcore.engine import Engine


def create_app(engine: Engine, *, api_secret: str = "") -> FastAPI:
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
    app.include_router(mj)
    app.include_router(system.router)
    errors.install(app)
    return app
