"""``create_app(engine)``: the FastAPI application over one Engine."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from mjcore.api import errors
from mjcore.api.auth import SECRET_HEADER, require_secret
from mjcore.api.compat import CompatOptions, compat_routers
from mjcore.api.fast_fetch import FastFetch
from mjcore.api.limits import BodyLimit
from mjcore.api.openapi import install_openapi
from mjcore.api.responses import ErrorResponse
from mjcore.api.routes import accounts, submit, system, tasks
from mjcore.api.schemas import MAX_BODY_BYTES
from mjcore.engine import Engine

DESCRIPTION = f"""
The midjourney-proxy "plus" REST contract under `/mj`.

- When MJ_API_SECRET is set every `/mj` call needs the header `{SECRET_HEADER}` (401 otherwise).
- Submit and task commands answer HTTP 200 with `{{code, description, result, properties}}`:
  1 accepted, 21 waiting for `/mj/submit/modal`, 22 queued, 23 queue full, 24 banned word,
  3 unknown task or no usable account, 4 invalid input or wrong task state, 9 failure.
- A request that breaks this schema (malformed JSON, wrong types, missing fields, values beyond
  the documented limits) answers HTTP 400 with code 4; a body over {MAX_BODY_BYTES} bytes
  answers 413 with code 4. Nothing is stored for a refused request.
- Final images are kept under MJ_DATA_DIR: a task's `imageUrl` points at `/images/{{id}}` on
  MJ_PUBLIC_URL, Discord's own link stays in `properties.discordImageUrl`.
"""

MJ_PREFIX = "/mj"  # the midjourney-proxy contract's routes
_MJ_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {
        "description": f"MJ_API_SECRET is set and `{SECRET_HEADER}` is missing or wrong",
        "model": ErrorResponse,
    },
    413: {"description": "Body too large: code 4", "model": ErrorResponse},
}

_ACCOUNT_RESPONSES: dict[int | str, dict[str, object]] = {
    404: {"description": "Unknown account: code 3", "model": ErrorResponse},
}


def create_app(
    engine: Engine, *, api_secret: str = "", compat: CompatOptions | None = None
) -> FastAPI:
    """The REST API over ``engine``. The compat APIs' watcher (callbacks, hooks) is owned by
    the caller: keep ``CompatWatcher(engine, options=compat)`` open while serving."""
    app = FastAPI(
        title="mjbridge",
        summary="Midjourney over a midjourney-proxy compatible REST API",
        description=DESCRIPTION,
        docs_url="/mj/docs",
        openapi_url="/mj/openapi.json",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.api_secret = api_secret
    mj = APIRouter(
        prefix=MJ_PREFIX,
        dependencies=[Depends(require_secret)],
        responses=_MJ_RESPONSES,
    )
    mj.include_router(submit.router)
    mj.include_router(tasks.router)
    mj.include_router(accounts.router, responses=_ACCOUNT_RESPONSES)
    app.include_router(mj)
    for router in compat_routers(compat):
        app.include_router(router)
    app.include_router(system.router)
    errors.install(app)
    app.add_middleware(FastFetch, prefix=mj.prefix)  # inside BodyLimit (the later one is outer)
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    install_openapi(app)
    return app
