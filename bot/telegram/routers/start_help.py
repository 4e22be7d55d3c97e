"""/start, /help and /balance."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message

from bot.telegram import texts
from bot.telegram.users import UserProfile, UserStore, today


async def start(message: Message, profile: UserProfile) -> None:
    await message.answer(texts.start(profile.name or str(profile.user_id)))


async def help_(message: Message, is_admin: bool) -> None:
    await message.answer(texts.help_text(admin=is_admin))


async def balance(message: Message, profile: UserProfile, is_admin: bool, users: UserStore) -> None:
    used = await users.used(profile.user_id, today())
    quota = await users.quota_of(profile)
    await message.answer(texts.balance(used, quota, unlimited=is_admin))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(balance, Command("balance"))
    return router
