"""TypedDicts for the raw Discord JSON that crosses the gateway and REST (user-account API v9).

Only the fields mjbridge reads or writes are declared; Discord sends many more.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# --- gateway envelope and handshake -------------------------------------------------------------


class GatewayPayload(TypedDict):
    op: int
    d: Any
    s: NotRequired[int | None]
    t: NotRequired[str | None]


class HelloData(TypedDict):
    heartbeat_interval: int


class ClientProperties(TypedDict):
    browser: str
    browser_user_agent: str
    browser_version: str
    client_build_number: int
    client_event_source: None
    device: str
    os: str
    referer: str
    referrer_current: str
    referring_domain: str
    referring_domain_current: str
    release_channel: str
    system_locale: str


class Presence(TypedDict):
    activities: list[Any]
    afk: bool
    since: int
    status: str


class ClientState(TypedDict):
    api_code_version: int
    guild_versions: dict[str, Any]
    highest_last_message_id: str
    private_channels_version: str
    read_state_version: int
    user_guild_settings_version: int
    user_settings_version: int


class IdentifyData(TypedDict):
    token: str
    capabilities: int
    properties: ClientProperties
    presence: Presence
    compress: bool
    client_state: ClientState


class ResumeData(TypedDict):
    token: str
    session_id: str
    seq: int | None


class UserPayload(TypedDict, total=False):
    id: str
    username: str
    global_name: str | None
    discriminator: str
    avatar: str | None
    bot: bool


class ReadyData(TypedDict, total=False):
    v: int
    user: UserPayload
    session_id: str
    session_type: str
    resume_gateway_url: str
    guilds: list[Any]
    private_channels: list[Any]


# --- dispatch data ------------------------------------------------------------------------------


class AttachmentPayload(TypedDict, total=False):
    id: str
    filename: str
    url: str
    proxy_url: str
    size: int
    width: int | None
    height: int | None
    content_type: str


class EmbedFooterPayload(TypedDict, total=False):
    text: str


class EmbedPayload(TypedDict, total=False):
    title: str
    description: str
    color: int
    footer: EmbedFooterPayload
    image: dict[str, Any]


class ComponentPayload(TypedDict, total=False):
    type: int
    custom_id: str
    label: str
    style: int
    url: str
    emoji: dict[str, Any]
    components: list[ComponentPayload]


class MessageReferencePayload(TypedDict, total=False):
    message_id: str
    channel_id: str
    guild_id: str


class InteractionMetadataPayload(TypedDict, total=False):
    id: str
    type: int
    name: str
    user_id: str
    interacted_message_id: str


class MessagePayload(TypedDict, total=False):
    """``MESSAGE_CREATE`` / ``MESSAGE_UPDATE`` data and REST message objects."""

    id: str
    channel_id: str
    guild_id: str
    type: int
    flags: int
    content: str
    nonce: str | int | None
    author: UserPayload
    application_id: str
    webhook_id: str
    attachments: list[AttachmentPayload]
    embeds: list[EmbedPayload]
    components: list[ComponentPayload]
    message_reference: MessageReferencePayload
    referenced_message: MessagePayload | None
    interaction: dict[str, Any]
    interaction_metadata: InteractionMetadataPayload
    timestamp: str
    edited_timestamp: str | None


class MessageDeletePayload(TypedDict, total=False):
    id: str
    channel_id: str
    guild_id: str


class InteractionEventPayload(TypedDict, total=False):
    """``INTERACTION_CREATE`` / ``_SUCCESS`` / ``_FAILURE`` / ``_MODAL_CREATE`` data."""

    id: str
    nonce: str
    reason_code: int
    custom_id: str
    title: str
    channel_id: str
    application: dict[str, Any]
    components: list[ComponentPayload]


# --- REST ---------------------------------------------------------------------------------------


class ErrorBody(TypedDict, total=False):
    """Every Discord error response (4xx) and 429 body."""

    code: int
    message: str
    errors: dict[str, Any]
    retry_after: float


class UploadRequestFile(TypedDict):
    filename: str
    file_size: int
    id: str


class UploadSlot(TypedDict):
    id: str | int
    upload_url: str
    upload_filename: str


class UploadSlotsResponse(TypedDict):
    attachments: list[UploadSlot]


class UploadedAttachment(TypedDict):
    """An uploaded file referenced from an interaction's or message's ``attachments``."""

    id: str
    filename: str
    uploaded_filename: str
