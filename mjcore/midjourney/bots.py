"""The Midjourney and Niji bots on Discord: application (= bot user) ids."""

from __future__ import annotations

from mjcore.models import BotType

__all__ = [
    "MJ_BOT_ID",
    "MJ_BOT_IDS",
    "NIJI_BOT_ID",
    "application_id_for",
    "bot_type_for",
]

MJ_BOT_ID = "936929561302675456"  # "Midjourney Bot", also its application id
NIJI_BOT_ID = "1022952195194359889"  # "niji・journey Bot"
MJ_BOT_IDS = frozenset({MJ_BOT_ID, NIJI_BOT_ID})

_APPLICATION_IDS = {BotType.MID_JOURNEY: MJ_BOT_ID, BotType.NIJI_JOURNEY: NIJI_BOT_ID}
_BOT_TYPES = {v: k for k, v in _APPLICATION_IDS.items()}


def application_id_for(bot: BotType) -> str:
    """The Discord application id of ``bot``."""
    return _APPLICATION_IDS[bot]


def bot_type_for(application_id: str) -> BotType | None:
    """The bot an application id belongs to, ``None`` for any other application."""
    return _BOT_TYPES.get(application_id)
