"""/settings: an inline keyboard that edits the user's own preferences in place."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.telegram import keyboards, texts
from bot.telegram.callbacks import SettingsCb
from bot.telegram.i18n import locale_for, set_locale
from bot.telegram.limiter import is_not_modified
from bot.telegram.users import UserProfile, UserStore

log = logging.getLogger(__name__)

_FIELDS = {
    "aspect": "aspect",
    "version": "version",
    "speed": "speed",
    "stylize": "stylize",
    "language": "language",
}
_DOCUMENT = "document"


async def open_settings(message: Message, profile: UserProfile) -> None:
    await message.answer(texts.settings(profile), reply_markup=keyboards.settings_menu())


async def choose(
    callback: CallbackQuery, callback_data: SettingsCb, profile: UserProfile, users: UserStore
) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    key, choice = callback_data.key, callback_data.choice
    if key == keyboards.MENU_KEY:
        await _show(message, texts.settings(profile), keyboards.settings_menu())
        return
    choices = keyboards.SETTING_CHOICES.get(key)
    if choices is None:
        return
    if not 0 <= choice < len(choices):
        current = _current(profile, key)
        await _show(message, texts.setting_prompt(key), keyboards.setting_choices(key, current))
        return
    chosen = choices[choice]
    changes: dict[str, Any] = (
        {"send_as_document": chosen == "1"} if key == _DOCUMENT else {_FIELDS[key]: chosen}
    )
    updated = await users.update(profile.user_id, **changes)
    if key == "language":
        set_locale(updated.language or locale_for(updated.telegram_language))
    await _show(message, texts.settings(updated), keyboards.settings_menu())


def _current(profile: UserProfile, key: str) -> str:
    if key == _DOCUMENT:
        return "1" if profile.send_as_document else ""
    value: str = getattr(profile, _FIELDS[key])
    return value


async def _show(message: Message, text: str, markup: InlineKeyboardMarkup) -> None:
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as exc:
        if not is_not_modified(exc):
            raise


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(open_settings, Command("settings"))
    router.callback_query.register(choose, SettingsCb.filter())
    return router
