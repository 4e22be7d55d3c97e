"""Prompts: ``/imagine <prompt>`` anywhere, plain text in private chats, replies to the bot in
groups, ``/shorten <prompt>``. Other group chatter matches nothing and is ignored."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram import texts
from bot.telegram.routers.common import RepliesToBot, requester
from bot.telegram.submissions import JobStarter
from bot.telegram.users import UserProfile


async def imagine_command(
    message: Message,
    command: CommandObject,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    prompt = (command.args or "").strip()
    if not prompt:
        await message.reply(texts.empty_prompt())
        return
    await starter.imagine(requester(message, profile, is_admin, locale), prompt)


async def shorten_command(
    message: Message,
    command: CommandObject,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    prompt = (command.args or "").strip()
    if not prompt:
        await message.reply(texts.empty_prompt())
        return
    await starter.shorten(requester(message, profile, is_admin, locale), prompt)


async def plain_prompt(
    message: Message, profile: UserProfile, is_admin: bool, locale: str, starter: JobStarter
) -> None:
    assert message.text is not None
    await starter.imagine(requester(message, profile, is_admin, locale), message.text)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(imagine_command, Command("imagine"))
    router.message.register(shorten_command, Command("shorten"))
    is_prompt = F.text & ~F.text.startswith("/")
    router.message.register(plain_prompt, F.chat.type == ChatType.PRIVATE, is_prompt)
    router.message.register(plain_prompt, RepliesToBot(), is_prompt)
    return router
