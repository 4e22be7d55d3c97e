"""Result buttons: Midjourney actions, 📎 Original, 🔁 Retry, Vary (Region) areas, and the
ForceReply answers of actions that need text. Callbacks are answered before any slow work."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyParameters

from bot.telegram import imaging, keyboards, texts
from bot.telegram.callbacks import ButtonTokens, MjButtonCb, OriginalCb, RegionCb, RetryCb
from bot.telegram.delivery import (
    MAX_DOCUMENT_BYTES,
    DeliveryError,
    FileIds,
    ImageSource,
    Variant,
    document_name,
)
from bot.telegram.jobs import InputKind, JobStore, PendingInput
from bot.telegram.routers.common import PendingReply, requester
from bot.telegram.submissions import JobStarter, ModalNeeded, Outcome, Requester
from bot.telegram.users import UserProfile
from mjcore.engine import Engine
from mjcore.models import Task

log = logging.getLogger(__name__)

_REGION_KIND = "Inpaint"


async def press(
    callback: CallbackQuery,
    callback_data: MjButtonCb,
    tokens: ButtonTokens,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
    jobs: JobStore,
    bot: Bot,
) -> None:
    ref = await tokens.resolve(callback_data.token)
    if ref is None:
        await callback.answer(texts.button_expired(), show_alert=True)
        return
    if ref.owner_id != callback.from_user.id and not is_admin:
        await callback.answer(texts.not_owner(), show_alert=True)
        return
    await callback.answer(texts.working())
    who = requester(callback, profile, is_admin, locale)
    outcome = await starter.press(who, ref)
    await _ask_if_needed(outcome, who, jobs, bot)


async def retry(
    callback: CallbackQuery,
    callback_data: RetryCb,
    engine: Engine,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
    jobs: JobStore,
    bot: Bot,
) -> None:
    record = await jobs.get(callback_data.task_id)
    task = await engine.get(callback_data.task_id)
    if record is None or task is None:
        await callback.answer(texts.button_expired(), show_alert=True)
        return
    if record.owner_id != callback.from_user.id and not is_admin:
        await callback.answer(texts.not_owner(), show_alert=True)
        return
    await callback.answer(texts.working())
    who = requester(callback, profile, is_admin, locale)
    outcome = await starter.retry(who, task)
    await _ask_if_needed(outcome, who, jobs, bot)


async def _ask_if_needed(outcome: Outcome, who: Requester, jobs: JobStore, bot: Bot) -> None:
    """An action that needs text: ask for it (for Vary (Region) first ask for the area)."""
    if not isinstance(outcome, ModalNeeded) or who.reply_to is None:
        return
    reply = ReplyParameters(message_id=who.reply_to, allow_sending_without_reply=True)
    async with jobs.pending_lock(who.chat_id):
        if outcome.kind == _REGION_KIND:
            sent = await bot.send_message(
                who.chat_id, texts.ask_region(), reply_markup=keyboards.region_keyboard(),
                reply_parameters=reply,
            )  # fmt: skip
        else:
            user = texts.mention(who.user_id, who.name)
            sent = await bot.send_message(
                who.chat_id,
                texts.ask_modal_text(outcome.kind, outcome.suggestion, user),
                reply_markup=keyboards.force_reply(texts.input_placeholder(outcome.kind)),
            )
        pending = PendingInput(outcome.task_id, who.user_id, InputKind.MODAL, who.reply_to)
        await jobs.put_pending(who.chat_id, sent.message_id, pending)


async def region(
    callback: CallbackQuery,
    callback_data: RegionCb,
    jobs: JobStore,
    bot: Bot,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(texts.button_expired(), show_alert=True)
        return
    async with jobs.pending_lock(message.chat.id):
        pending = await jobs.pending(message.chat.id, message.message_id)
    if pending is None or callback_data.area not in imaging.REGION_AREAS:
        await callback.answer(texts.button_expired(), show_alert=True)
        return
    if pending.owner_id != callback.from_user.id:
        await callback.answer(texts.not_owner(), show_alert=True)
        return
    await callback.answer()
    user = callback.from_user
    chosen = PendingInput(
        pending.task_id, pending.owner_id, pending.kind, pending.reply_to, callback_data.area
    )
    async with jobs.pending_lock(message.chat.id):
        sent = await bot.send_message(
            message.chat.id,
            texts.ask_modal_text(_REGION_KIND, "", texts.mention(user.id, user.full_name)),
            reply_markup=keyboards.force_reply(texts.input_placeholder(_REGION_KIND)),
        )
        await jobs.put_pending(message.chat.id, sent.message_id, chosen)
        await jobs.drop_pending(message.chat.id, message.message_id)
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramAPIError as exc:
        log.info("region keyboard not removed [chat:%s] %s", message.chat.id, exc)


async def modal_reply(
    message: Message,
    pending: PendingInput,
    engine: Engine,
    images: ImageSource,
    jobs: JobStore,
    profile: UserProfile,
    is_admin: bool,
    locale: str,
    starter: JobStarter,
) -> None:
    if message.from_user is None or message.from_user.id != pending.owner_id:
        return
    assert message.reply_to_message is not None
    mask = None
    if pending.area:
        mask = await _mask_for(engine, images, pending)
        if mask is None:
            await message.reply(texts.original_unavailable())
            return
    who = requester(message, profile, is_admin, locale)
    outcome = await starter.modal(who, pending.task_id, message.text or "", mask)
    if isinstance(outcome, Task):
        await jobs.drop_pending(message.chat.id, message.reply_to_message.message_id)


async def _mask_for(engine: Engine, images: ImageSource, pending: PendingInput) -> bytes | None:
    task = await engine.get(pending.task_id)
    parent = await engine.get(task.parent_id) if task and task.parent_id else None
    if parent is None:
        return None
    if parent.image_width and parent.image_height:
        width, height = parent.image_width, parent.image_height
    else:
        try:
            width, height = await asyncio.to_thread(imaging.size_of, await images.original(parent))
        except (DeliveryError, imaging.ImageError):
            return None
    return await asyncio.to_thread(imaging.region_mask, width, height, pending.area)


async def original(
    callback: CallbackQuery,
    callback_data: OriginalCb,
    engine: Engine,
    files: FileIds,
    images: ImageSource,
    bot: Bot,
) -> None:
    task = await engine.get(callback_data.task_id)
    message = callback.message
    if task is None or not isinstance(message, Message):
        await callback.answer(texts.original_unavailable(), show_alert=True)
        return
    await callback.answer()
    reply = ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)
    cached = await files.get(task.id, Variant.DOCUMENT)
    if cached is not None:
        await bot.send_document(message.chat.id, cached, reply_parameters=reply)
        return
    try:
        data = await images.original(task)
    except DeliveryError as exc:
        log.warning("original unavailable [task:%s] %s", task.id, exc)
        await message.reply(texts.original_unavailable())
        return
    if len(data) > MAX_DOCUMENT_BYTES:
        await message.reply(texts.original_too_big())
        return
    sent = await bot.send_document(
        message.chat.id, BufferedInputFile(data, document_name(task, data)), reply_parameters=reply
    )
    if sent.document is not None:
        await files.put(task.id, Variant.DOCUMENT, sent.document.file_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(press, MjButtonCb.filter())
    router.callback_query.register(original, OriginalCb.filter())
    router.callback_query.register(retry, RetryCb.filter())
    router.callback_query.register(region, RegionCb.filter())
    router.message.register(modal_reply, PendingReply())
    return router
