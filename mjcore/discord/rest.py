"""Discord REST (API v9, user account) over an injected ``httpx.AsyncClient``.

Retry policy, decided per attempt:

- 429: wait ``retry_after`` (body), else ``Retry-After``, else ``X-RateLimit-Reset-After``; retry.
- 5xx, and connection errors raised before the request reached Discord: retry with backoff.
- Other transport errors: retried only for idempotent methods (GET/PUT/DELETE); a POST that may
  have reached Discord is never sent twice.

Errors are mapped at this edge to :mod:`mjcore.errors` (``raise ... from exc``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote, urlsplit

import httpx
import orjson

from mjcore.discord.backoff import exponential_backoff
from mjcore.discord.payloads import ErrorBody, UploadRequestFile
from mjcore.discord.properties import client_properties, super_properties
from mjcore.discord.snowflake import make_nonce
from mjcore.errors import (
    CommandVersionError,
    DiscordAuthError,
    DiscordConnectionError,
    DiscordHTTPError,
    DiscordRateLimitedError,
)

log = logging.getLogger(__name__)

API_PREFIX: Final = "/api/v9"
DEFAULT_BASE_URL: Final = "https://discord.com"
DEFAULT_UPLOAD_SERVER: Final = "https://discord-attachments-uploads-prd.storage.googleapis.com"
INVALID_VERSION_CODE: Final = "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION"
DEFAULT_RETRY_AFTER: Final = 1.0  # seconds, when a 429 names no delay
MAX_RETRY_AFTER: Final = 60.0  # a longer rate limit fails the call instead of holding it
HTTP_TOO_MANY_REQUESTS: Final = 429
HTTP_SERVER_ERROR: Final = 500
HTTP_BAD_REQUEST: Final = 400
JSON_CONTENT_TYPE: Final = "application/json"
AUTH_STATUSES: Final = frozenset({401, 403})
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE"})
# raised before a single byte of the request reached Discord: always safe to retry
CONNECT_ERRORS: Final = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
)

retry_backoff: Callable[[], Iterator[float]] = functools.partial(
    exponential_backoff, base=0.5, factor=2.0, cap=8.0
)


class DiscordRest:
    """The REST calls mjbridge makes as a Discord user."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token: str,
        user_agent: str,
        upload_server: str | None = None,
        account_id: str = "",
        max_retries: int = 5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff: Callable[[], Iterator[float]] = retry_backoff,
        max_retry_after: float = MAX_RETRY_AFTER,
        locale: str = "en-US",
    ) -> None:
        self._client = client
        self._api = base_url.rstrip("/") + API_PREFIX
        self._upload_server = upload_server.rstrip("/") if upload_server else None
        self._account_id = account_id
        self._max_retries = max_retries
        self._sleep = sleep
        self._backoff = backoff
        self._max_retry_after = max_retry_after
        self._user_agent = user_agent
        self._auth_headers = {
            "Authorization": token,
            "User-Agent": user_agent,
            "X-Super-Properties": super_properties(client_properties(user_agent, locale=locale)),
            "X-Discord-Locale": locale,
        }
        self.rate_limited = 0

    # --- endpoints -----------------------------------------------------------------------------

    async def interact(self, payload: Mapping[str, Any]) -> None:
        """``POST /interactions``; Discord answers 204 and reports the outcome on the gateway."""
        await self._request("POST", f"{self._api}/interactions", json=dict(payload))

    async def application_command_index(self, guild_id: str) -> dict[str, Any]:
        """``GET /guilds/{id}/application-command-index``: commands with their current versions."""
        url = f"{self._api}/guilds/{_segment(guild_id)}/application-command-index"
        return _json_object(await self._request("GET", url), self._account_id)

    async def upload(self, channel_id: str, filename: str, data: bytes, content_type: str) -> str:
        """Cloud-upload a file; returns the ``uploaded_filename`` to reference in attachments."""
        file: UploadRequestFile = {"filename": filename, "file_size": len(data), "id": "0"}
        url = f"{self._api}/channels/{_segment(channel_id)}/attachments"
        body = _json_object(
            await self._request("POST", url, json={"files": [file]}), self._account_id
        )
        slots = body.get("attachments")
        slot = slots[0] if isinstance(slots, list) and slots else None
        if not (
            isinstance(slot, dict)
            and isinstance(slot.get("upload_url"), str)
            and isinstance(slot.get("upload_filename"), str)
        ):
            raise DiscordHTTPError(
                "attachment slot response has no upload_url/upload_filename",
                status=200,
                account_id=self._account_id,
            )
        headers = {"Content-Type": content_type, "User-Agent": self._user_agent}
        upload_url = self._rewrite_upload_url(slot["upload_url"])
        await self._request("PUT", upload_url, content=data, headers=headers, authorized=False)
        log.info("file uploaded [account:%s file:%s]", self._account_id, filename)
        return str(slot["upload_filename"])

    async def send_message(
        self,
        channel_id: str,
        content: str,
        attachments: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """``POST /channels/{id}/messages``; returns the created message."""
        body = {
            "content": content,
            "channel_id": channel_id,
            "type": 0,
            "sticker_ids": [],
            "nonce": make_nonce(int(time.time() * 1000)),
            "attachments": [dict(attachment) for attachment in attachments],
        }
        url = f"{self._api}/channels/{_segment(channel_id)}/messages"
        return _json_object(await self._request("POST", url, json=body), self._account_id)

    async def messages(
        self, channel_id: str, *, limit: int = 50, after: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /channels/{id}/messages``, newest first."""
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        url = f"{self._api}/channels/{_segment(channel_id)}/messages"
        body = (await self._request("GET", url, params=params)).json()
        if not isinstance(body, list):
            raise DiscordHTTPError(
                "message list is not a JSON array", status=200, account_id=self._account_id
            )
        return [message for message in body if isinstance(message, dict)]

    async def add_reaction(self, channel_id: str, message_id: str, emoji: str) -> None:
        """React to a message as this user (``PUT .../reactions/{emoji}/@me``)."""
        url = (
            f"{self._api}/channels/{_segment(channel_id)}/messages/{_segment(message_id)}"
            f"/reactions/{_segment(emoji)}/@me"
        )
        await self._request("PUT", url, params={"location": "Message", "type": 0})

    async def post_json(self, url: str, payload: Mapping[str, Any]) -> None:
        """POST JSON to an absolute Discord-owned URL with this account's credentials."""
        await self._request("POST", url, json=dict(payload))

    # --- transport -----------------------------------------------------------------------------

    def _rewrite_upload_url(self, url: str) -> str:
        if self._upload_server and url.startswith(DEFAULT_UPLOAD_SERVER):
            return self._upload_server + url[len(DEFAULT_UPLOAD_SERVER) :]
        return url

    async def _request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        authorized: bool = True,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise a mapped error."""
        request_headers = dict(self._auth_headers) if authorized else {}
        if json is not None:  # orjson: a third of the cost of the request as httpx encodes it
            content = orjson.dumps(json)
            request_headers["Content-Type"] = JSON_CONTENT_TYPE
        request_headers.update(headers or {})
        target = _describe(method, url)
        delays: Iterator[float] | None = None
        attempt = 0
        while True:
            try:
                response = await self._client.request(
                    method, url, content=content, params=params, headers=request_headers
                )
            except CONNECT_ERRORS as exc:
                error: Exception = DiscordConnectionError(
                    f"{target}: cannot connect: {exc!r}", account_id=self._account_id
                )
                cause: Exception = exc
                retryable = True
            except httpx.TransportError as exc:
                error = DiscordConnectionError(
                    f"{target}: connection failed: {exc!r}", account_id=self._account_id
                )
                cause = exc
                retryable = method in IDEMPOTENT_METHODS
            else:
                if response.is_success:
                    return response
                if response.status_code == HTTP_TOO_MANY_REQUESTS:
                    retry_after = self._rate_limited(response, target)
                    if attempt >= self._max_retries or retry_after > self._max_retry_after:
                        raise DiscordRateLimitedError(
                            f"{target}: rate limited, retry after {retry_after:.2f}s",
                            retry_after=retry_after,
                            account_id=self._account_id,
                        )
                    await self._sleep(retry_after)
                    attempt += 1
                    continue
                error = _error_for(response, target, self._account_id, authorized=authorized)
                if response.status_code < HTTP_SERVER_ERROR:
                    raise error
                cause = error
                retryable = True
            if not retryable or attempt >= self._max_retries:
                if cause is error:
                    raise error
                raise error from cause
            if delays is None:
                delays = self._backoff()
            delay = next(delays)
            log.warning(
                "discord request failed, retrying in %.2fs [account:%s attempt:%d] %s",
                delay,
                self._account_id,
                attempt + 1,
                error,
            )
            await self._sleep(delay)
            attempt += 1

    def _rate_limited(self, response: httpx.Response, target: str) -> float:
        self.rate_limited += 1
        retry_after = _retry_after(response)
        log.warning(
            "discord rate limit [account:%s scope:%s global:%s] %s retry after %.2fs",
            self._account_id,
            response.headers.get("X-RateLimit-Scope", "-"),
            response.headers.get("X-RateLimit-Global", "false"),
            target,
            retry_after,
        )
        return retry_after


# --- response helpers --------------------------------------------------------------------------


def _segment(value: str) -> str:
    """One URL path segment (ids, emoji), percent-encoded."""
    return quote(value, safe="")


def _describe(method: str, url: str) -> str:
    """``METHOD /path`` without the query string (signed upload URLs carry secrets there)."""
    return f"{method} {urlsplit(url).path}"


def _json_object(response: httpx.Response, account_id: str) -> dict[str, Any]:
    status = response.status_code
    try:
        body = response.json()
    except ValueError as exc:
        raise DiscordHTTPError(
            f"response is not JSON: {exc}", status=status, account_id=account_id
        ) from exc
    if not isinstance(body, dict):
        raise DiscordHTTPError(
            "response is not a JSON object", status=status, account_id=account_id
        )
    return body


def _error_body(response: httpx.Response) -> ErrorBody:
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    result: ErrorBody = {}
    if isinstance(body.get("code"), int):
        result["code"] = body["code"]
    if isinstance(body.get("message"), str):
        result["message"] = body["message"]
    if isinstance(body.get("errors"), dict):
        result["errors"] = body["errors"]
    if isinstance(body.get("retry_after"), int | float):
        result["retry_after"] = float(body["retry_after"])
    if "captcha_key" in body:
        result["message"] = "captcha required: " + ", ".join(map(str, body["captcha_key"]))
    return result


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait after a 429: body, then ``Retry-After``, then ``X-RateLimit-Reset-After``."""
    body_value = _error_body(response).get("retry_after")
    if body_value is not None and body_value >= 0:
        return body_value
    for header in ("Retry-After", "X-RateLimit-Reset-After"):
        raw = response.headers.get(header)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if value >= 0:
            return value
    return DEFAULT_RETRY_AFTER


def _field_errors(errors: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """``(field path, code, message)`` for every entry of a 50035 ``errors`` tree."""
    if not isinstance(errors, dict):
        return
    for key, value in errors.items():
        if key == "_errors" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield path, str(item.get("code", "")), str(item.get("message", ""))
        else:
            yield from _field_errors(value, f"{path}.{key}" if path else str(key))


def _error_for(
    response: httpx.Response, target: str, account_id: str, *, authorized: bool
) -> DiscordHTTPError:
    status = response.status_code
    body = _error_body(response)
    code = body.get("code")
    message = body.get("message") or response.reason_phrase or "error"
    details = list(_field_errors(body.get("errors")))
    if details:
        message += " (" + "; ".join(f"{path}: {text or err}" for path, err, text in details) + ")"
    text = f"{target}: HTTP {status}: {message}"
    if authorized and status in AUTH_STATUSES:
        return DiscordAuthError(text, status=status, code=code, account_id=account_id)
    if status == HTTP_BAD_REQUEST and any(err == INVALID_VERSION_CODE for _, err, _ in details):
        return CommandVersionError(text, status=status, code=code, account_id=account_id)
    return DiscordHTTPError(text, status=status, code=code, account_id=account_id)
