"""Update middlewares: who is writing (profile, admin, locale) and whether they may.

``UserMiddleware`` runs before the filters of every message and callback query. It records the
user, picks their language (``/settings`` choice, else their Telegram language), puts
``profile``, ``is_admin`` and ``locale`` into the handler data, and stops banned users.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.telegram import texts
from bot.telegram.i18n import locale_for, set_locale
from bot.telegram.users import UserStore

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UserMiddleware(BaseMiddleware):
    def __init__(self, users: UserStore, admin_ids: frozenset[int]) -> None:
        self._users = users
        self._admin_ids = admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None
        profile = await self._users.seen(
            user.id, name=user.full_name, language_code=user.language_code
        )
        locale = profile.language or locale_for(user.language_code)
        set_locale(locale)
        admin = user.id in self._admin_ids
        if profile.banned and not admin:
            log.info("banned user ignored [user:%s]", user.id)
            await _refuse(event)
            return None
        data["profile"] = profile
        data["is_admin"] = admin
        data["locale"] = locale
        return await handler(event, data)


async def _refuse(event: TelegramObject) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(texts.banned(), show_alert=True)
    elif isinstance(event, Message) and event.chat.type == ChatType.PRIVATE:
        await event.answer(texts.banned())
