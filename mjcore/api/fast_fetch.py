"""``GET /mj/task/{id}/fetch`` answered in front of FastAPI's router.

Clients poll this route more than all the others together (midjourney-proxy clients fetch each
running task every second or so), and FastAPI's routing, dependency solving and exception
plumbing cost several times the fetch itself. ``FastFetch`` answers exactly that request with the
route's own answer (``routes.tasks.fetch_answer``): the same secret check, bytes and errors. It
hands everything else to the app unchanged, a missing or wrong secret included, so the app still
answers those. The route stays in the app: it documents the operation.
"""

from __future__ import annotations

from re import Pattern

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
        self._path = fetch_pattern(prefix)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            state = scope["app"].state
            task_id = fetch_target(scope, self._path, state.api_secret)
            if task_id is not None:
                try:
                    response = await fetch_answer(state.engine, task_id)
                except MjError as exc:  # as the app's MjError handler answers it
                    response = error_response(exc)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def fetch_pattern(prefix: str) -> Pattern[str]:
    """The fetch route's own pattern under the /mj router's ``prefix``."""
    path, _, _ = compile_path(prefix + FETCH_PATH)
    return path


def fetch_target(scope: Scope, pattern: Pattern[str], secret: str) -> str | None:
    """The task id of an HTTP ``GET`` of the fetch route that carries the API secret (or needs
    none); None for any other request, which the app answers (401 for a wrong secret)."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    match = pattern.match(_route_path(scope))
    if match is None or (secret and not authorised(Headers(scope=scope), secret)):
        return None
    task_id: str = match["task_id"]
    return task_id


def _route_path(scope: Scope) -> str:
    """The request path below the app's mount point (``root_path``), as the router sees it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
