"""/history: the user's recent jobs; show a result again (cached file id) or reuse a prompt."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.telegram import keyboards, texts
from bot.telegram.callbacks import HistoryCb
from bot.telegram.delivery import DeliveryError
from bot.telegram.jobs import JobRecord
from bot.telegram.progress import JobTracker
from bot.telegram.routers.common import requester
from bot.telegram.submissions import JobStarter
from bot.telegram.users import UserProfile, UserStore
from mjcore.engine import Engine
from mjcore.models import TaskAction, TaskStatus

SHOWN_JOBS = keyboards.HISTORY_BUTTONS
_SHOW = "show"
_REUSE = "reuse"


async def show_history(
    message: Message, profile: UserProfile, users: UserStore, engine: Engine
) -> None:
    ids = (await users.history(profile.user_id))[:SHOWN_JOBS]
    tasks = await engine.get_many(ids)
    entries = [
        (
            t.id,
            t.status is TaskStatus.SUCCESS
            and t.action not in (TaskAction.DESCRIBE, TaskAction.SHORTEN)
            and bool(t.discord_image_url or t.image_url),
        )
        for t in tasks
    ]
    await message.answer(texts.history(tasks), reply_markup=keyboards.history_keyboard(entries))


async def history_action(
    callback: CallbackQuery,
    callback_data: HistoryCb,
    bot: Bot,
    engine: Engine,
    users: UserStore,
    tracker: JobTracker,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    task = await engine.get(callback_data.task_id)
    if task is None or task.id not in await users.history(callback.from_user.id):
        await callback.answer(texts.history_gone(), show_alert=True)
        return
    await callback.answer()
    message = callback.message
    chat_id = message.chat.id if message is not None else callback.from_user.id
    who = requester(callback, profile, is_admin, locale)
    if callback_data.action == _REUSE:
        if task.action is TaskAction.SHORTEN:
            await starter.shorten(who, task.prompt)
        else:
            await starter.imagine(who, task.prompt)
        return
    if callback_data.action != _SHOW:
        return
    record = JobRecord(task.id, chat_id, 0, callback.from_user.id, locale)
    try:
        media = await tracker.media(
            task, texts.final_caption(task), as_document=profile.send_as_document
        )
    except DeliveryError:
        await bot.send_message(chat_id, texts.history_no_image())
        return
    markup = await tracker.result_keyboard(task, record, original=True)
    sent = await tracker.send_media(chat_id, media, markup, reply_to=who.reply_to)
    await tracker.remember_file(task.id, sent)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(show_history, Command("history"))
    router.callback_query.register(history_action, HistoryCb.filter())
    return router
