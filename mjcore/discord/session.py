"""Sans-I/O Discord gateway session for a user account (h11 / websockets ``Protocol`` style).

Payload dicts and the current time (seconds, any monotonic clock) go in; events and payloads to
send come out. No sockets, no asyncio. The session state (``session_id``, ``seq``,
``resume_url``) outlives each websocket so a new connection can RESUME::

    session.connection_opened(now)
    events = session.receive(payload, now)      # on every decoded frame
    session.tick(now)                           # at next_heartbeat_at(); False = zombie
    for payload in session.data_to_send(): ...  # after every call above
    plan = session.connection_lost(code)        # RESUME, IDENTIFY or STOP (see ``reason``)
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Final

from mjcore.discord.payloads import (
    ClientState,
    IdentifyData,
    Presence,
    ResumeData,
)
from mjcore.discord.properties import client_properties

DEFAULT_CAPABILITIES: Final = 16381
DEFAULT_HEARTBEAT_INTERVAL_MS: Final = 41_250  # what Discord sends in practice
MS_PER_SECOND: Final = 1000.0


class Opcode(IntEnum):
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    RESUME = 6
    RECONNECT = 7
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


_OPCODES: Final = frozenset(Opcode)


class CloseCode(IntEnum):
    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014
    TOO_MANY_SESSIONS = 4015
    CONNECTION_CANCELED = 4016


# Close codes after which reconnecting cannot help; the account needs a person.
FATAL_CLOSE_CODES: Final[Mapping[int, str]] = {
    CloseCode.AUTHENTICATION_FAILED: "authentication failed: the token is invalid or revoked",
    CloseCode.INVALID_SHARD: "invalid shard",
    CloseCode.SHARDING_REQUIRED: "sharding required",
    CloseCode.INVALID_API_VERSION: "invalid API version",
    CloseCode.INVALID_INTENTS: "invalid intents",
    CloseCode.DISALLOWED_INTENTS: "disallowed intents",
}
# Close codes that end the session: reconnect with a fresh IDENTIFY.
SESSION_ENDING_CLOSE_CODES: Final[Mapping[int, str]] = {
    CloseCode.INVALID_SEQ: "invalid sequence on resume",
    CloseCode.SESSION_TIMED_OUT: "session timed out",
}


# --- events returned by GatewaySession.receive ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Any op 0 event, in the order received (READY and RESUMED included)."""

    name: str
    data: Mapping[str, Any]
    seq: int | None


@dataclass(frozen=True, slots=True)
class Ready:
    session_id: str
    resume_url: str | None
    user_id: str | None


@dataclass(frozen=True, slots=True)
class Resumed:
    pass


@dataclass(frozen=True, slots=True)
class ReconnectRequested:
    """op 7: close this socket and RESUME on a new one."""


@dataclass(frozen=True, slots=True)
class SessionInvalidated:
    """op 9: close this socket; RESUME if ``resumable`` else IDENTIFY."""

    resumable: bool


@dataclass(frozen=True, slots=True)
class HeartbeatAcked:
    latency: float | None = None


GatewayEvent = Dispatch | Ready | Resumed | ReconnectRequested | SessionInvalidated | HeartbeatAcked


class ReconnectPlan(StrEnum):
    RESUME = "resume"
    IDENTIFY = "identify"
    STOP = "stop"


def identify_payload(
    token: str, *, user_agent: str, capabilities: int, locale: str
) -> dict[str, Any]:
    """op 2 as the Discord web client sends it for a user account (no ``intents``)."""
    presence: Presence = {"activities": [], "afk": False, "since": 0, "status": "online"}
    client_state: ClientState = {
        "api_code_version": 0,
        "guild_versions": {},
        "highest_last_message_id": "0",
        "private_channels_version": "0",
        "read_state_version": 0,
        "user_guild_settings_version": -1,
        "user_settings_version": -1,
    }
    data: IdentifyData = {
        "token": token,
        "capabilities": capabilities,
        "properties": client_properties(user_agent, locale=locale),
        "presence": presence,
        "compress": False,
        "client_state": client_state,
    }
    return {"op": Opcode.IDENTIFY.value, "d": data}


class GatewaySession:
    """Gateway protocol state for one account across any number of websocket connections."""

    def __init__(
        self,
        token: str,
        *,
        user_agent: str,
        capabilities: int = DEFAULT_CAPABILITIES,
        locale: str = "en-US",
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._token = token
        self._user_agent = user_agent
        self._capabilities = capabilities
        self._locale = locale
        self._random = random
        # state that outlives sockets
        self._session_id: str | None = None
        self._resume_url: str | None = None
        self._seq: int | None = None
        self._user_id: str | None = None
        self._reason = ""
        # state of the current socket
        self._open = False
        self._handshake: Opcode | None = None
        self._interval: float | None = None
        self._next_beat: float | None = None
        self._awaiting_ack = False
        self._beat_sent_at: float | None = None
        self._latency: float | None = None
        self._cause: str | None = None
        self._outbox: list[dict[str, Any]] = []

    # --- state ---------------------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        return self._session_id

    @property
    def resume_url(self) -> str | None:
        return self._resume_url

    @property
    def seq(self) -> int | None:
        return self._seq

    @property
    def user_id(self) -> str | None:
        return self._user_id

    @property
    def reason(self) -> str:
        """Why the last connection ended (set by ``connection_lost``)."""
        return self._reason

    @property
    def heartbeat_interval(self) -> float | None:
        """Seconds between heartbeats on the current connection (after HELLO)."""
        return self._interval

    @property
    def latency(self) -> float | None:
        """Seconds between the last heartbeat and its ACK."""
        return self._latency

    @property
    def can_resume(self) -> bool:
        return self._session_id is not None

    # --- connection lifecycle ------------------------------------------------------------------

    def connection_opened(self, now: float) -> None:
        """A new socket is open: IDENTIFY or RESUME goes out when HELLO arrives."""
        self._reset_connection()
        self._open = True
        self._handshake = Opcode.RESUME if self.can_resume else Opcode.IDENTIFY

    def connection_lost(self, close_code: int | None) -> ReconnectPlan:
        """The socket is gone (``close_code`` from the close frame, ``None`` if none): what next."""
        cause = self._cause
        self._reset_connection()
        if close_code is not None and close_code in FATAL_CLOSE_CODES:
            self._reason = f"closed with {close_code}: {FATAL_CLOSE_CODES[close_code]}"
            return ReconnectPlan.STOP
        if close_code is not None and close_code in SESSION_ENDING_CLOSE_CODES:
            self._clear_session()
            self._reason = f"closed with {close_code}: {SESSION_ENDING_CLOSE_CODES[close_code]}"
            return ReconnectPlan.IDENTIFY
        if cause is None:
            cause = "connection lost" if close_code is None else f"closed with {close_code}"
        self._reason = cause
        return ReconnectPlan.RESUME if self.can_resume else ReconnectPlan.IDENTIFY

    # --- receiving -----------------------------------------------------------------------------

    def receive(self, payload: Mapping[str, Any], now: float) -> list[GatewayEvent]:
        """Handle one decoded gateway payload; unknown opcodes are ignored."""
        if not self._open:
            raise RuntimeError("receive() before connection_opened()")
        raw_op = payload.get("op")
        if not isinstance(raw_op, int) or raw_op not in _OPCODES:
            return []
        op = Opcode(raw_op)
        data = payload.get("d")
        match op:
            case Opcode.DISPATCH:
                return self._on_dispatch(payload, data)
            case Opcode.HELLO:
                self._on_hello(data, now)
            case Opcode.HEARTBEAT:
                self._queue_heartbeat(now)
            case Opcode.HEARTBEAT_ACK:
                self._awaiting_ack = False
                if self._beat_sent_at is not None:
                    self._latency = now - self._beat_sent_at
                return [HeartbeatAcked(self._latency)]
            case Opcode.RECONNECT:
                self._cause = "server asked to reconnect (op 7)"
                return [ReconnectRequested()]
            case Opcode.INVALID_SESSION:
                resumable = data is True
                if not resumable:
                    self._clear_session()
                self._cause = f"session invalidated (op 9, resumable={str(resumable).lower()})"
                return [SessionInvalidated(resumable)]
            case _:
                pass
        return []

    def _on_dispatch(self, payload: Mapping[str, Any], data: Any) -> list[GatewayEvent]:
        seq = payload.get("s")
        if isinstance(seq, int) and not isinstance(seq, bool):
            self._seq = seq
        else:
            seq = None
        name = payload.get("t")
        if not isinstance(name, str):
            return []
        body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        events: list[GatewayEvent] = []
        if name == "READY":
            events.append(self._on_ready(body))
        elif name == "RESUMED":
            events.append(Resumed())
        events.append(Dispatch(name, body, seq))
        return events

    def _on_ready(self, data: Mapping[str, Any]) -> Ready:
        session_id = data.get("session_id")
        resume_url = data.get("resume_gateway_url")
        user = data.get("user")
        user_id = user.get("id") if isinstance(user, Mapping) else None
        self._session_id = session_id if isinstance(session_id, str) and session_id else None
        self._resume_url = resume_url if isinstance(resume_url, str) and resume_url else None
        self._user_id = str(user_id) if user_id is not None else None
        return Ready(self._session_id or "", self._resume_url, self._user_id)

    def _on_hello(self, data: Any, now: float) -> None:
        interval_ms = data.get("heartbeat_interval") if isinstance(data, Mapping) else None
        if not isinstance(interval_ms, int | float) or interval_ms <= 0:
            interval_ms = DEFAULT_HEARTBEAT_INTERVAL_MS
        self._interval = interval_ms / MS_PER_SECOND
        self._next_beat = now + self._interval * self._random()
        if self._handshake is Opcode.RESUME and self._session_id is not None:
            resume: ResumeData = {
                "token": self._token,
                "session_id": self._session_id,
                "seq": self._seq,
            }
            self._outbox.append({"op": Opcode.RESUME.value, "d": resume})
        elif self._handshake is not None:
            self._outbox.append(
                identify_payload(
                    self._token,
                    user_agent=self._user_agent,
                    capabilities=self._capabilities,
                    locale=self._locale,
                )
            )
        self._handshake = None

    # --- sending -------------------------------------------------------------------------------

    def data_to_send(self) -> list[dict[str, Any]]:
        """Payloads to send, oldest first; calling it empties the queue."""
        outbox, self._outbox = self._outbox, []
        return outbox

    def next_heartbeat_at(self) -> float | None:
        """When ``tick`` should next be called; ``None`` before HELLO or without a socket."""
        return self._next_beat if self._open else None

    def tick(self, now: float) -> bool:
        """Queue a heartbeat if one is due; ``False`` if the previous one was never ACKed."""
        if not self._open or self._next_beat is None or self._interval is None:
            return True
        if now < self._next_beat:
            return True
        if self._awaiting_ack:
            self._cause = "heartbeat not acknowledged (zombie connection)"
            return False
        self._queue_heartbeat(now)
        self._next_beat += self._interval
        if self._next_beat <= now:
            self._next_beat = now + self._interval
        return True

    def _queue_heartbeat(self, now: float) -> None:
        self._outbox.append({"op": Opcode.HEARTBEAT.value, "d": self._seq})
        self._awaiting_ack = True
        self._beat_sent_at = now

    # --- helpers -------------------------------------------------------------------------------

    def _reset_connection(self) -> None:
        self._open = False
        self._handshake = None
        self._interval = None
        self._next_beat = None
        self._awaiting_ack = False
        self._beat_sent_at = None
        self._cause = None
        self._outbox = []

    def _clear_session(self) -> None:
        self._session_id = None
        self._resume_url = None
        self._seq = None
