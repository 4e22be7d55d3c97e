"""Admin commands (``TG_ADMIN_IDS``): /stats, /accounts, /queue, /ban, /unban, /quota, /mode,
/broadcast. Everyone else who tries them is refused."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.telegram import texts
from bot.telegram.routers.common import IsAdmin
from bot.telegram.users import UserStore, today
from mjcore.engine import Engine
from mjcore.models import TaskStatus

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("stats", "accounts", "queue", "ban", "unban", "quota", "mode", "broadcast")
SPEEDS = ("fast", "relax", "turbo")
SPEED_OFF = "off"
QUEUE_SHOWN = 30
_DEFAULT_TARGET = "default"


async def stats(message: Message, engine: Engine, users: UserStore) -> None:
    counts = {status.value: await engine.store.count(statuses={status}) for status in TaskStatus}
    known = len(await users.all_ids())
    jobs_today = await users.jobs_on(today())
    await message.answer(texts.stats(counts, users=known, jobs_today=jobs_today))


async def accounts(message: Message, engine: Engine) -> None:
    await message.answer(texts.accounts(engine.health()))


async def queue(message: Message, engine: Engine) -> None:
    unfinished = (await engine.store.unfinished())[:QUEUE_SHOWN]
    await message.answer(texts.queue([(t, engine.queue_position(t.id)) for t in unfinished]))


def _target_id(message: Message, command: CommandObject) -> int | None:
    """The user named by the argument, or the author of the replied-to message."""
    arg = (command.args or "").strip().split(maxsplit=1)
    if arg and arg[0].lstrip("-").isdigit():
        return int(arg[0])
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None:
        return replied.from_user.id
    return None


async def ban(message: Message, command: CommandObject, users: UserStore) -> None:
    target = _target_id(message, command)
    if target is None:
        await message.answer(texts.usage("/ban <user id>"))
        return
    await users.update(target, banned=True)
    log.info("user banned [user:%s]", target)
    await message.answer(texts.user_banned(target))


async def unban(message: Message, command: CommandObject, users: UserStore) -> None:
    target = _target_id(message, command)
    if target is None:
        await message.answer(texts.usage("/unban <user id>"))
        return
    await users.update(target, banned=False)
    await message.answer(texts.user_unbanned(target))


async def quota(message: Message, command: CommandObject, users: UserStore) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2 or not parts[1].isdigit():
        await message.answer(texts.usage("/quota <user id|default> <jobs per day>"))
        return
    who, amount = parts[0], int(parts[1])
    if who == _DEFAULT_TARGET:
        await users.set_default_quota(amount)
    elif who.lstrip("-").isdigit():
        await users.update(int(who), daily_quota=amount)
    else:
        await message.answer(texts.usage("/quota <user id|default> <jobs per day>"))
        return
    await message.answer(texts.quota_set(who, amount))


async def mode(message: Message, command: CommandObject, users: UserStore) -> None:
    speed = (command.args or "").strip().lower()
    if speed not in (*SPEEDS, SPEED_OFF):
        await message.answer(texts.usage("/mode fast|relax|turbo|off"))
        return
    await users.set_default_speed("" if speed == SPEED_OFF else speed)
    await message.answer(texts.mode_set(speed))


async def broadcast(message: Message, command: CommandObject, bot: Bot, users: UserStore) -> None:
    text = (command.args or "").strip()
    if not text:
        await message.answer(texts.usage("/broadcast <text>"))
        return
    sent = failed = 0
    for profile in await users.all():
        if profile.banned:
            continue
        try:
            await bot.send_message(profile.user_id, text, parse_mode=None)
            sent += 1
        except TelegramAPIError as exc:
            failed += 1
            log.info("broadcast not delivered [user:%s] %s", profile.user_id, exc)
    await message.reply(texts.broadcast_done(sent, failed))


async def refuse(message: Message) -> None:
    await message.answer(texts.admin_only())


def create_router() -> Router:
    router = Router(name=__name__)
    admin = IsAdmin()
    router.message.register(stats, Command("stats"), admin)
    router.message.register(accounts, Command("accounts"), admin)
    router.message.register(queue, Command("queue"), admin)
    router.message.register(ban, Command("ban"), admin)
    router.message.register(unban, Command("unban"), admin)
    router.message.register(quota, Command("quota"), admin)
    router.message.register(mode, Command("mode"), admin)
    router.message.register(broadcast, Command("broadcast"), admin)
    router.message.register(refuse, Command(*ADMIN_COMMANDS))
    return router
