"""The simulated Discord gateway: one websocket endpoint, sessions that outlive their sockets.

Wire rules reproduced: HELLO first; IDENTIFY accepted before or after it; user IDENTIFY (no
intents) answered with READY (+ READY_SUPPLEMENTAL when capability bit 5 is set); heartbeat ACK
for any ``d``; per-session ``s``; RESUME replays ``s > seq`` then RESUMED; ``compress=zlib-stream``
means one deflate context per connection, ``Z_SYNC_FLUSH`` per payload, one payload per binary
frame. Close codes: 4001 unknown opcode, 4002 decode error or a send over 4096 bytes, 4003 not
authenticated, 4004 bad token, 4005 already authenticated, 4007 bad resume seq, 4008 rate
limited, 4009 session timed out, 4012 bad API version.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import uuid
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

from mjcore.sim.config import SimConfig
from mjcore.sim.state import (
    CHANNEL_GUILD_TEXT,
    MJ_BOT_USER,
    Json,
    SimState,
    UserRecord,
    iso_timestamp,
    snowflake_time,
)

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11
# client opcodes Discord accepts without doing anything the simulator cares about
PASSIVE_CLIENT_OPS = frozenset({3, 4, 8, 13, 14, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29, 31, 32})
PASSIVE_USER_OPS = frozenset({33, 34, 35, 36, 37, 38, 40, 41, 43})

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SEQ = 4007
CLOSE_RATE_LIMITED = 4008
CLOSE_SESSION_TIMED_OUT = 4009
CLOSE_INVALID_API_VERSION = 4012
SESSION_ENDING_CLOSES = frozenset({CLOSE_NORMAL, CLOSE_GOING_AWAY})

SUPPORTED_API_VERSIONS = frozenset({"6", "7", "8", "9", "10"})
CAPABILITY_PRIORITIZED_READY = 1 << 5
API_VERSION_IN_READY = 9


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class _Drop:
    pass


_Outgoing = Json | _Close | _Drop


@dataclass(slots=True, eq=False)
class GatewaySession:
    session_id: str
    user_id: str
    capabilities: int
    buffer: deque[Json]
    seq: int = 0
    connection: GatewayConnection | None = None
    detached_at: float | None = None
    valid: bool = True


@dataclass(slots=True, eq=False)
class GatewayConnection:
    websocket: WebSocket
    deflater: Any | None  # zlib compress object for zlib-stream
    outbox: asyncio.Queue[_Outgoing] = field(default_factory=asyncio.Queue)
    session: GatewaySession | None = None
    sends: deque[float] = field(default_factory=deque)
    last_heartbeat: float = field(default_factory=time.monotonic)
    closing: bool = False
    peer_close_code: int | None = None

    def send(self, payload: Json) -> None:
        if not self.closing:
            self.outbox.put_nowait(payload)

    def close(self, code: int, reason: str = "") -> None:
        if not self.closing:
            self.closing = True
            self.outbox.put_nowait(_Close(code, reason))

    def drop(self) -> None:
        self.closing = True
        self.outbox.put_nowait(_Drop())


def _envelope(op: int, d: Any) -> Json:
    return {"t": None, "s": None, "op": op, "d": d}


class GatewayHub:
    """All gateway sessions and live connections of the simulator."""

    def __init__(self, state: SimState, config: SimConfig) -> None:
        self.state = state
        self.config = config
        self.public_url = "ws://127.0.0.1"
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self._timers: set[asyncio.Task[None]] = set()

    # --- routing ---------------------------------------------------------------------------
    def _usable(self, session: GatewaySession) -> bool:
        if not session.valid:
            return False
        if session.connection is None and session.detached_at is not None:
            expired = (
                time.monotonic() - session.detached_at > self.config.session_resume_ttl_seconds
            )
            if expired:
                session.valid = False
                return False
        return True

    def sessions_for_user(self, user_id: str) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.user_id == user_id and self._usable(s)]

    def interaction_targets(self, user_id: str, session_id: str | None) -> list[GatewaySession]:
        if self.config.interaction_routing == "all":
            return self.sessions_for_user(user_id)
        session = self.sessions.get(session_id or "")
        if session is None or session.user_id != user_id or not self._usable(session):
            return []
        return [session]

    def dispatch(self, session: GatewaySession, event: str, data: Json) -> None:
        session.seq += 1
        payload: Json = {"t": event, "s": session.seq, "op": OP_DISPATCH, "d": data}
        session.buffer.append(payload)
        if session.connection is not None:
            session.connection.send(payload)

    def dispatch_to(self, sessions: list[GatewaySession], event: str, data: Json) -> None:
        for session in sessions:
            self.dispatch(session, event, json.loads(json.dumps(data)))

    def dispatch_to_users(self, user_ids: set[str], event: str, data: Json) -> None:
        targets = [s for uid in sorted(user_ids) for s in self.sessions_for_user(uid)]
        self.dispatch_to(targets, event, data)

    # --- fault hooks -----------------------------------------------------------------------
    def live_connections(self, user_id: str) -> list[GatewayConnection]:
        return [
            c
            for c in self.connections
            if c.session is not None and c.session.user_id == user_id and not c.closing
        ]

    def drop_user(self, user_id: str) -> None:
        for conn in self.live_connections(user_id):
            conn.drop()

    def close_user(self, user_id: str, code: int, reason: str = "") -> None:
        for conn in self.live_connections(user_id):
            conn.close(code, reason)

    def reconnect_user(self, user_id: str) -> None:
        for conn in self.live_connections(user_id):
            conn.send(_envelope(OP_RECONNECT, None))
            self._later(self.config.reconnect_close_delay_seconds, conn, CLOSE_UNKNOWN_ERROR)

    def invalidate_user(self, user_id: str, *, resumable: bool) -> None:
        for conn in self.live_connections(user_id):
            conn.send(_envelope(OP_INVALID_SESSION, resumable))
            if not resumable and conn.session is not None:
                conn.session.valid = False
                conn.session.connection = None
                conn.session = None

    def request_heartbeat(self, user_id: str) -> None:
        for conn in self.live_connections(user_id):
            conn.send(_envelope(OP_HEARTBEAT, None))

    def _later(self, delay: float, conn: GatewayConnection, code: int) -> None:
        async def close_later() -> None:
            await asyncio.sleep(delay)
            conn.close(code, "Reconnect requested")

        task = asyncio.get_running_loop().create_task(close_later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def aclose(self) -> None:
        for task in list(self._timers):
            task.cancel()
        for task in list(self._timers):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- the websocket endpoint ------------------------------------------------------------
    async def serve(self, websocket: WebSocket) -> None:
        params = websocket.query_params
        compress = params.get("compress") == "zlib-stream"
        await websocket.accept()
        conn = GatewayConnection(
            websocket=websocket, deflater=zlib.compressobj() if compress else None
        )
        self.connections.add(conn)
        log.debug("gateway connection opened [compress:%s]", compress)
        version = params.get("v", "9")
        if version not in SUPPORTED_API_VERSIONS:
            conn.close(CLOSE_INVALID_API_VERSION, "Invalid API version")
        else:
            conn.send(
                _envelope(OP_HELLO, {"heartbeat_interval": self.config.heartbeat_interval_ms})
            )
        reader = asyncio.ensure_future(self._read_loop(conn))
        writer = asyncio.ensure_future(self._write_loop(conn))
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
            self._detach(conn)

    def _detach(self, conn: GatewayConnection) -> None:
        self.connections.discard(conn)
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        session.detached_at = time.monotonic()
        if conn.peer_close_code in SESSION_ENDING_CLOSES:
            session.valid = False
        log.debug("gateway session detached [session:%s]", session.session_id)

    async def _write_loop(self, conn: GatewayConnection) -> None:
        ws = conn.websocket
        while True:
            item = await conn.outbox.get()
            if isinstance(item, _Drop):
                return
            try:
                if isinstance(item, _Close):
                    await ws.close(item.code, item.reason)
                    return
                text = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
                if conn.deflater is not None:
                    body = conn.deflater.compress(text.encode()) + conn.deflater.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await ws.send_bytes(body)
                else:
                    await ws.send_text(text)
            except (OSError, RuntimeError):
                return

    def _heartbeat_deadline(self, conn: GatewayConnection) -> float | None:
        factor = self.config.heartbeat_timeout_factor
        if factor is None or conn.closing:
            return None
        return conn.last_heartbeat + self.config.heartbeat_interval_ms / 1000 * factor

    async def _read_loop(self, conn: GatewayConnection) -> None:
        ws = conn.websocket
        while True:
            deadline = self._heartbeat_deadline(conn)
            try:
                if deadline is None:
                    message = await ws.receive()
                else:
                    timeout = max(deadline - time.monotonic(), 0.0)
                    message = await asyncio.wait_for(ws.receive(), timeout)
            except TimeoutError:
                conn.close(self.config.heartbeat_timeout_close_code, "Session timed out")
                if conn.session is not None:
                    conn.session.valid = False
                continue
            if message["type"] == "websocket.disconnect":
                conn.peer_close_code = message.get("code")
                return
            if conn.closing:
                continue
            raw: str | bytes | None = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            self._receive(conn, raw)

    def _receive(self, conn: GatewayConnection, raw: str | bytes) -> None:
        size = len(raw.encode() if isinstance(raw, str) else raw)
        if size > self.config.max_gateway_payload_bytes:
            conn.close(CLOSE_DECODE_ERROR, "Decode error")
            return
        now = time.monotonic()
        window = self.config.gateway_send_window_seconds
        conn.sends.append(now)
        while conn.sends and now - conn.sends[0] > window:
            conn.sends.popleft()
        if len(conn.sends) > self.config.gateway_send_limit:
            conn.close(CLOSE_RATE_LIMITED, "Rate limited")
            return
        try:
            payload = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            conn.close(CLOSE_DECODE_ERROR, "Decode error")
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("op"), int):
            conn.close(CLOSE_DECODE_ERROR, "Decode error")
            return
        self._handle(conn, payload["op"], payload.get("d"))

    def _handle(self, conn: GatewayConnection, op: int, data: Any) -> None:
        if op == OP_HEARTBEAT:
            conn.last_heartbeat = time.monotonic()
            user = self.state.users.get(conn.session.user_id) if conn.session else None
            if user is None or user.heartbeat_acks:
                conn.send(_envelope(OP_HEARTBEAT_ACK, None))
        elif op == OP_IDENTIFY:
            self._identify(conn, data)
        elif op == OP_RESUME:
            self._resume(conn, data)
        elif op in PASSIVE_CLIENT_OPS or op in PASSIVE_USER_OPS:
            if conn.session is None:
                conn.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
        else:
            conn.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    def _authenticate(self, conn: GatewayConnection, data: Any) -> UserRecord | None:
        if conn.session is not None:
            conn.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return None
        token = data.get("token") if isinstance(data, dict) else None
        user = self.state.user_for_token(token if isinstance(token, str) else None)
        if user is None:
            conn.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return None
        return user

    def _identify(self, conn: GatewayConnection, data: Any) -> None:
        user = self._authenticate(conn, data)
        if user is None:
            return
        capabilities = data.get("capabilities", 0)
        session = GatewaySession(
            session_id=secrets.token_hex(16),
            user_id=user.user_id,
            capabilities=capabilities if isinstance(capabilities, int) else 0,
            buffer=deque(maxlen=self.config.replay_buffer_size),
        )
        self.sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        log.info("gateway identified [user:%s session:%s]", user.user_id, session.session_id)
        self.dispatch(session, "READY", self._ready(user, session))
        if session.capabilities & CAPABILITY_PRIORITIZED_READY:
            self.dispatch(session, "READY_SUPPLEMENTAL", self._ready_supplemental(user))

    def _resume(self, conn: GatewayConnection, data: Any) -> None:
        user = self._authenticate(conn, data)
        if user is None:
            return
        session_id = data.get("session_id")
        seq = data.get("seq")
        session = self.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None or session.user_id != user.user_id or not self._usable(session):
            conn.send(_envelope(OP_INVALID_SESSION, False))
            return
        last = seq if isinstance(seq, int) else 0
        if last > session.seq:
            conn.close(CLOSE_INVALID_SEQ, "Invalid seq.")
            return
        oldest = session.buffer[0]["s"] if session.buffer else session.seq + 1
        if last + 1 < oldest:
            conn.send(_envelope(OP_INVALID_SESSION, False))
            session.valid = False
            return
        if session.connection is not None and session.connection is not conn:
            session.connection.drop()
        session.connection = conn
        session.detached_at = None
        conn.session = session
        for payload in list(session.buffer):
            if payload["s"] > last:
                conn.send(payload)
        log.info(
            "gateway resumed [session:%s from:%d to:%d]", session.session_id, last, session.seq
        )
        self.dispatch(session, "RESUMED", {"_trace": ['["gateway-prd-sim",{"micros":0}]']})

    # --- READY payloads --------------------------------------------------------------------
    def _guild_payload(self, guild_id: str, user: UserRecord) -> Json:
        guild = self.state.guilds[guild_id]
        channels: list[Json] = []
        for channel_id in guild.channel_ids:
            channel = self.state.channels[channel_id]
            channels.append(
                {
                    "id": channel.channel_id,
                    "type": CHANNEL_GUILD_TEXT,
                    "name": channel.name,
                    "position": len(channels),
                    "parent_id": None,
                    "permission_overwrites": [],
                    "last_message_id": channel.last_message_id,
                    "topic": None,
                    "nsfw": False,
                    "rate_limit_per_user": 0,
                    "flags": 0,
                }
            )
        return {
            "id": guild.guild_id,
            "properties": {
                "id": guild.guild_id,
                "name": guild.name,
                "owner_id": guild.owner_id,
                "icon": None,
                "features": [],
                "preferred_locale": "en-US",
                "verification_level": 0,
                "nsfw_level": 0,
                "premium_tier": 0,
            },
            "channels": channels,
            "threads": [],
            "roles": [
                {"id": guild.guild_id, "name": "@everyone", "permissions": "2248473465835073"}
            ],
            "emojis": [],
            "stickers": [],
            "member_count": len(guild.member_ids) + 1,
            "large": False,
            "lazy": True,
            "joined_at": iso_timestamp(snowflake_time(guild.guild_id)),
            "premium_subscription_count": 0,
            "data_mode": "full",
            "version": 0,
            "application_command_counts": {"1": 20},
        }

    def _ready(self, user: UserRecord, session: GatewaySession) -> Json:
        guild_ids = sorted(
            g.guild_id for g in self.state.guilds.values() if user.user_id in g.member_ids
        )
        private = [
            {
                "id": c.channel_id,
                "type": c.type,
                "recipient_ids": sorted(c.recipient_ids - {user.user_id}),
                "last_message_id": c.last_message_id,
                "flags": 0,
                "is_spam": False,
            }
            for c in self.state.channels.values()
            if c.guild_id is None and user.user_id in c.recipient_ids
        ]
        me = {
            **user.public(),
            "email": f"{user.username}@example.com",
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "premium_type": 0,
            "phone": None,
            "nsfw_allowed": True,
            "bio": "",
            "banner": None,
            "accent_color": None,
        }
        return {
            "_trace": ['["gateway-prd-sim",{"micros":0}]'],
            "v": API_VERSION_IN_READY,
            "user": me,
            "user_settings_proto": "",
            "session_id": session.session_id,
            "session_type": "normal",
            "static_client_session_id": str(uuid.uuid4()),
            "resume_gateway_url": self.public_url,
            "auth_session_id_hash": secrets.token_urlsafe(32),
            "analytics_token": secrets.token_urlsafe(24),
            "country_code": "US",
            "api_code_version": 1,
            "guilds": [self._guild_payload(gid, user) for gid in guild_ids],
            "private_channels": private,
            "relationships": [],
            "users": [dict(MJ_BOT_USER)],
            "merged_members": [[] for _ in guild_ids],
            "read_state": {"entries": [], "partial": False, "version": 0},
            "user_guild_settings": {"entries": [], "partial": False, "version": 0},
            "sessions": [],
            "connected_accounts": [],
            "experiments": [],
            "guild_experiments": [],
            "geo_ordered_rtc_regions": ["us-east", "us-central"],
            "guild_join_requests": [],
            "notes": {},
            "tutorial": None,
        }

    def _ready_supplemental(self, user: UserRecord) -> Json:
        guild_ids = sorted(
            g.guild_id for g in self.state.guilds.values() if user.user_id in g.member_ids
        )
        return {
            "guilds": [
                {"id": gid, "voice_states": [], "activity_instances": []} for gid in guild_ids
            ],
            "merged_members": [[] for _ in guild_ids],
            "merged_presences": {"guilds": [[] for _ in guild_ids], "friends": []},
            "lazy_private_channels": [],
            "disclose": [],
            "game_invites": [],
        }
