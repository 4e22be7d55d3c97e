"""The bot's messages: payloads, interaction responses, follow-ups, embeds, modals and acks."""

from __future__ import annotations

import asyncio
import copy

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.config import SimConfig
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.midjourney.interactions import InteractionRequest, command_name, source_message
from mjcore.sim.state import (
    MESSAGE_REPLY,
    MJ_APPLICATION_ID,
    MJ_BOT_USER,
    NIJI_BOT_USER,
    Json,
    SimState,
    StoredMessage,
    iso_timestamp,
    snowflake_time,
)

FAILURE_TIMEOUT = 2  # INTERACTION_FAILURE reason: no answer before the ack deadline
COMMAND_TYPE_CHAT_INPUT = 1


def bot_message(
    message_id: str, channel_id: str, author: Json, *, content: str, type_: int
) -> Json:
    """A bare message payload written by the bot ``author``."""
    return {
        "type": type_,
        "content": content,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "timestamp": iso_timestamp(snowflake_time(message_id)),
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
    }


def rich_embed(
    description: str,
    *,
    title: str | None = None,
    image: Json | None = None,
    footer: str | None = None,
    colour: int = 0,
) -> Json:
    """A ``rich`` embed with Midjourney's key order."""
    embed: Json = {"type": "rich"}
    if title is not None:
        embed["title"] = title
    embed["description"] = description
    if image is not None:
        embed["image"] = image
    if footer is not None:
        embed["footer"] = {"text": footer}
    embed["content_scan_version"] = 0
    embed["color"] = colour
    return embed


class Replies:
    """Writes the bot's side of an interaction: acks, response messages, follow-ups, modals."""

    def __init__(
        self, state: SimState, config: SimConfig, hub: GatewayHub, bus: MessageBus
    ) -> None:
        self.state = state
        self.config = config
        self.hub = hub
        self.bus = bus
        self._acked: set[str] = set()

    # --- acks ------------------------------------------------------------------------------
    def ack(self, req: InteractionRequest) -> None:
        """INTERACTION_SUCCESS, once per interaction."""
        if req.interaction_id in self._acked:
            return
        self._acked.add(req.interaction_id)
        data = {"id": req.interaction_id, "nonce": req.nonce}
        self.hub.dispatch_to(list(req.targets), "INTERACTION_SUCCESS", data)

    async def watch_ack(self, req: InteractionRequest) -> None:
        """INTERACTION_FAILURE (reason 2) when nothing acked ``req`` before the deadline."""
        await asyncio.sleep(self.config.bot_ack_deadline_seconds)
        if req.interaction_id not in self._acked:
            self._acked.add(req.interaction_id)
            data = {"id": req.interaction_id, "nonce": req.nonce, "reason_code": FAILURE_TIMEOUT}
            self.hub.dispatch_to(list(req.targets), "INTERACTION_FAILURE", data)

    # --- payload pieces --------------------------------------------------------------------
    def bot_user(self, req: InteractionRequest) -> Json:
        return dict(NIJI_BOT_USER if req.application_id != MJ_APPLICATION_ID else MJ_BOT_USER)

    def message(
        self, req: InteractionRequest, channel_id: str, *, content: str, type_: int
    ) -> Json:
        """A new message payload from the bot that ``req`` talks to."""
        message_id = self.state.snowflakes.next()
        return bot_message(message_id, channel_id, self.bot_user(req), content=content, type_=type_)

    def metadata(self, req: InteractionRequest) -> Json:
        """``interaction_metadata`` of a message answering ``req``."""
        meta: Json = {
            "id": req.interaction_id,
            "type": req.type,
            "user": req.user.public(),
            "authorizing_integration_owners": {"0": req.guild_id}
            if req.guild_id
            else {"1": req.user.user_id},
        }
        if req.command is not None:
            meta["name"] = command_name(req)
            meta["command_type"] = COMMAND_TYPE_CHAT_INPUT
        if req.message is not None:
            meta["interacted_message_id"] = req.message.message_id
        if req.modal is not None:
            meta["triggering_interaction_metadata"] = self.metadata(req.modal.opener)
        return meta

    def refer_to(self, payload: Json, target: StoredMessage) -> None:
        """Make ``payload`` a reply to ``target`` (reference and referenced message)."""
        payload["message_reference"] = self.reference(target)
        payload["referenced_message"] = _referenced(target)

    def reference(self, target: StoredMessage) -> Json:
        guild_id = self.state.guild_id_of(target.channel_id)
        reference: Json = {
            "type": 0,
            "channel_id": target.channel_id,
            "message_id": target.message_id,
        }
        if guild_id is not None:
            reference["guild_id"] = guild_id
        return reference

    def rows(self, rows: list[Json]) -> list[Json]:
        """A copy of component ``rows``, numbered when the config says so."""
        rows = copy.deepcopy(rows)
        return ui.number_components(rows) if self.config.component_ids else rows

    def embed(self, title: str, description: str, colour: int, footer: str | None = None) -> Json:
        return rich_embed(description, title=title, footer=footer, colour=colour)

    def application(self, req: InteractionRequest) -> Json:
        """The ``application`` object of modal events."""
        bot = self.bot_user(req)
        return {
            "id": req.application_id,
            "name": bot["username"],
            "icon": bot["avatar"],
            "description": "",
            "bot_public": True,
            "flags": 0,
            "bot": {k: bot[k] for k in ("id", "username", "discriminator", "public_flags", "bot")},
        }

    # --- messages --------------------------------------------------------------------------
    def response(
        self,
        req: InteractionRequest,
        *,
        content: str = "",
        embeds: list[Json] | None = None,
        rows: list[Json] | None = None,
        attachments: list[Json] | None = None,
        mention: bool = False,
        ephemeral: bool = False,
        nonce: bool = True,
        flags: int = 0,
        channel_id: str | None = None,
    ) -> StoredMessage:
        """The bot's interaction response message (acks the interaction per the order knob)."""
        source = source_message(req)
        type_ = MESSAGE_REPLY if source is not None else self.config.start_message_type
        payload = self.message(req, channel_id or req.channel_id, content=content, type_=type_)
        payload["flags"] = flags
        payload["webhook_id"] = req.application_id
        payload["application_id"] = req.application_id
        payload["embeds"] = embeds or []
        payload["attachments"] = attachments or []
        payload["components"] = self.rows(rows or [])
        if mention:
            payload["mentions"] = [req.user.public()]
        if source is not None:
            self.refer_to(payload, source)
            payload["position"] = 0
        else:
            payload["interaction"] = {
                "id": req.interaction_id,
                "type": req.type,
                "name": command_name(req) if req.command else "",
                "user": req.user.public(),
            }
        payload["interaction_metadata"] = self.metadata(req)
        if self.config.success_order == "before_first_message":
            self.ack(req)
        message = self.bus.post(
            payload,
            nonce=req.nonce if nonce else None,
            ephemeral_to=list(req.targets) if ephemeral else None,
            viewer_id=req.user.user_id if ephemeral else None,
        )
        self.ack(req)
        return message

    def follow_up(
        self,
        req: InteractionRequest,
        channel_id: str,
        content: str,
        rows: list[Json],
        *,
        ephemeral: bool,
    ) -> StoredMessage:
        """A later message for ``req`` (a queued job starting): no nonce, no ack."""
        source = source_message(req)
        type_ = MESSAGE_REPLY if source is not None else self.config.start_message_type
        payload = self.message(req, channel_id, content=content, type_=type_)
        payload["webhook_id"] = req.application_id
        payload["application_id"] = req.application_id
        payload["mentions"] = [req.user.public()]
        payload["components"] = self.rows(rows)
        payload["interaction_metadata"] = self.metadata(req)
        if source is not None:
            self.refer_to(payload, source)
        return self.bus.post(
            payload,
            ephemeral_to=list(req.targets) if ephemeral else None,
            viewer_id=req.user.user_id if ephemeral else None,
        )

    def embed_reply(
        self, req: InteractionRequest, channel_id: str, embed: Json, to: StoredMessage | None
    ) -> None:
        """A plain reply carrying ``embed`` (not an interaction response)."""
        payload = self.message(req, channel_id, content="", type_=MESSAGE_REPLY)
        payload["embeds"] = [embed]
        if to is not None:
            payload["message_reference"] = self.reference(to)
        self.bus.post(payload)

    def error(
        self, req: InteractionRequest, title: str, description: str, footer: str | None
    ) -> StoredMessage:
        """An error embed answering ``req``."""
        embed = self.embed(title, description, self.config.error_color, footer)
        return self.response(req, embeds=[embed], ephemeral=self.config.ephemeral_errors)

    def mark_used(self, message: StoredMessage, custom_id: str) -> None:
        """Turn the pressed button of ``message`` blue, as Midjourney does for U1-U4 and V1-V4."""
        rows = message.payload.get("components", [])
        if ui.mark_used(rows, custom_id):
            self.bus.edit(message, {"components": rows})

    def show_modal(
        self, req: InteractionRequest, event: str, custom_id: str, title: str, fields: Json
    ) -> None:
        """Send a modal event (``fields`` add the inputs or the iframe path) and ack ``req``."""
        data = {
            "id": req.interaction_id,
            "nonce": req.nonce,
            "channel_id": req.channel_id,
            "custom_id": custom_id,
            "application": self.application(req),
            "title": title,
            **fields,
        }
        self.hub.dispatch_to(list(req.targets), event, data)
        self.ack(req)


def _referenced(target: StoredMessage) -> Json:
    referenced = copy.deepcopy(target.payload)
    referenced.pop("referenced_message", None)
    return referenced
