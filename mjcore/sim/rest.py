"""Discord REST v9 (and v10) routes a Midjourney client uses, with Discord's error bodies.

Auth is the raw user token in ``Authorization`` (no prefix); anything else is 401
``{"message": "401: Unauthorized", "code": 0}``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import UPLOAD_HOST, Cdn
from mjcore.sim.commands import CommandTable
from mjcore.sim.components import custom_ids
from mjcore.sim.config import SimConfig
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.midjourney import (
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InteractionRequest,
    MidjourneyBot,
)
from mjcore.sim.state import (
    MJ_APPLICATION_ID,
    NIJI_APPLICATION_ID,
    Json,
    PendingUpload,
    SimState,
    UserRecord,
    iso_timestamp,
    snowflake_time,
)

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/v9", "/api/v10")
BOT_APPLICATIONS = frozenset({MJ_APPLICATION_ID, NIJI_APPLICATION_ID})
MAX_NONCE_LENGTH = 25
DEFAULT_MESSAGE_LIMIT = 50
MAX_MESSAGE_LIMIT = 100
MAX_UPLOAD_FILES = 10
RATE_WINDOW_SECONDS = 1.0

UNAUTHORIZED: Json = {"message": "401: Unauthorized", "code": 0}
MISSING_ACCESS: Json = {"message": "Missing Access", "code": 50001}
UNKNOWN_MESSAGE: Json = {"message": "Unknown Message", "code": 10008}
UNKNOWN_CHANNEL: Json = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_GUILD: Json = {"message": "Unknown Guild", "code": 10004}
UNKNOWN_APPLICATION: Json = {"message": "Unknown Application", "code": 10002}
UNKNOWN_COMMAND: Json = {"message": "Unknown application command", "code": 10063}
UNKNOWN_INTERACTION: Json = {"message": "Unknown interaction", "code": 10062}
NOT_FOUND: Json = {"message": "404: Not Found", "code": 0}
INVALID_JSON: Json = {"message": "The request body contains invalid JSON.", "code": 50109}
OUTDATED_COMMAND: Json = {
    "message": "Invalid Form Body",
    "code": 50035,
    "errors": {
        "data": {
            "_errors": [
                {
                    "code": "INTERACTION_APPLICATION_COMMAND_INVALID_VERSION",
                    "message": "This command is outdated, please try again in a few minutes",
                }
            ]
        }
    },
}


def form_error(path: list[str], code: str, message: str) -> Json:
    """A 50035 body with one error at ``path`` (``["data", "custom_id"]``)."""
    errors: Json = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {key: errors}
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}


@dataclass(slots=True)
class RequestRecord:
    method: str
    path: str
    status: int
    at: float  # time.monotonic() when the request arrived
    nonce: str | None = None


class _Reject(Exception):
    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _json(status: int, body: Json, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


class EdgeMiddleware:
    """Records every HTTP request and applies injected faults and the per-token rate limit."""

    def __init__(
        self, app: ASGIApp, *, records: list[RequestRecord], faults: Any, config: SimConfig
    ) -> None:
        self.app = app
        self.records = records
        self.faults = faults
        self.config = config
        self._windows: dict[str, deque[float]] = {}

    def _limited(self, scope: Scope) -> bool:
        if not str(scope.get("path", "")).startswith("/api/"):
            return False
        headers = dict(scope.get("headers") or [])
        token = headers.get(b"authorization", b"").decode("latin-1")
        if not token:
            return False
        now = time.monotonic()
        window = self._windows.setdefault(token, deque())
        while window and now - window[0] > RATE_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.config.rest_requests_per_second:
            return True
        window.append(now)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(scope["method"], scope["path"], 0, time.monotonic())
        self.records.append(record)
        scope.setdefault("state", {})
        fault = self.faults.take_http_fault(scope["path"])
        response: Response | None = None
        if fault is not None and fault.status == 429:
            response = _rate_limited(fault.retry_after, global_=fault.global_)
        elif fault is not None:
            response = _json(
                fault.status, {"message": f"{fault.status}: Internal Server Error", "code": 0}
            )
        elif self._limited(scope):
            response = _rate_limited(RATE_WINDOW_SECONDS, global_=False)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = int(message["status"])
                record.nonce = scope["state"].get("nonce")
            await send(message)

        if response is not None:
            await response(scope, receive, recording_send)
            return
        await self.app(scope, receive, recording_send)


def _rate_limited(retry_after: float, *, global_: bool) -> JSONResponse:
    message = "You are being rate limited." if global_ else "The resource is being rate limited."
    headers = {
        "Retry-After": str(max(1, round(retry_after + 0.4999))),
        "X-RateLimit-Scope": "global" if global_ else "user",
    }
    if global_:
        headers["X-RateLimit-Global"] = "true"
    return _json(429, {"message": message, "retry_after": retry_after, "global": global_}, headers)


class RestApi:
    def __init__(
        self,
        state: SimState,
        config: SimConfig,
        hub: GatewayHub,
        bus: MessageBus,
        cdn: Cdn,
        bot: MidjourneyBot,
        commands: CommandTable,
    ) -> None:
        self.state = state
        self.config = config
        self.hub = hub
        self.bus = bus
        self.cdn = cdn
        self.bot = bot
        self.commands = commands
        self._nonces: set[tuple[str, str]] = set()

    def routes(self) -> list[BaseRoute]:
        table: list[tuple[str, Any, list[str]]] = [
            ("/gateway", self.gateway, ["GET"]),
            ("/users/@me", self.me, ["GET"]),
            ("/users/@me/channels", self.my_channels, ["GET"]),
            ("/users/@me/billing/country-code", self.country_code, ["GET"]),
            ("/users/@me/application-command-index", self.command_index, ["GET"]),
            ("/guilds/{guild_id}/application-command-index", self.command_index, ["GET"]),
            ("/channels/{channel_id}/application-command-index", self.command_index, ["GET"]),
            (
                "/applications/{application_id}/application-command-index",
                self.command_index,
                ["GET"],
            ),
            ("/interactions", self.interactions, ["POST"]),
            ("/channels/{channel_id}/attachments", self.create_uploads, ["POST"]),
            ("/channels/{channel_id}/messages", self.create_message, ["POST"]),
            ("/channels/{channel_id}/messages", self.list_messages, ["GET"]),
            ("/channels/{channel_id}/messages/{message_id}", self.get_message, ["GET"]),
            ("/channels/{channel_id}/messages/{message_id}/ack", self.ack_message, ["POST"]),
            (
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self.react,
                ["PUT"],
            ),
            ("/attachments/refresh-urls", self.refresh_urls, ["POST"]),
            ("/attachments/{upload_filename:path}", self.delete_upload, ["DELETE"]),
        ]
        routes: list[BaseRoute] = []
        for prefix in API_PREFIXES:
            routes.extend(
                Route(prefix + path, self._wrap(handler), methods=methods)
                for path, handler, methods in table
            )
        routes.append(
            Route(
                "/api/{rest:path}",
                self.not_found,
                methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            )
        )
        return routes

    def _wrap(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
            except _Reject as reject:
                return _json(reject.status, reject.body)
            return response

        return endpoint

    # --- helpers ---------------------------------------------------------------------------
    def _user(self, request: Request) -> UserRecord:
        user = self.state.user_for_token(request.headers.get("authorization"))
        if user is None:
            raise _Reject(401, UNAUTHORIZED)
        return user

    def _channel(self, user: UserRecord, channel_id: str) -> None:
        if channel_id not in self.state.channels:
            raise _Reject(404, UNKNOWN_CHANNEL)
        if not self.state.can_access(user.user_id, channel_id):
            raise _Reject(403, MISSING_ACCESS)

    async def _body(self, request: Request) -> Json:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            form = await request.form()
            raw = form.get("payload_json")
            text = raw if isinstance(raw, str) else "{}"
        else:
            text = (await request.body()).decode("utf-8", "replace")
        try:
            body = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise _Reject(400, INVALID_JSON) from exc
        if not isinstance(body, dict):
            raise _Reject(400, INVALID_JSON)
        return body

    # --- simple routes ---------------------------------------------------------------------
    async def gateway(self, request: Request) -> Response:
        return _json(200, {"url": self.hub.public_url})

    async def me(self, request: Request) -> Response:
        user = self._user(request)
        return _json(
            200,
            {
                **user.public(),
                "email": f"{user.username}@example.com",
                "verified": True,
                "mfa_enabled": False,
            },
        )

    async def my_channels(self, request: Request) -> Response:
        user = self._user(request)
        channels = [
            {
                "id": c.channel_id,
                "type": c.type,
                "last_message_id": c.last_message_id,
                "flags": 0,
                "recipients": [{"id": uid} for uid in sorted(c.recipient_ids - {user.user_id})],
            }
            for c in self.state.channels.values()
            if c.guild_id is None and user.user_id in c.recipient_ids
        ]
        return _json(200, channels)  # type: ignore[arg-type]

    async def country_code(self, request: Request) -> Response:
        self._user(request)
        return _json(200, {"country_code": "US"})

    async def command_index(self, request: Request) -> Response:
        user = self._user(request)
        params = request.path_params
        if "guild_id" in params:
            guild = self.state.guilds.get(params["guild_id"])
            if guild is None:
                raise _Reject(404, UNKNOWN_GUILD)
            if user.user_id not in guild.member_ids:
                raise _Reject(403, MISSING_ACCESS)
        if "channel_id" in params:
            self._channel(user, params["channel_id"])
        application_id = params.get("application_id")
        if application_id is not None and application_id not in BOT_APPLICATIONS:
            raise _Reject(404, UNKNOWN_APPLICATION)
        return _json(200, self.commands.index(application_id))

    async def not_found(self, request: Request) -> Response:
        return _json(404, NOT_FOUND)

    # --- interactions ----------------------------------------------------------------------
    async def interactions(self, request: Request) -> Response:
        user = self._user(request)
        body = await self._body(request)
        nonce = body.get("nonce")
        nonce = str(nonce) if nonce is not None else None
        request.state.nonce = nonce
        kind = body.get("type")
        if kind not in (INTERACTION_COMMAND, INTERACTION_COMPONENT, INTERACTION_MODAL_SUBMIT):
            raise _Reject(
                400, form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of {2, 3, 5}.")
            )
        application_id = str(body.get("application_id", ""))
        if application_id not in BOT_APPLICATIONS:
            raise _Reject(404, UNKNOWN_APPLICATION)
        channel_id = str(body.get("channel_id", ""))
        if not channel_id:
            raise _Reject(
                400, form_error(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")
            )
        self._channel(user, channel_id)
        guild_id = self.state.guild_id_of(channel_id)
        sent_guild = body.get("guild_id")
        if sent_guild is not None and str(sent_guild) != (guild_id or ""):
            raise _Reject(403, MISSING_ACCESS)
        if nonce is not None and len(nonce) > MAX_NONCE_LENGTH:
            raise _Reject(
                400, form_error(["nonce"], "BASE_TYPE_BAD_LENGTH", "Must be 25 or fewer in length.")
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise _Reject(400, form_error(["data"], "BASE_TYPE_REQUIRED", "This field is required"))
        command = message = modal = None
        if kind == INTERACTION_COMMAND:
            command = self.commands.by_id(str(data.get("id", "")), application_id)
            if command is None:
                raise _Reject(404, UNKNOWN_COMMAND)
            if str(data.get("version", "")) != command.version:
                raise _Reject(400, OUTDATED_COMMAND)
            self._check_attachments(data)
        elif kind == INTERACTION_COMPONENT:
            message = self.state.visible_message(
                user.user_id, channel_id, str(body.get("message_id", ""))
            )
            if message is None:
                raise _Reject(404, UNKNOWN_MESSAGE)
            if message.payload.get("author", {}).get("id") != application_id:
                raise _Reject(
                    400,
                    form_error(
                        ["application_id"],
                        "INTERACTION_APPLICATION_MISMATCH",
                        "Application does not own this message",
                    ),
                )
            sent_flags = body.get("message_flags", 0)
            if self.config.check_message_flags and sent_flags != message.payload.get("flags", 0):
                raise _Reject(
                    400,
                    form_error(
                        ["message_flags"], "MESSAGE_FLAGS_MISMATCH", "Message flags do not match"
                    ),
                )
            if str(data.get("custom_id", "")) not in custom_ids(
                message.payload.get("components", [])
            ):
                raise _Reject(
                    400,
                    form_error(
                        ["data", "custom_id"],
                        "COMPONENT_VALIDATION_FAILED",
                        "Component validation failed",
                    ),
                )
        else:
            modal = self.bot.modals.get(str(data.get("id", "")))
            if modal is None or modal.user_id != user.user_id:
                raise _Reject(404, UNKNOWN_INTERACTION)
            if str(data.get("custom_id", "")) != modal.custom_id:
                raise _Reject(
                    400,
                    form_error(
                        ["data", "custom_id"],
                        "MODAL_CUSTOM_ID_MISMATCH",
                        "Modal custom id mismatch",
                    ),
                )
        if nonce is not None and self.config.dedupe_nonces:
            key = (user.user_id, nonce)
            if key in self._nonces:
                log.info("interaction nonce re-used [user:%s nonce:%s]", user.user_id, nonce)
                return Response(status_code=204)
            self._nonces.add(key)
        session_id = body.get("session_id")
        interaction_id = self.state.snowflakes.next()
        targets = self.hub.interaction_targets(
            user.user_id, str(session_id) if session_id else None
        )
        req = InteractionRequest(
            interaction_id=interaction_id,
            type=int(kind),
            nonce=nonce,
            user=user,
            channel_id=channel_id,
            guild_id=guild_id,
            application_id=application_id,
            session_id=str(session_id) if session_id else None,
            data=data,
            targets=tuple(targets),
            command=command,
            message=message,
            modal=modal,
        )
        self.hub.dispatch_to(targets, "INTERACTION_CREATE", {"id": interaction_id, "nonce": nonce})
        log.info("interaction accepted [user:%s type:%s id:%s]", user.user_id, kind, interaction_id)
        self.bot.accept(req)
        return Response(status_code=204)

    def _check_attachments(self, data: Json) -> None:
        for i, attachment in enumerate(data.get("attachments", []) or []):
            name = (
                str(attachment.get("uploaded_filename", "")) if isinstance(attachment, dict) else ""
            )
            upload = self.state.uploads.get(name)
            if upload is None or upload.data is None:
                raise _Reject(
                    400,
                    form_error(
                        ["data", "attachments", str(i), "uploaded_filename"],
                        "ATTACHMENT_NOT_FOUND",
                        "Attachment not found",
                    ),
                )

    # --- uploads and messages --------------------------------------------------------------
    async def create_uploads(self, request: Request) -> Response:
        user = self._user(request)
        channel_id = request.path_params["channel_id"]
        self._channel(user, channel_id)
        body = await self._body(request)
        files = body.get("files")
        if not isinstance(files, list) or not 1 <= len(files) <= MAX_UPLOAD_FILES:
            raise _Reject(
                400,
                form_error(
                    ["files"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length."
                ),
            )
        attachments = []
        for i, entry in enumerate(files):
            filename = str(entry.get("filename", "")) if isinstance(entry, dict) else ""
            if not filename:
                raise _Reject(
                    400,
                    form_error(
                        ["files", str(i), "filename"],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    ),
                )
            folder = str(uuid.uuid4())
            upload_filename = f"{folder}/{filename}"
            self.state.uploads[upload_filename] = PendingUpload(
                upload_filename, filename, channel_id, user.user_id
            )
            upload_id = uuid.uuid4().hex + uuid.uuid4().hex
            attachments.append(
                {
                    "id": entry.get("id", str(i)),
                    "upload_url": f"{UPLOAD_HOST}/{folder}/{quote(filename)}?upload_id={upload_id}",
                    "upload_filename": upload_filename,
                }
            )
        return _json(200, {"attachments": attachments})

    async def delete_upload(self, request: Request) -> Response:
        self._user(request)
        self.state.uploads.pop(unquote(request.path_params["upload_filename"]), None)
        return Response(status_code=204)

    async def create_message(self, request: Request) -> Response:
        user = self._user(request)
        channel_id = request.path_params["channel_id"]
        self._channel(user, channel_id)
        body = await self._body(request)
        nonce = body.get("nonce")
        nonce = str(nonce) if nonce is not None else None
        request.state.nonce = nonce
        attachments = []
        for i, entry in enumerate(body.get("attachments", []) or []):
            upload = self.state.uploads.get(str(entry.get("uploaded_filename", "")))
            if upload is None or upload.data is None:
                raise _Reject(
                    400,
                    form_error(
                        ["attachments", str(i), "uploaded_filename"],
                        "ATTACHMENT_NOT_FOUND",
                        "Attachment not found",
                    ),
                )
            filename = str(entry.get("filename") or upload.filename)
            stored = self.cdn.add_file(channel_id, filename, upload.data, upload.content_type)
            attachments.append(self.cdn.attachment(stored))
        content = str(body.get("content", ""))
        if not content and not attachments:
            raise _Reject(400, {"message": "Cannot send an empty message", "code": 50006})
        message_id = self.state.snowflakes.next()
        payload: Json = {
            "type": 0,
            "content": content,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [],
            "timestamp": iso_timestamp(snowflake_time(message_id)),
            "edited_timestamp": None,
            "flags": int(body.get("flags", 0) or 0),
            "components": [],
            "id": message_id,
            "channel_id": channel_id,
            "author": user.public(),
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
        }
        stored_message = self.bus.post(payload, nonce=nonce)
        answer = dict(stored_message.payload)
        if nonce is not None:
            answer["nonce"] = nonce
        return _json(200, answer)

    async def list_messages(self, request: Request) -> Response:
        user = self._user(request)
        channel_id = request.path_params["channel_id"]
        self._channel(user, channel_id)
        query = request.query_params
        try:
            limit = int(query.get("limit", DEFAULT_MESSAGE_LIMIT))
        except ValueError:
            limit = DEFAULT_MESSAGE_LIMIT
        limit = max(1, min(limit, MAX_MESSAGE_LIMIT))
        messages = self.state.channel_messages(channel_id)
        before, after = query.get("before"), query.get("after")
        if before:
            messages = [m for m in messages if int(m.message_id) < int(before)]
            chosen = messages[-limit:]
        elif after:
            messages = [m for m in messages if int(m.message_id) > int(after)]
            chosen = messages[:limit]
        else:
            chosen = messages[-limit:]
        newest_first = [m.payload for m in reversed(chosen)]
        return _json(200, newest_first)  # type: ignore[arg-type]

    async def get_message(self, request: Request) -> Response:
        user = self._user(request)
        channel_id = request.path_params["channel_id"]
        self._channel(user, channel_id)
        message = self.state.visible_message(
            user.user_id, channel_id, request.path_params["message_id"]
        )
        if message is None or message.ephemeral:
            raise _Reject(404, UNKNOWN_MESSAGE)
        return _json(200, message.payload)

    async def ack_message(self, request: Request) -> Response:
        user = self._user(request)
        self._channel(user, request.path_params["channel_id"])
        return _json(200, {"token": None})

    async def react(self, request: Request) -> Response:
        user = self._user(request)
        channel_id = request.path_params["channel_id"]
        self._channel(user, channel_id)
        message = self.state.visible_message(
            user.user_id, channel_id, request.path_params["message_id"]
        )
        if message is None:
            raise _Reject(404, UNKNOWN_MESSAGE)
        emoji = unquote(request.path_params["emoji"])
        event = {
            "user_id": user.user_id,
            "type": 0,
            "message_id": message.message_id,
            "message_author_id": message.payload.get("author", {}).get("id"),
            "emoji": {"id": None, "name": emoji},
            "channel_id": channel_id,
            "burst": False,
        }
        guild_id = self.state.guild_id_of(channel_id)
        if guild_id is not None:
            event["guild_id"] = guild_id
        self.hub.dispatch_to_users(
            self.state.channel_viewers(channel_id), "MESSAGE_REACTION_ADD", event
        )
        self.bot.on_reaction(user, message, emoji)
        return Response(status_code=204)

    async def refresh_urls(self, request: Request) -> Response:
        self._user(request)
        body = await self._body(request)
        refreshed = []
        for url in body.get("attachment_urls", []) or []:
            new = str(url)
            for part in str(url).split("/"):
                stored = self.state.files.get(part)
                if stored is not None and not stored.expired:
                    new = self.cdn.url_of(stored)
                    break
            refreshed.append({"original": url, "refreshed": new})
        return _json(200, {"refreshed_urls": refreshed})
