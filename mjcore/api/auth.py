"""``mj-api-secret`` header check, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request, status
from starlette.datastructures import Headers

SECRET_HEADER = "mj-api-secret"


def secret_matches(given: bytes, secret: str) -> bool:
    """Constant-time comparison of the header's raw bytes with the UTF-8 secret.

    Both sides are hashed first, so the time does not depend on the secret's length either.
    """
    expected = hashlib.sha256(secret.encode("utf-8")).digest()
    return hmac.compare_digest(hashlib.sha256(given).digest(), expected)


def authorised(headers: Headers, secret: str) -> bool:
    """True when the first ``mj-api-secret`` header carries ``secret`` (MJ_API_SECRET, set)."""
    given = headers.get(SECRET_HEADER, "").encode("latin-1")  # the raw header bytes
    return secret_matches(given, secret)


async def require_secret(request: Request) -> None:
    """401 unless MJ_API_SECRET is empty or the header carries it (``async``: checked on the
    event loop, no thread hand-off)."""
    secret: str = request.app.state.api_secret
    if secret and not authorised(request.headers, secret):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing or wrong {SECRET_HEADER}")
