"""``GET /mj/task/{id}/fetch`` answered in front of FastAPI's router.

Clients poll this route more than all the others together (midjourney-proxy clients fetch each
running task every second or so), and FastAPI's routing, dependency solving and exception
plumbing cost several times the fetch itself. ``FastFetch`` answers exactly that request with the
route's own answer (``routes.tasks.fetch_answer``): the same secret check, bytes and errors. It
hands everything else to the app unchanged, a missing or wrong secret included, so the app still
answers those. The route stays in the app: it documents the operation.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from mjcore.api.auth import authorised
from mjcore.api.errors import error_response
from mjcore.api.routes.tasks import FETCH_PATH, fetch_answer
from mjcore.errors import MjError


class FastFetch:
    """ASGI middleware for the app of ``create_app``; ``prefix`` is the /mj router's prefix."""

    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self._path, _, _ = compile_path(prefix + FETCH_PATH)  # the route's own pattern

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = self._path.match(_route_path(scope))
            if match is not None:
                state = scope["app"].state
                secret: str = state.api_secret
                if not secret or authorised(Headers(scope=scope), secret):
                    try:
                        response = await fetch_answer(state.engine, match["task_id"])
                    except MjError as exc:  # as the app's MjError handler answers it
                        response = error_response(exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The request path below the app's mount point (``root_path``), as the router sees it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
