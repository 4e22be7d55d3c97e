"""Command menus: everyone sees the user commands; admins (in their own chats) also the admin ones.

Menus are set per language: the default list in English and a Chinese one for ``zh`` clients.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.telegram.i18n import N_, _, use_locale

USER_COMMANDS = (
    ("imagine", N_("Draw a picture from a prompt")),
    ("settings", N_("Aspect ratio, version, speed, language")),
    ("history", N_("Your recent jobs")),
    ("balance", N_("Jobs left today")),
    ("describe", N_("Describe a photo (send it with this caption)")),
    ("blend", N_("Blend 2–5 photos (album caption)")),
    ("shorten", N_("Analyse and shorten a prompt")),
    ("help", N_("How to use the bot")),
)
ADMIN_COMMANDS = (
    ("stats", N_("Admin: statistics")),
    ("accounts", N_("Admin: Midjourney accounts")),
    ("queue", N_("Admin: unfinished jobs")),
    ("ban", N_("Admin: ban a user")),
    ("unban", N_("Admin: unban a user")),
    ("quota", N_("Admin: set a daily quota")),
    ("mode", N_("Admin: default speed fast|relax")),
    ("broadcast", N_("Admin: message every user")),
)
# Telegram language code of a menu -> catalog (None = the default menu)
MENU_LANGUAGES: tuple[tuple[str | None, str], ...] = ((None, "en"), ("zh", "zh_CN"))


def menu(entries: tuple[tuple[str, str], ...], locale: str) -> list[BotCommand]:
    with use_locale(locale):
        return [BotCommand(command=name, description=_(text)) for name, text in entries]


async def set_command_menus(bot: Bot, admin_ids: frozenset[int]) -> None:
    for language, locale in MENU_LANGUAGES:
        await bot.set_my_commands(
            menu(USER_COMMANDS, locale), scope=BotCommandScopeDefault(), language_code=language
        )
        for admin_id in sorted(admin_ids):
            await bot.set_my_commands(
                menu(USER_COMMANDS + ADMIN_COMMANDS, locale),
                scope=BotCommandScopeChat(chat_id=admin_id),
                language_code=language,
            )
