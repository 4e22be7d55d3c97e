"""Photos: caption ``/describe`` → describe, album captioned ``/blend`` → blend, a photo with a
prompt caption → image prompt; ``/describe`` in reply to a photo describes that photo."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import Message

from bot.telegram import texts
from bot.telegram.albums import AlbumCollector, CaptionCommand, caption_command
from bot.telegram.prompting import blend_dimensions
from bot.telegram.routers.common import has_image, image_of, requester
from bot.telegram.submissions import JobStarter, Requester
from bot.telegram.users import UserProfile

BLEND_MIN = 2
BLEND_MAX = 5


async def album(
    message: Message,
    bot: Bot,
    albums: AlbumCollector,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    messages = await albums.collect(message)
    if messages is None:
        return
    captioned = next((m for m in messages if m.caption), None)
    lead = captioned or messages[0]
    command = await _command(bot, lead)
    private = message.chat.type == ChatType.PRIVATE
    if command is None and not (private and captioned is not None):
        if private:
            await lead.reply(texts.blend_needs_album())
        return
    images = [await image_of(bot, m) for m in messages if has_image(m)]
    who = requester(lead, profile, is_admin, locale)
    if any(image is None for image in images) or not images:
        await lead.reply(texts.image_download_failed())
        return
    ready = [image for image in images if image is not None]
    if command is None:
        await starter.imagine(who, lead.caption or "", ready)
    else:
        await _run(command, who, ready, lead, starter)


async def photo(
    message: Message,
    bot: Bot,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    command = await _command(bot, message)
    private = message.chat.type == ChatType.PRIVATE
    if command is None and not private:
        return
    if command is None and not message.caption:
        await message.reply(texts.describe_needs_photo())
        return
    image = await image_of(bot, message)
    if image is None:
        await message.reply(texts.image_download_failed())
        return
    who = requester(message, profile, is_admin, locale)
    if command is None:
        await starter.imagine(who, message.caption or "", [image])
    else:
        await _run(command, who, [image], message, starter)


async def describe_reply(
    message: Message,
    bot: Bot,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    target = message.reply_to_message
    if target is None or not has_image(target):
        await message.reply(texts.describe_needs_photo())
        return
    image = await image_of(bot, target)
    if image is None:
        await message.reply(texts.image_download_failed())
        return
    await starter.describe(requester(message, profile, is_admin, locale), image)


async def blend_without_album(message: Message) -> None:
    await message.reply(texts.blend_needs_album())


async def _command(bot: Bot, message: Message) -> CaptionCommand | None:
    if not message.caption or not message.caption.startswith("/"):
        return None
    me = await bot.me()
    return caption_command(message.caption, me.username)


async def _run(
    command: CaptionCommand,
    who: Requester,
    images: list[bytes],
    message: Message,
    starter: JobStarter,
) -> None:
    if command.name == "describe":
        await starter.describe(who, images[0])
    elif command.name == "blend":
        if not BLEND_MIN <= len(images) <= BLEND_MAX:
            await message.reply(texts.blend_needs_album())
            return
        await starter.blend(who, images, blend_dimensions(command.args))
    elif command.name == "imagine":
        if not command.args:
            await message.reply(texts.empty_prompt())
            return
        await starter.imagine(who, command.args, images)


def create_router() -> Router:
    router = Router(name=__name__)
    with_image = F.func(has_image)
    router.message.register(album, F.media_group_id, with_image)
    router.message.register(photo, with_image)
    router.message.register(describe_reply, Command("describe"))
    router.message.register(blend_without_album, Command("blend"))
    return router
