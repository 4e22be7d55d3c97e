"""asyncio + websockets driver around :class:`~mjcore.discord.session.GatewaySession`.

It only moves bytes: frames go into the session, ``data_to_send()`` goes out, heartbeats run in
a task next to the reader, and the session's :class:`ReconnectPlan` decides what happens when a
socket ends (RESUME on ``resume_gateway_url``, IDENTIFY on the base URL, or stop for good).
This is the only mjcore module that imports ``websockets``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidProxy, InvalidURI
from websockets.typing import Origin

from mjcore.discord.backoff import exponential_backoff
from mjcore.discord.compression import GatewayDecodeError, ZlibStreamDecoder, decode_json
from mjcore.discord.session import (
    CloseCode,
    Dispatch,
    GatewayEvent,
    GatewaySession,
    HeartbeatAcked,
    Ready,
    ReconnectPlan,
    ReconnectRequested,
    Resumed,
    SessionInvalidated,
)
from mjcore.errors import GatewayClosedError

log = logging.getLogger(__name__)

API_VERSION: Final = 9
ORIGIN: Final = Origin("https://discord.com")
OPEN_TIMEOUT: Final = 20.0  # seconds for TCP + TLS + websocket handshake
CLOSE_TIMEOUT: Final = 5.0  # seconds to wait for the server's close frame
MAX_MESSAGE_SIZE: Final = 64 * 1024 * 1024  # READY of a busy user account is several MB
NORMAL_CLOSURE: Final = 1000  # ends the Discord session: only used when shutting down
ABNORMAL_CLOSURE: Final = 1006  # no close frame was received
RESUMABLE_CLOSE: Final = int(CloseCode.UNKNOWN_ERROR)  # any 4xxx keeps the session resumable


class GatewayState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    READY = "ready"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    FAILED = "failed"


def gateway_url(base: str, *, compress: bool) -> str:
    """``base`` with the gateway query (``encoding=json&v=9[&compress=zlib-stream]``)."""
    parts = urlsplit(base)
    query = f"encoding=json&v={API_VERSION}"
    if compress:
        query += "&compress=zlib-stream"
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", query, ""))


def upgrade_headers(locale: str) -> dict[str, str]:
    """The extra headers a browser sends when it opens the gateway websocket."""
    language = locale.split("-")[0]
    return {
        "Accept-Encoding": "gzip, deflate, br",
        "Accept-Language": f"{locale},{language};q=0.9",
        "Cache-Control": "no-cache",
        "Pragma": "no-cache",
    }


class _QuietWebsocketsLog(logging.LoggerAdapter[logging.Logger]):
    """Keeps websockets from logging frames at DEBUG: IDENTIFY and RESUME carry the token."""

    def isEnabledFor(self, level: int) -> bool:
        return level > logging.DEBUG and self.logger.isEnabledFor(level)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return f"[account:{self.extra['account'] if self.extra else ''}] {msg}", kwargs


class _Connection:
    """What belongs to one websocket: its decoder, send lock and wake-up event."""

    def __init__(self, ws: ClientConnection, *, compress: bool) -> None:
        self.ws = ws
        self.decoder = ZlibStreamDecoder() if compress else None
        self.send_lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.ready = asyncio.Event()
        self.cause: str | None = None  # why this side closed the socket, if it did


class GatewayClient:
    """Keeps one account's gateway connected until :meth:`close` or a fatal close code."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        user_agent: str,
        on_dispatch: Callable[[str, Mapping[str, Any]], None],
        compress: bool = True,
        account_id: str = "",
        backoff: Callable[[], Iterator[float]] = exponential_backoff,
        ready_timeout: float = 30.0,
        proxy: str | None = None,
        locale: str = "en-US",
    ) -> None:
        self._url = url
        self._user_agent = user_agent
        self._on_dispatch = on_dispatch
        self._compress = compress
        self._account_id = account_id
        self._backoff = backoff
        self._ready_timeout = ready_timeout
        self._proxy = proxy
        self._locale = locale
        self._session = GatewaySession(token, user_agent=user_agent, locale=locale)
        self._ws_log = _QuietWebsocketsLog(log, {"account": account_id})
        self._conn: _Connection | None = None
        self._closing = False
        self._stop = asyncio.Event()
        self._changed = asyncio.Event()
        self._failure: GatewayClosedError | None = None
        self.state = GatewayState.IDLE
        self.reason = ""
        self.reconnects = 0

    # --- public view ---------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        """The real id of the current gateway session (interactions must carry it)."""
        return self._session.session_id

    @property
    def user_id(self) -> str | None:
        return self._session.user_id

    @property
    def connected(self) -> bool:
        """True while the current socket has seen READY or RESUMED."""
        return self.state is GatewayState.READY

    @property
    def latency(self) -> float | None:
        return self._session.latency

    # --- lifecycle -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Connect and reconnect until :meth:`close`; raise GatewayClosedError on a fatal close."""
        delays: Iterator[float] | None = None
        try:
            while not self._closing:
                self._set_state(GatewayState.CONNECTING)
                close_code, was_ready, cause = await self._connect_once(self._next_url())
                plan = self._session.connection_lost(close_code)
                if self._closing:
                    break
                if plan is ReconnectPlan.STOP:
                    self.reason = self._session.reason
                    self._fail(close_code)
                self.reason = cause or self._session.reason
                if was_ready or delays is None:
                    delays = self._backoff()
                delay = next(delays)
                self.reconnects += 1
                self._set_state(GatewayState.RECONNECTING)
                log.warning(
                    "gateway disconnected, %s in %.2fs [account:%s] %s",
                    plan.value,
                    delay,
                    self._account_id,
                    self.reason,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), delay)
        finally:
            if self.state is not GatewayState.FAILED:
                self._set_state(GatewayState.CLOSED)

    async def wait_ready(self, timeout: float) -> None:
        """Wait until the gateway is READY (or RESUMED); raise GatewayClosedError if it stopped."""
        async with asyncio.timeout(timeout):
            while not self.connected:
                if self._failure is not None:
                    raise GatewayClosedError(
                        self._failure.message,
                        code=self._failure.code,
                        account_id=self._account_id,
                    )
                if self.state is GatewayState.CLOSED:
                    raise GatewayClosedError(
                        "gateway client is closed", code=None, account_id=self._account_id
                    )
                await self._changed.wait()

    async def close(self) -> None:
        """Stop reconnecting and close the current socket (this ends the Discord session)."""
        self._closing = True
        self._stop.set()
        conn = self._conn
        if conn is not None:
            await conn.ws.close(NORMAL_CLOSURE, "closing")
        if self.state is GatewayState.IDLE:
            self._set_state(GatewayState.CLOSED)

    # --- one connection ------------------------------------------------------------------------

    def _next_url(self) -> str:
        resume_url = self._session.resume_url
        base = resume_url if self._session.can_resume and resume_url else self._url
        return gateway_url(base, compress=self._compress)

    async def _connect_once(self, url: str) -> tuple[int | None, bool, str | None]:
        """Serve one socket; return (close code or None, whether it got ready, our own cause)."""
        try:
            async with connect(
                url,
                origin=ORIGIN,
                additional_headers=upgrade_headers(self._locale),
                user_agent_header=self._user_agent,
                proxy=self._proxy,
                open_timeout=OPEN_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                ping_interval=None,
                max_size=MAX_MESSAGE_SIZE,
                logger=self._ws_log,
            ) as ws:
                conn = _Connection(ws, compress=self._compress)
                self._conn = conn
                log.info("gateway connected [account:%s url:%s]", self._account_id, url)
                try:
                    await self._serve(conn)
                finally:
                    self._conn = None
                    if self.state is GatewayState.READY:
                        self._set_state(GatewayState.CONNECTING)
                    if not self._closing:
                        # leaving the block would close with 1000 and end the Discord session
                        await ws.close(RESUMABLE_CLOSE, "reconnecting")
        except InvalidURI as exc:
            self.reason = f"invalid gateway URL: {exc}"
            self._fail(None)
        except (OSError, TimeoutError, InvalidHandshake, InvalidProxy) as exc:
            log.warning("gateway connect failed [account:%s] %r", self._account_id, exc)
            return None, False, f"connect failed: {exc!r}"
        code = ws.close_code
        return (None if code == ABNORMAL_CLOSURE else code), conn.ready.is_set(), conn.cause

    async def _serve(self, conn: _Connection) -> None:
        loop = asyncio.get_running_loop()
        self._session.connection_opened(loop.time())
        async with asyncio.TaskGroup() as tg:
            helpers = (
                tg.create_task(self._heartbeat(conn)),
                tg.create_task(self._ready_watchdog(conn)),
                tg.create_task(self._close_on_stop(conn)),
            )
            try:
                await self._read(conn)
            finally:
                for helper in helpers:
                    helper.cancel()

    async def _read(self, conn: _Connection) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for message in conn.ws:
                if conn.decoder is not None and isinstance(message, bytes):
                    payload = conn.decoder.feed(message)
                    if payload is None:
                        continue
                else:
                    payload = decode_json(message)
                events = self._session.receive(payload, loop.time())
                conn.wake.set()
                await self._flush(conn)
                for event in events:
                    await self._handle(conn, event)
        except GatewayDecodeError as exc:
            await self._close_for(conn, f"undecodable frame: {exc}")
        except ConnectionClosed:
            pass

    async def _handle(self, conn: _Connection, event: GatewayEvent) -> None:
        match event:
            case Dispatch(name=name, data=data):
                try:
                    self._on_dispatch(name, data)
                except Exception:
                    log.exception(
                        "dispatch handler failed [account:%s event:%s]", self._account_id, name
                    )
            case Ready(session_id=session_id, user_id=user_id):
                log.info(
                    "gateway ready [account:%s session:%s user:%s]",
                    self._account_id,
                    session_id,
                    user_id,
                )
                self._mark_ready(conn)
            case Resumed():
                log.info(
                    "gateway resumed [account:%s session:%s seq:%s]",
                    self._account_id,
                    self._session.session_id,
                    self._session.seq,
                )
                self._mark_ready(conn)
            case ReconnectRequested():
                log.info("gateway asked to reconnect [account:%s]", self._account_id)
                await self._close_for(conn, None)
            case SessionInvalidated(resumable=resumable):
                log.warning(
                    "gateway session invalidated [account:%s resumable:%s]",
                    self._account_id,
                    resumable,
                )
                await self._close_for(conn, None)
            case HeartbeatAcked():
                pass

    async def _heartbeat(self, conn: _Connection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            at = self._session.next_heartbeat_at()
            delay = None if at is None else max(0.0, at - loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await conn.wake.wait()
            conn.wake.clear()
            if not self._session.tick(loop.time()):
                log.warning("gateway heartbeat not acknowledged [account:%s]", self._account_id)
                await self._close_for(conn, None)
                return
            try:
                await self._flush(conn)
            except ConnectionClosed:
                return

    async def _ready_watchdog(self, conn: _Connection) -> None:
        try:
            async with asyncio.timeout(self._ready_timeout):
                await conn.ready.wait()
        except TimeoutError:
            cause = f"no READY within {self._ready_timeout:g}s"
            log.warning("gateway %s [account:%s]", cause, self._account_id)
            await self._close_for(conn, cause)

    async def _close_on_stop(self, conn: _Connection) -> None:
        await self._stop.wait()
        await conn.ws.close(NORMAL_CLOSURE, "closing")

    async def _flush(self, conn: _Connection) -> None:
        async with conn.send_lock:
            for payload in self._session.data_to_send():
                await conn.ws.send(json.dumps(payload, separators=(",", ":")))

    async def _close_for(self, conn: _Connection, cause: str | None) -> None:
        """Close this socket with a code that keeps the session resumable."""
        conn.cause = cause
        await conn.ws.close(RESUMABLE_CLOSE, "reconnecting")

    # --- state ---------------------------------------------------------------------------------

    def _mark_ready(self, conn: _Connection) -> None:
        conn.ready.set()
        self.reason = ""
        self._set_state(GatewayState.READY)

    def _fail(self, close_code: int | None) -> None:
        reason = self.reason or self._session.reason
        self._failure = GatewayClosedError(
            f"gateway closed for good: {reason}", code=close_code, account_id=self._account_id
        )
        self.reason = reason
        self._set_state(GatewayState.FAILED)
        log.error("gateway stopped [account:%s] %s", self._account_id, reason)
        raise self._failure

    def _set_state(self, state: GatewayState) -> None:
        self.state = state
        self._changed.set()
        self._changed = asyncio.Event()
