"""Starting jobs for Telegram users: quota, engine call, the job's first message, tracking.

Handlers call ``JobStarter``; it charges the daily quota (refunded when the engine refuses),
calls the engine, answers with the job's "queued" message and hands the job to the tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import ReplyParameters

from bot.telegram import texts
from bot.telegram.callbacks import ButtonRef
from bot.telegram.jobs import JobRecord, JobStore
from bot.telegram.progress import JobTracker
from bot.telegram.prompting import with_preferences
from bot.telegram.users import UserProfile, UserStore, today
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.midjourney.custom_ids import classify
from mjcore.models import SubmitCode, SubmitResult, Task, TaskAction

log = logging.getLogger(__name__)

_STARTED = frozenset({SubmitCode.SUCCESS, SubmitCode.IN_QUEUE})
# Buttons whose modal Midjourney pre-fills well enough to submit without asking.
_SILENT_MODALS = frozenset({"PicReader", "PromptAnalyzer"})


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks, where, and which message the job's message answers."""

    user_id: int
    name: str
    chat_id: int
    reply_to: int | None
    profile: UserProfile
    admin: bool
    locale: str


@dataclass(frozen=True, slots=True)
class ModalNeeded:
    """The pressed button needs text (and maybe a region) before the job can start."""

    task_id: str
    kind: str
    suggestion: str


Outcome = Task | ModalNeeded | None


class JobStarter:
    def __init__(
        self,
        *,
        bot: Bot,
        engine: Engine,
        users: UserStore,
        jobs: JobStore,
        tracker: JobTracker,
    ) -> None:
        self._bot = bot
        self._engine = engine
        self._users = users
        self._jobs = jobs
        self._tracker = tracker

    async def imagine(self, who: Requester, prompt: str, images: Sequence[bytes] = ()) -> Outcome:
        speed = await self._users.default_speed()
        full = with_preferences(prompt, who.profile, default_speed=speed)
        return await self._start(who, lambda: self._engine.submit_imagine(full, images=images))

    async def describe(self, who: Requester, image: bytes) -> Outcome:
        return await self._start(who, lambda: self._engine.submit_describe(image))

    async def blend(self, who: Requester, images: Sequence[bytes], dimensions: str) -> Outcome:
        return await self._start(
            who, lambda: self._engine.submit_blend(images, dimensions=dimensions)
        )

    async def shorten(self, who: Requester, prompt: str) -> Outcome:
        return await self._start(who, lambda: self._engine.submit_shorten(prompt))

    async def press(self, who: Requester, ref: ButtonRef) -> Outcome:
        """Press a Midjourney button; ``ModalNeeded`` when the user must type something first."""
        outcome = await self._start(
            who, lambda: self._engine.action(ref.task_id, ref.custom_id), modal_ok=True
        )
        if isinstance(outcome, ModalNeeded) and outcome.kind in _SILENT_MODALS:
            return await self.modal(who, outcome.task_id)
        return outcome

    async def modal(
        self, who: Requester, task_id: str, text: str | None = None, mask: bytes | None = None
    ) -> Outcome:
        """Give a waiting (MODAL) job its text and start it."""
        return await self._start(
            who, lambda: self._engine.submit_modal(task_id, prompt=text, mask=mask)
        )

    async def retry(self, who: Requester, task: Task) -> Outcome:
        if task.parent_id is not None and task.custom_id is not None:
            ref = ButtonRef(task.parent_id, task.custom_id, who.user_id, who.chat_id)
            return await self.press(who, ref)
        if task.action is TaskAction.SHORTEN:
            return await self.shorten(who, task.prompt)
        prompt = task.prompt_en if task.image_urls else task.prompt
        return await self._start(who, lambda: self._engine.submit_imagine(prompt))

    async def _start(
        self,
        who: Requester,
        submit: Callable[[], Awaitable[SubmitResult]],
        *,
        modal_ok: bool = False,
    ) -> Outcome:
        day = today()
        if not await self._users.try_charge(who.profile, day, unlimited=who.admin):
            await self.say(who, texts.quota_exhausted(await self._users.quota_of(who.profile)))
            return None
        try:
            result = await submit()
        except MjError as exc:
            await self._users.refund(who.user_id, day)
            log.info("submit refused [user:%s] %s", who.user_id, exc.message)
            await self.say(who, texts.error_text(exc))
            return None
        if modal_ok and result.code is SubmitCode.MODAL and result.result:
            await self._users.refund(who.user_id, day)
            return await self._modal_needed(result)
        if result.code not in _STARTED or not result.result:
            await self._users.refund(who.user_id, day)
            await self.say(who, texts.submit_refused(result))
            return None
        task = await self._engine.get(result.result)
        if task is None:
            return None
        position = self._engine.queue_position(task.id) or _ahead(result) + 1
        text = texts.queued(task, position)
        message = await self._bot.send_message(
            who.chat_id, text, reply_parameters=_reply(who.reply_to)
        )
        record = JobRecord(
            task_id=task.id,
            chat_id=who.chat_id,
            message_id=message.message_id,
            owner_id=who.user_id,
            locale=who.locale,
            as_document=who.profile.send_as_document,
            charged_day=day,
        )
        await self._jobs.put(record)
        await self._tracker.track(record, shown_text=text)
        await self._users.remember(who.user_id, task.id)
        log.info("job started [task:%s user:%s chat:%s]", task.id, who.user_id, who.chat_id)
        return task

    async def _modal_needed(self, result: SubmitResult) -> ModalNeeded:
        assert result.result is not None
        task = await self._engine.get(result.result)
        kind = ""
        if task is not None and task.custom_id:
            kind = classify(task.custom_id).kind
        suggestion = str(dict(result.properties).get("finalPrompt") or "")
        return ModalNeeded(result.result, kind, suggestion)

    async def say(self, who: Requester, text: str) -> None:
        await self._bot.send_message(who.chat_id, text, reply_parameters=_reply(who.reply_to))


def _ahead(result: SubmitResult) -> int:
    value = dict(result.properties).get("numberOfQueues", 0)
    return value if isinstance(value, int) else 0


def _reply(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)
