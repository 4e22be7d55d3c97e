"""``mj-api-secret`` header check, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, status


def require_secret(request: Request) -> None:
    secret: str = request.app.state.api_secret
    if not secret:
        return
    given = request.headers.get("mj-api-secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong mj-api-secret")
