"""What the simulated Discord knows: snowflakes, users, guilds, channels, messages, files."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

DISCORD_EPOCH_MS = 1420070400000
SNOWFLAKE_TIMESTAMP_SHIFT = 22

MJ_APPLICATION_ID = "936929561302675456"
NIJI_APPLICATION_ID = "1022952195194359889"
MJ_BOT_AVATAR = "f6ce562a6b4979c4b1cbc5b436d3be76"
BOT_PUBLIC_FLAGS = 589824

CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1

MESSAGE_DEFAULT = 0
MESSAGE_REPLY = 19
MESSAGE_CHAT_INPUT_COMMAND = 20

FLAG_EPHEMERAL = 64
FLAG_LOADING = 128

MJ_BOT_USER: Json = {
    "id": MJ_APPLICATION_ID,
    "username": "Midjourney Bot",
    "discriminator": "9282",
    "global_name": None,
    "avatar": MJ_BOT_AVATAR,
    "avatar_decoration_data": None,
    "public_flags": BOT_PUBLIC_FLAGS,
    "flags": BOT_PUBLIC_FLAGS,
    "bot": True,
    "banner": None,
    "accent_color": None,
    "banner_color": None,
    "clan": None,
    "primary_guild": None,
}

NIJI_BOT_USER: Json = {
    **MJ_BOT_USER,
    "id": NIJI_APPLICATION_ID,
    "username": "niji・journey Bot",
    "discriminator": "5942",
}


class SnowflakeGenerator:
    """Time-based Discord snowflakes, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next_int(self) -> int:
        now_ms = int(time.time() * 1000)
        value = (now_ms - DISCORD_EPOCH_MS) << SNOWFLAKE_TIMESTAMP_SHIFT
        with self._lock:
            if value <= self._last:
                value = self._last + 1
            self._last = value
        return value

    def next(self) -> str:
        return str(self.next_int())


def snowflake_time(snowflake: str) -> datetime:
    ms = (int(snowflake) >> SNOWFLAKE_TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def iso_timestamp(moment: datetime) -> str:
    """Discord's timestamp format: ``2023-03-10T16:29:14.383000+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def make_user_token(user_id: str) -> str:
    """A token shaped like a real user token (base64 id . stamp . hmac)."""
    head = base64.b64encode(user_id.encode()).decode().rstrip("=")
    stamp = base64.urlsafe_b64encode(secrets.token_bytes(4)).decode().rstrip("=")
    tail = base64.urlsafe_b64encode(secrets.token_bytes(27)).decode().rstrip("=")
    return f"{head}.{stamp}.{tail}"


@dataclass(slots=True)
class UserRecord:
    user_id: str
    username: str
    token: str
    revoked: bool = False
    remix: bool = False
    mode: str = "fast"
    # "pending_mod" | "blocked" | "subscription_required" | "credits_exhausted" | None
    account_state: str | None = None
    heartbeat_acks: bool = True

    def public(self) -> Json:
        return {
            "id": self.user_id,
            "username": self.username,
            "global_name": self.username,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "primary_guild": None,
            "clan": None,
        }


@dataclass(frozen=True, slots=True)
class SimAccount:
    token: str
    user_id: str
    username: str
    guild_id: str
    channel_id: str
    dm_channel_id: str


@dataclass(slots=True)
class GuildRecord:
    guild_id: str
    name: str
    owner_id: str
    member_ids: set[str] = field(default_factory=set)
    channel_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ChannelRecord:
    channel_id: str
    type: int
    name: str
    guild_id: str | None = None
    recipient_ids: set[str] = field(default_factory=set)  # DM only
    last_message_id: str | None = None


@dataclass(slots=True)
class StoredMessage:
    message_id: str
    channel_id: str
    payload: Json  # the REST shape (no nonce, no guild_id, no member)
    ephemeral: bool = False
    nonce: str | None = None
    session_ids: tuple[str, ...] = ()  # ephemeral messages go only to these sessions
    viewer_id: str | None = None  # ephemeral messages are visible to this user only
    deleted: bool = False


@dataclass(slots=True)
class StoredFile:
    attachment_id: str
    folder_id: str  # channel id (or command id for ephemeral-attachments)
    filename: str
    data: bytes
    content_type: str
    ephemeral: bool = False
    job_id: str | None = None
    expired: bool = False
    dimensions: tuple[int, int] | None = None  # width, height; read from the data when None


@dataclass(slots=True)
class PendingUpload:
    upload_filename: str  # "<uuid>/<name>"
    filename: str
    channel_id: str
    user_id: str
    data: bytes | None = None
    content_type: str = "application/octet-stream"


class SimState:
    """Plain data store; every mutation happens on the event loop thread."""

    def __init__(self) -> None:
        self.snowflakes = SnowflakeGenerator()
        self.users: dict[str, UserRecord] = {}
        self.users_by_token: dict[str, UserRecord] = {}
        self.accounts: dict[str, SimAccount] = {}  # by user id
        self.guilds: dict[str, GuildRecord] = {}
        self.channels: dict[str, ChannelRecord] = {}
        self.messages: dict[str, StoredMessage] = {}
        self.history: dict[str, list[str]] = {}  # channel id -> message ids, oldest first
        self.files: dict[str, StoredFile] = {}  # by attachment id
        self.uploads: dict[str, PendingUpload] = {}  # by upload_filename

    # --- lookups ---------------------------------------------------------------------------
    def user_for_token(self, token: str | None) -> UserRecord | None:
        if not token:
            return None
        user = self.users_by_token.get(token)
        if user is None or user.revoked:
            return None
        return user

    def can_access(self, user_id: str, channel_id: str) -> bool:
        channel = self.channels.get(channel_id)
        if channel is None:
            return False
        if channel.type == CHANNEL_DM:
            return user_id in channel.recipient_ids
        guild = self.guilds.get(channel.guild_id or "")
        return guild is not None and user_id in guild.member_ids

    def channel_viewers(self, channel_id: str) -> set[str]:
        channel = self.channels.get(channel_id)
        if channel is None:
            return set()
        if channel.type == CHANNEL_DM:
            return set(channel.recipient_ids)
        guild = self.guilds.get(channel.guild_id or "")
        return set(guild.member_ids) if guild else set()

    def guild_id_of(self, channel_id: str) -> str | None:
        channel = self.channels.get(channel_id)
        return channel.guild_id if channel else None

    def visible_message(
        self, user_id: str, channel_id: str, message_id: str
    ) -> StoredMessage | None:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            return None
        if message.ephemeral and message.viewer_id != user_id:
            return None
        return message

    # --- mutations -------------------------------------------------------------------------
    def add_guild(self, guild_id: str, owner_id: str) -> GuildRecord:
        guild = self.guilds.get(guild_id)
        if guild is None:
            guild = GuildRecord(
                guild_id=guild_id, name=f"sim-guild-{guild_id[-4:]}", owner_id=owner_id
            )
            self.guilds[guild_id] = guild
        return guild

    def add_channel(self, channel: ChannelRecord) -> ChannelRecord:
        existing = self.channels.get(channel.channel_id)
        if existing is not None:
            return existing
        self.channels[channel.channel_id] = channel
        self.history[channel.channel_id] = []
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channel_ids.append(channel.channel_id)
        return channel

    def store_message(self, message: StoredMessage) -> None:
        self.messages[message.message_id] = message
        if not message.ephemeral:
            self.history.setdefault(message.channel_id, []).append(message.message_id)
            channel = self.channels.get(message.channel_id)
            if channel is not None:
                channel.last_message_id = message.message_id

    def channel_messages(self, channel_id: str) -> list[StoredMessage]:
        """Non-ephemeral, non-deleted messages, oldest first."""
        ids = self.history.get(channel_id, [])
        found = (self.messages[mid] for mid in ids)
        return [m for m in found if not m.deleted]
