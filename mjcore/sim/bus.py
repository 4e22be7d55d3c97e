"""Posting, editing and deleting messages: channel history plus gateway fan-out.

History keeps the REST shape (no ``nonce``, ``guild_id`` or ``member``); gateway events add those.
Ephemeral messages stay out of history and reach only the sessions they were addressed to.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from mjcore.sim.gateway import GatewayHub, GatewaySession
from mjcore.sim.state import FLAG_EPHEMERAL, Json, SimState, StoredMessage, iso_timestamp


class MessageBus:
    def __init__(self, state: SimState, hub: GatewayHub) -> None:
        self.state = state
        self.hub = hub

    def _targets(self, message: StoredMessage) -> list[GatewaySession]:
        if message.ephemeral:
            return [s for s in self.hub.sessions.values() if s.session_id in message.session_ids]
        viewers = self.state.channel_viewers(message.channel_id)
        return [s for uid in sorted(viewers) for s in self.hub.sessions_for_user(uid)]

    def _gateway_shape(self, message: StoredMessage) -> Json:
        data = copy.deepcopy(message.payload)
        guild_id = self.state.guild_id_of(message.channel_id)
        if guild_id is not None and not message.ephemeral:
            data["guild_id"] = guild_id
            if "webhook_id" not in data:
                data["member"] = {
                    "roles": [],
                    "premium_since": None,
                    "pending": False,
                    "nick": None,
                    "mute": False,
                    "joined_at": data["timestamp"],
                    "flags": 0,
                    "deaf": False,
                    "communication_disabled_until": None,
                    "banner": None,
                    "avatar": None,
                }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        return data

    def post(
        self,
        payload: Json,
        *,
        nonce: str | None = None,
        ephemeral_to: list[GatewaySession] | None = None,
        viewer_id: str | None = None,
    ) -> StoredMessage:
        """Store ``payload`` (with ``id`` and ``channel_id``) and dispatch MESSAGE_CREATE."""
        ephemeral = ephemeral_to is not None
        if ephemeral:
            payload["flags"] = int(payload.get("flags", 0)) | FLAG_EPHEMERAL
        message = StoredMessage(
            message_id=payload["id"],
            channel_id=payload["channel_id"],
            payload=payload,
            ephemeral=ephemeral,
            nonce=nonce,
            session_ids=tuple(s.session_id for s in ephemeral_to or []),
            viewer_id=viewer_id,
        )
        self.state.store_message(message)
        self.hub.dispatch_to(self._targets(message), "MESSAGE_CREATE", self._gateway_shape(message))
        return message

    def edit(self, message: StoredMessage, changes: Json) -> None:
        """Apply ``changes`` and dispatch MESSAGE_UPDATE with the full message."""
        message.payload.update(changes)
        message.payload["edited_timestamp"] = iso_timestamp(datetime.now(UTC))
        data = self._gateway_shape(message)
        data.pop("nonce", None)
        self.hub.dispatch_to(self._targets(message), "MESSAGE_UPDATE", data)

    def delete(self, message: StoredMessage) -> None:
        targets = self._targets(message)
        message.deleted = True
        data: Json = {"id": message.message_id, "channel_id": message.channel_id}
        guild_id = self.state.guild_id_of(message.channel_id)
        if guild_id is not None and not message.ephemeral:
            data["guild_id"] = guild_id
        self.hub.dispatch_to(targets, "MESSAGE_DELETE", data)
