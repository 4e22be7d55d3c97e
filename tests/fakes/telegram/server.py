"""FakeTelegram: a local Bot API server over real HTTP, plus the API tests use to drive it.

Point aiogram at it with
``AiohttpSession(api=TelegramAPIServer.from_base(fake.url))``: methods are served at
``{url}/bot{token}/{method}`` and files at ``{url}/file/bot{token}/{file_path}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Final, TypeVar

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import (
    BAD_REQUEST,
    NOT_FOUND,
    TOO_MANY_REQUESTS,
    UNAUTHORIZED,
    URL_CONTENT_FAILED,
    ApiError,
    bad_request,
)
from .flood import FloodControl, FloodLimits
from .methods import BotApi
from .model import (
    AnsweredCallback,
    ApiCall,
    BotMessage,
    FakeChat,
    FakeUser,
    InjectedError,
    MessageVersion,
    SentUserMessage,
)
from .params import Params, Upload
from .text import detect_entities
from .wire import BotCommandJson, MessageEntityJson
from .world import ChangeHub, ChatState, World, new_media_group_id, now_unix, text_version

log = logging.getLogger(__name__)

DEFAULT_TOKEN: Final = "123456789:AAFakeTelegramTokenForTests_0123456789"
DEFAULT_BOT_USERNAME: Final = "mjbridge_test_bot"
DEFAULT_BOT_NAME: Final = "MJ Bridge"
HOST: Final = "127.0.0.1"
STARTUP_TIMEOUT: Final = 10.0
SHUTDOWN_TIMEOUT: Final = 10.0
GRACEFUL_SHUTDOWN_SECONDS: Final = 3
DEFAULT_WAIT: Final = 5.0
HTTP_TIMEOUT: Final = 10.0
WEBHOOK_RETRY_SECONDS: Final = 0.5
MAX_FORM_PART_BYTES: Final = 1024 * 1024
MAX_FORM_FILES: Final = 50
MAX_FORM_FIELDS: Final = 1000
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
HTTP_OK_FIRST: Final = 200
HTTP_OK_LAST: Final = 299
INTERNAL_ERROR: Final = 500

T = TypeVar("T")
ChatRef = FakeChat | int


def _chat_id(chat: ChatRef) -> int:
    return chat.id if isinstance(chat, FakeChat) else chat


class _DroppedConnection(Response):
    """Headers promising a body, then the connection closes: the client sees a network error."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": HTTP_OK_FIRST,
                "headers": [(b"content-length", b"64"), (b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"ok":', "more_body": True})
        raise ConnectionAbortedError("connection dropped by the test")


class FakeTelegram:
    """A stateful, strict fake of the Telegram Bot API served on 127.0.0.1 (port 0).

    Build the world with ``user``/``private_chat``/``group``, act as users with
    ``send_user_message``/``send_user_album``/``press_button``, look at the result with
    ``bot_messages``/``calls``/``answered_callbacks``/``flood_429s`` and ``await wait_for(...)``.
    Flood control is on with Telegram's limits unless ``flood=FloodLimits(enabled=False)``.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_name: str = DEFAULT_BOT_NAME,
        privacy_mode: bool = True,
        flood: FloodLimits | None = None,
        speedup: float = 1.0,
        fetch_urls: bool = False,
        callback_timeout: float | None = None,
    ) -> None:
        """``speedup``: Telegram seconds per real second for flood control (100 = 100x faster);
        keep request latency x speedup well under a second, or use ``advance_time`` instead.

        ``fetch_urls``: let send* methods download http(s) URLs (api.telegram.org would fetch
        them; off by default because a loopback URL would never work against the real one).
        ``callback_timeout``: real seconds after which answerCallbackQuery fails as too old.
        """
        self.token = token
        self.bot = FakeUser(
            id=int(token.split(":", 1)[0]),
            first_name=bot_name,
            is_bot=True,
            username=bot_username,
        )
        self.speedup = speedup
        self._time_offset = 0.0
        self._hub = ChangeHub()
        self._world = World(self.bot, self._hub, privacy_mode=privacy_mode)
        self._flood = FloodControl(flood or FloodLimits())
        self._started_at = time.monotonic()
        self._api = BotApi(
            self._world,
            self._flood,
            self._hub,
            clock=self._telegram_clock,
            fetch_url=self._fetch_url if fetch_urls else None,
            callback_timeout=callback_timeout,
        )
        self.internal_errors: list[str] = []
        self.dropped: list[str] = []  # methods whose connection was dropped (see drop_next)
        self._drops: list[tuple[str, str]] = []  # (method, text its media or caption holds)
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._server_task: asyncio.Task[None] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL for ``TelegramAPIServer.from_base``."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not running")
        return f"http://{HOST}:{self._port}"

    async def __aenter__(self) -> FakeTelegram:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))
        sock.listen()
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(),
            lifespan="off",
            ws="none",
            http="h11",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._server_task = asyncio.create_task(self._server.serve(sockets=[sock]))
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if self._server_task.done():
                await self._server_task
                raise RuntimeError("fake Telegram server stopped during startup")
            if time.monotonic() > deadline:
                raise TimeoutError("fake Telegram server did not start")
            await asyncio.sleep(0.01)
        self._http = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
        self._webhook_task = asyncio.create_task(self._webhook_loop())
        log.debug("fake Telegram listening [url:%s bot:%s]", self.url, self.bot.username)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._hub.close()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._server is not None and self._server_task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._server_task, SHUTDOWN_TIMEOUT)
        if self._http is not None:
            await self._http.aclose()
        self._port = None
        if exc_type is None and self.internal_errors:
            raise AssertionError(f"fake Telegram failed internally: {self.internal_errors}")

    def _telegram_clock(self) -> float:
        return (time.monotonic() - self._started_at) * self.speedup + self._time_offset

    def advance_time(self, seconds: float) -> None:
        """Move Telegram's clock (flood control) forward without sleeping."""
        self._time_offset += seconds
        self._hub.notify()

    # -- HTTP -----------------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    async def _api_endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return JSONResponse(
                ApiError(UNAUTHORIZED, "Unauthorized").payload(), status_code=UNAUTHORIZED
            )
        try:
            params = await _read_params(request)
        except ApiError as exc:
            return JSONResponse(exc.payload(), status_code=exc.error_code)
        drop = self._drop_for(method, params)
        if drop is not None:
            self._drops.remove(drop)
            self.dropped.append(method)
            return _DroppedConnection()
        body, status = await self._execute(method, params)
        return JSONResponse(body, status_code=status)

    async def _execute(self, method: str, params: Params) -> tuple[dict[str, Any], int]:
        """Run one method, log it and build Telegram's answer."""
        files = tuple(sorted(params.files))
        try:
            result = await self._api.call(method, params)
        except ApiError as exc:
            if exc.error_code == TOO_MANY_REQUESTS:
                self._world.flood_429s += 1
            self._world.record_call(
                ApiCall(
                    method=method,
                    params=params.logged(),
                    files=files,
                    ok=False,
                    error_code=exc.error_code,
                    description=exc.description,
                )
            )
            return exc.payload(), exc.error_code
        except Exception as exc:
            log.exception("fake Telegram bug [method:%s]", method)
            self.internal_errors.append(f"{method}: {exc!r}")
            description = f"Internal Server Error: {exc!r}"
            self._world.record_call(
                ApiCall(method, params.logged(), files, False, INTERNAL_ERROR, description)
            )
            return {"ok": False, "error_code": INTERNAL_ERROR, "description": description}, (
                INTERNAL_ERROR
            )
        self._world.record_call(
            ApiCall(method=method, params=params.logged(), files=files, ok=True)
        )
        return {"ok": True, "result": result}, HTTP_OK_FIRST

    async def _file_endpoint(self, request: Request) -> Response:
        stored = self._world.files.by_path(request.path_params["path"])
        if request.path_params["token"] != self.token or stored is None:
            return JSONResponse(ApiError(NOT_FOUND, "Not Found").payload(), status_code=NOT_FOUND)
        return Response(stored.data, media_type=stored.mime_type or "application/octet-stream")

    async def _fetch_url(self, url: str, limit: int) -> bytes:
        assert self._http is not None
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise bad_request(URL_CONTENT_FAILED) from exc
        if (
            not HTTP_OK_FIRST <= response.status_code <= HTTP_OK_LAST
            or len(response.content) > limit
        ):
            raise bad_request(URL_CONTENT_FAILED)
        return response.content

    async def _webhook_loop(self) -> None:
        while not self._hub.closing:
            webhook = self._world.webhook
            pending = self._world.pending(1) if webhook is not None else []
            if webhook is None or not pending:
                await self._hub.wait(DEFAULT_WAIT)
                continue
            update = pending[0]
            headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
            assert self._http is not None
            try:
                response = await self._http.post(webhook.url, json=update, headers=headers)
            except httpx.HTTPError as exc:
                webhook.last_error_date = now_unix()
                webhook.last_error_message = f"Connection failed: {exc!r}"
                await self._hub.wait(WEBHOOK_RETRY_SECONDS)
                continue
            if not HTTP_OK_FIRST <= response.status_code <= HTTP_OK_LAST:
                webhook.last_error_date = now_unix()
                webhook.last_error_message = (
                    f"Wrong response from the webhook: {response.status_code} "
                    f"{response.reason_phrase}"
                )
                await self._hub.wait(WEBHOOK_RETRY_SECONDS)
                continue
            self._world.confirm(update["update_id"] + 1)
            await self._webhook_reply(response)

    async def _webhook_reply(self, response: httpx.Response) -> None:
        """Telegram runs a method returned in the webhook response body."""
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            values = {key: value for key, value in body.items() if key != "method"}
            await self._execute(body["method"], Params(values=values))

    # -- building the world ---------------------------------------------------------------

    def user(
        self,
        first_name: str = "Alice",
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """A new Telegram user."""
        return self._world.new_user(
            first_name,
            language_code=language_code,
            username=username,
            last_name=last_name,
            is_bot=False,
        )

    def other_bot(self, username: str, first_name: str = "Other bot") -> FakeUser:
        """Another bot account (for groups with several bots)."""
        return self._world.new_user(
            first_name, language_code=None, username=username, last_name=None, is_bot=True
        )

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat of ``user`` with the bot (as if the user pressed Start)."""
        return self._world.private_chat(user)

    def group(
        self,
        title: str = "Test group",
        *,
        members: Sequence[FakeUser] = (),
        admins: Sequence[FakeUser] = (),
        owner: FakeUser | None = None,
        other_bots: Sequence[FakeUser] = (),
        supergroup: bool = True,
        username: str | None = None,
        bot_is_admin: bool = False,
    ) -> FakeChat:
        """A group (a supergroup unless ``supergroup=False``) that the bot is a member of."""
        return self._world.new_group(
            title,
            supergroup=supergroup,
            username=username,
            owner=owner,
            admins=tuple(admins),
            members=tuple(members),
            other_bots=tuple(other_bots),
            bot_is_admin=bot_is_admin,
        )

    def set_admins(
        self, chat: ChatRef, admins: Sequence[FakeUser], *, bot_is_admin: bool | None = None
    ) -> None:
        state = self._world.state(_chat_id(chat))
        state.admins = {user.id for user in admins}
        state.members |= state.admins
        if bot_is_admin is not None:
            state.bot_is_admin = bot_is_admin

    def block_bot(self, user: FakeUser, *, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends get 403."""
        self._world.state(self._world.private_chat(user).id).blocked = blocked

    def kick_bot(self, chat: ChatRef) -> None:
        self._world.state(_chat_id(chat)).bot_kicked = True

    @property
    def privacy_mode(self) -> bool:
        """Group privacy mode (BotFather /setprivacy); off = every group message is delivered."""
        return self._world.privacy_mode

    @privacy_mode.setter
    def privacy_mode(self, enabled: bool) -> None:
        self._world.privacy_mode = enabled

    @property
    def mentions_bypass_privacy(self) -> bool:
        """Deliver ``@bot`` mentions in privacy mode (Telegram does not; off by default)."""
        return self._world.mentions_bypass_privacy

    @mentions_bypass_privacy.setter
    def mentions_bypass_privacy(self, enabled: bool) -> None:
        self._world.mentions_bypass_privacy = enabled

    # -- the user side --------------------------------------------------------------------

    def send_user_message(
        self,
        chat: ChatRef,
        user: FakeUser,
        text: str | None = None,
        *,
        reply_to: int | None = None,
        entities: Sequence[MessageEntityJson] | None = None,
        photo: bytes | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        document: bytes | None = None,
        document_name: str = "image.png",
    ) -> SentUserMessage:
        """``user`` writes in ``chat``; the update is queued unless privacy mode hides it."""
        state = self._user_chat(chat, user)
        if sum(item is not None for item in (text, photo, document)) != 1:
            raise ValueError("give exactly one of text, photo or document")
        if text is not None:
            version = text_version(
                text,
                entities=tuple(entities) if entities is not None else None,
                method="user",
            )
        else:
            version = self._user_media(photo, document, document_name, caption, entities)
        return self._world.user_message(
            state, user, version, reply_to=reply_to, media_group_id=media_group_id
        )

    def send_user_album(
        self, chat: ChatRef, user: FakeUser, photos: Sequence[bytes], caption: str | None = None
    ) -> list[SentUserMessage]:
        """An album: one message per photo sharing a media_group_id, caption on the first."""
        group_id = new_media_group_id()
        return [
            self.send_user_message(
                chat,
                user,
                photo=data,
                caption=caption if index == 0 else None,
                media_group_id=group_id,
            )
            for index, data in enumerate(photos)
        ]

    def _user_chat(self, chat: ChatRef, user: FakeUser) -> ChatState:
        chat_id = _chat_id(chat)
        if chat_id == user.id:
            self._world.private_chat(user)
        return self._world.state(chat_id)

    def _user_media(
        self,
        photo: bytes | None,
        document: bytes | None,
        document_name: str,
        caption: str | None,
        entities: Sequence[MessageEntityJson] | None,
    ) -> MessageVersion:
        caption_entities = (
            tuple(entities) if entities is not None else detect_entities(caption or "")
        )
        try:
            if photo is not None:
                sizes = self._world.files.add_photo(photo)
                return MessageVersion(
                    kind="photo",
                    date=now_unix(),
                    method="user",
                    caption=caption,
                    caption_entities=caption_entities,
                    photo=tuple(item.photo_size() for item in sizes),
                )
            assert document is not None
            stored = self._world.files.add_document(document, document_name)
        except ApiError as exc:
            raise ValueError(f"Telegram would refuse this upload: {exc.description}") from exc
        return MessageVersion(
            kind="document",
            date=now_unix(),
            method="user",
            caption=caption,
            caption_entities=caption_entities,
            document=stored.document(),
        )

    def press_button(
        self, chat: ChatRef, user: FakeUser, message_id: int, callback_data: str
    ) -> str:
        """``user`` taps an inline button of a bot message; returns the callback query id."""
        state = self._world.state(_chat_id(chat))
        return self._world.press_button(state, user, message_id, callback_data)

    # -- inspection -----------------------------------------------------------------------

    def bot_messages(self, chat: ChatRef) -> list[BotMessage]:
        """Every message the bot sent in ``chat`` (deleted ones flagged), oldest first."""
        return self._world.bot_messages(_chat_id(chat))

    def bot_message(self, chat: ChatRef, message_id: int) -> BotMessage:
        for message in self.bot_messages(chat):
            if message.message_id == message_id:
                return message
        raise LookupError(f"bot sent no message {message_id} in chat {_chat_id(chat)}")

    def file_bytes(self, file_id: str) -> bytes:
        stored = self._world.files.get(file_id)
        if stored is None:
            raise LookupError(f"unknown file_id {file_id}")
        return stored.data

    @property
    def calls(self) -> list[ApiCall]:
        """Every Bot API request so far, in order."""
        return list(self._world.calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self._world.calls if call.method.lower() == method.lower()]

    @property
    def flood_429s(self) -> int:
        """How many 429 answers were sent."""
        return self._world.flood_429s

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        return list(self._world.answered)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        return len(self._world.updates)

    @property
    def long_polls_waiting(self) -> int:
        """getUpdates requests currently held open."""
        return self._api.waiting_polls

    @property
    def webhook_url(self) -> str | None:
        webhook = self._world.webhook
        return webhook.url if webhook is not None else None

    def chat_actions(self, chat: ChatRef) -> list[str]:
        chat_id = _chat_id(chat)
        return [item.action for item in self._world.chat_actions if item.chat_id == chat_id]

    def commands(
        self,
        scope: str = "default",
        *,
        chat: ChatRef | None = None,
        user: FakeUser | None = None,
        language_code: str = "",
    ) -> list[BotCommandJson]:
        """The command list stored for exactly this scope and language."""
        key = (scope, _chat_id(chat) if chat is not None else None, user.id if user else None)
        return list(self._world.commands.get((key, language_code), []))

    def visible_commands(self, chat: ChatRef, user: FakeUser) -> list[BotCommandJson]:
        """The menu ``user`` sees in ``chat``, resolved in the Bot API's documented order."""
        state = self._world.state(_chat_id(chat))
        chat_id = state.chat.id
        if state.chat.is_private:
            scopes: list[tuple[str, int | None, int | None]] = [
                ("chat", chat_id, None),
                ("all_private_chats", None, None),
            ]
        else:
            scopes = [("chat_member", chat_id, user.id)]
            if user.id in state.admins or user.id == state.owner_id:
                scopes.append(("chat_administrators", chat_id, None))
            scopes.append(("chat", chat_id, None))
            if user.id in state.admins or user.id == state.owner_id:
                scopes.append(("all_chat_administrators", None, None))
            scopes.append(("all_group_chats", None, None))
        scopes.append(("default", None, None))
        language = user.language_code or ""
        for scope in scopes:
            for lang in dict.fromkeys((language, "")):
                found = self._world.commands.get((scope, lang))
                if found:
                    return list(found)
        return []

    # -- steering -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = BAD_REQUEST,
        description: str = "Bad Request: injected failure",
        retry_after: int | None = None,
        chat: ChatRef | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (optionally for one chat) with an error."""
        for _ in range(times):
            self._world.injected.append(
                InjectedError(
                    method=method,
                    error_code=error_code,
                    description=description,
                    retry_after=retry_after,
                    chat_id=_chat_id(chat) if chat is not None else None,
                )
            )

    def drop_next(self, method: str, *, holding: str = "", times: int = 1) -> None:
        """Cut the connection of the next ``times`` calls of ``method`` (whose ``media`` or
        ``caption`` holds ``holding``) halfway through the answer, as a server closing a
        kept-alive connection does; the method does not run."""
        self._drops.extend([(method.lower(), holding)] * times)

    def _drop_for(self, method: str, params: Params) -> tuple[str, str] | None:
        logged = params.logged()  # decoded: JSON parameters may escape non-ASCII text
        shown = f"{logged.get('media', '')} {logged.get('caption', '')}"
        for drop in self._drops:
            name, holding = drop
            if name == method.lower() and holding in shown:
                return drop
        return None

    async def wait_for(self, predicate: Callable[[], T], timeout: float = DEFAULT_WAIT) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every state change); return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [f"{call.method} ok={call.ok}" for call in self._world.calls[-10:]]
                raise TimeoutError(f"condition not met within {timeout}s; last calls: {recent}")
            await self._hub.wait(remaining)


async def _read_params(request: Request) -> Params:
    params = Params(values=dict(request.query_params))
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("Bad Request: can't parse JSON encoded request") from exc
        if not isinstance(body, dict):
            raise bad_request("Bad Request: can't parse JSON encoded request")
        params.values.update(body)
        return params
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(
            max_files=MAX_FORM_FILES,
            max_fields=MAX_FORM_FIELDS,
            max_part_size=MAX_FORM_PART_BYTES,
        ) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    params.files[key] = Upload(field=key, filename=value.filename or key, data=data)
                else:
                    params.values[key] = value
    return params
