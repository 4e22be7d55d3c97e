"""Albums: Telegram delivers each photo of an album as its own message; collect them.

The first message of a ``media_group_id`` waits a moment for the others and gets the whole
album; later messages of the same album get ``None``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from aiogram.types import Message

ALBUM_WAIT_SECONDS = 1.0
_COMMAND_RE = re.compile(r"^/(?P<name>\w+)(?:@(?P<mention>\w+))?(?:\s+(?P<args>.*))?$", re.DOTALL)


class AlbumCollector:
    def __init__(self, wait: float = ALBUM_WAIT_SECONDS) -> None:
        self._wait = wait
        self._albums: dict[str, list[Message]] = {}

    async def collect(self, message: Message) -> list[Message] | None:
        group = message.media_group_id
        if group is None:
            return [message]
        album = self._albums.get(group)
        if album is not None:
            album.append(message)
            return None
        self._albums[group] = [message]
        try:
            await asyncio.sleep(self._wait)
        finally:
            album = self._albums.pop(group)
        return sorted(album, key=lambda m: m.message_id)


@dataclass(frozen=True, slots=True)
class CaptionCommand:
    name: str
    args: str


def caption_command(text: str | None, bot_username: str | None) -> CaptionCommand | None:
    """``/blend@bot portrait`` → ``CaptionCommand("blend", "portrait")``; another bot's → None."""
    found = _COMMAND_RE.match((text or "").strip())
    if found is None:
        return None
    mention = found["mention"]
    if mention and (bot_username is None or mention.lower() != bot_username.lower()):
        return None
    return CaptionCommand(found["name"].lower(), (found["args"] or "").strip())
