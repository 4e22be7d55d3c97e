"""Helpers shared by the routers: the requester of an update, filters, photo downloads."""

from __future__ import annotations

import io
import logging
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.telegram.jobs import JobStore, PendingInput
from bot.telegram.submissions import Requester
from bot.telegram.users import UserProfile

log = logging.getLogger(__name__)

IMAGE_MIME_PREFIX = "image/"
MAX_INPUT_IMAGE_BYTES = 20 * 1024 * 1024  # the Bot API's download limit


def requester(
    event: Message | CallbackQuery,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    *,
    reply_to: int | None = None,
) -> Requester:
    """The requester of a message (answered by default) or a callback (its message answered)."""
    user = event.from_user
    assert user is not None
    if isinstance(event, Message):
        chat_id = event.chat.id
        answer_to: int | None = event.message_id if reply_to is None else reply_to
    else:
        message = event.message
        chat_id = message.chat.id if message is not None else user.id
        answer_to = reply_to if reply_to is not None else (message.message_id if message else None)
    return Requester(
        user_id=user.id,
        name=user.full_name,
        chat_id=chat_id,
        reply_to=answer_to,
        profile=profile,
        admin=is_admin,
        locale=locale,
    )


class RepliesToBot(Filter):
    """The message replies to one of this bot's messages."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
        )


class PendingReply(Filter):
    """The message replies to a ForceReply prompt that waits for text; injects ``pending``."""

    async def __call__(self, message: Message, bot: Bot, jobs: JobStore) -> bool | dict[str, Any]:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
            return False
        async with jobs.pending_lock(message.chat.id):
            pending: PendingInput | None = await jobs.pending(message.chat.id, replied.message_id)
        return False if pending is None else {"pending": pending}


class IsAdmin(Filter):
    async def __call__(self, event: Message | CallbackQuery, is_admin: bool = False) -> bool:
        return is_admin


def has_image(message: Message) -> bool:
    document = message.document
    return bool(message.photo) or (
        document is not None and (document.mime_type or "").startswith(IMAGE_MIME_PREFIX)
    )


async def image_of(bot: Bot, message: Message) -> bytes | None:
    """The bytes of the message's photo (largest size) or image document; None on failure."""
    if message.photo:
        file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
    elif message.document is not None and has_image(message):
        file_id, size = message.document.file_id, message.document.file_size
    else:
        return None
    if size is not None and size > MAX_INPUT_IMAGE_BYTES:
        return None
    buffer = io.BytesIO()
    try:
        await bot.download(file_id, destination=buffer)
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError) as exc:
        log.warning("photo download failed [chat:%s] %s", message.chat.id, exc)
        return None
    return buffer.getvalue()
