"""One message per job: queued → preview with progress → final image with buttons (or failure).

``JobTracker`` follows every task change (``engine.subscribe()``) and keeps one worker per job
that has a message. A worker merges changes: it only ever renders the newest state, at most once
per interval, and progress edits use the limiter's background lane (a busy group never waits for
previews). The final state is sent in the foreground lane and retried on transient errors.
Records are persisted (``JobStore``), so after a restart workers resume where they stopped.

What a job's message goes through (``progress_due`` decides each progress edit):

- queued: the reply says "⏳ Queued #n"; moves in the queue edit it, outside the budget below;
- started: the first edit once the job left the queue is always made, so every job shows that
  it started, with the first preview when one is ready and as text otherwise;
- progress: at most ``MAX_PROGRESS_EDITS`` edits per job from the start on (the start edit
  included), each only when progress moved on by at least ``PREVIEW_SHARE`` of an even share of
  what is left, ``(100 - shown %) / (edits left + 1)``, the final image taking the last share;
- final: the image with its buttons (or the failure), sent as soon as the chat allows.

So a job costs at most ``MAX_PROGRESS_EDITS + 2`` Bot API calls (8), however many frames
Midjourney sends. With its usual frames (0, 15, 31, 46, 62, 78, 93 %) the message shows the
start, previews at 15 to 78 % and the final; the 93 % frame, moments before the final, is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)

from bot.telegram import keyboards, texts
from bot.telegram.callbacks import ButtonRef, ButtonTokens
from bot.telegram.delivery import DeliveryError, FileIds, ImageSource, Variant, document_name
from bot.telegram.i18n import use_locale
from bot.telegram.jobs import JobRecord, JobStore, MessageKind
from bot.telegram.limiter import FloodLimiter, is_group, is_not_modified
from bot.telegram.users import UserStore
from mjcore.engine import Engine
from mjcore.errors import MjError
from mjcore.inputs import numbered_prompts
from mjcore.models import Task, TaskAction, TaskStatus

log = logging.getLogger(__name__)

PRIVATE_PROGRESS_INTERVAL = 2.0
GROUP_PROGRESS_INTERVAL = 12.0
BACKGROUND_POLL_SECONDS = 0.5
FINAL_ATTEMPTS = 4
FINAL_RETRY_SECONDS = 1.0
MAX_PROGRESS_EDITS = 6  # per job once it left the queue: with the reply and the final, 8 calls
PREVIEW_SHARE = 0.75  # Midjourney's steps are uneven (15, 16 points): tolerate a short one
FULL_PERCENT = 100
_PROMPT_ACTIONS = frozenset({TaskAction.DESCRIBE, TaskAction.SHORTEN})
_RETRYABLE_ACTIONS = frozenset({TaskAction.IMAGINE, TaskAction.SHORTEN})
_TRANSIENT = (TelegramNetworkError, TelegramRetryAfter, TelegramServerError)


def _final_retry_delay(exc: Exception, attempt: int, step: float) -> float:
    """No pause after a first network error: most are a kept-alive connection the server had
    closed, and the next attempt opens a new one. Other failures back off ``step`` per attempt."""
    if attempt == 1 and isinstance(exc, TelegramNetworkError):
        return 0.0
    return step * attempt


_GONE_MARKERS = ("message to edit not found", "message can't be edited", "message_id_invalid")

View = tuple[str, str | None]  # (text or caption, preview image URL)


@dataclass(frozen=True, slots=True)
class ProgressOptions:
    """Pacing of progress edits (seconds between two edits of one job's message)."""

    private_interval: float = PRIVATE_PROGRESS_INTERVAL
    group_interval: float = GROUP_PROGRESS_INTERVAL
    background_poll: float = BACKGROUND_POLL_SECONDS
    final_retry: float = FINAL_RETRY_SECONDS
    previews: bool = True
    max_edits: int = MAX_PROGRESS_EDITS  # progress edits per job once it left the queue


def _percent(task: Task) -> int | None:
    digits = task.progress.rstrip("%")
    return int(digits) if digits.isdigit() else None


def _rank(task: Task) -> tuple[int, int]:
    return task.status.order, _percent(task) or 0


def _started(task: Task) -> bool:
    """Whether the job left the queue (and the wait for the user's text)."""
    return task.status.order >= TaskStatus.SUBMITTED.order


def progress_due(task: Task, *, edits: int, shown_percent: int | None, max_edits: int) -> bool:
    """Whether the message of unfinished ``task`` deserves a progress edit now.

    ``edits``: progress edits made since the job started; ``shown_percent``: the progress they
    show (None before the start edit). See the module docstring for the rule.
    """
    if not _started(task) or shown_percent is None:
        return True
    left = max_edits - edits
    if left <= 0:
        return False
    percent = _percent(task)
    if task.status is not TaskStatus.IN_PROGRESS or percent is None:
        return True
    share = (FULL_PERCENT - shown_percent) / (left + 1)
    return percent - shown_percent >= PREVIEW_SHARE * share


class _Job:
    """A job's message and the newest known state of its task."""

    __slots__ = (
        "changed",
        "edits",
        "finished",
        "last_edit",
        "record",
        "shown",
        "shown_percent",
        "task",
    )

    def __init__(self, record: JobRecord, shown: View | None) -> None:
        self.record = record
        self.task: Task | None = None
        self.changed = asyncio.Event()
        self.finished = asyncio.Event()
        self.shown = shown
        self.last_edit = float("-inf")
        self.edits = 0  # progress edits since the job started
        self.shown_percent: int | None = None  # what they show; None before the start edit

    def offer(self, task: Task) -> None:
        if self.task is None or _rank(task) >= _rank(self.task):
            self.task = task
            if task.is_final:
                self.finished.set()
        self.changed.set()


class JobTracker:
    """Drives the message of every job from the engine's task changes."""

    def __init__(
        self,
        *,
        bot: Bot,
        engine: Engine,
        jobs: JobStore,
        users: UserStore,
        tokens: ButtonTokens,
        files: FileIds,
        images: ImageSource,
        limiter: FloodLimiter,
        options: ProgressOptions | None = None,
    ) -> None:
        self._bot = bot
        self._engine = engine
        self._jobs = jobs
        self._users = users
        self._tokens = tokens
        self._files = files
        self._images = images
        self._limiter = limiter
        self.options = options or ProgressOptions()
        self._active: dict[str, _Job] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._group: asyncio.TaskGroup | None = None
        self.ready = asyncio.Event()

    # ------------------------------------------------------------ lifetime
    async def run(self) -> None:
        """Follow task changes until cancelled (resumes persisted jobs first)."""
        async with self._engine.subscribe() as changes, asyncio.TaskGroup() as group:
            self._group = group
            try:
                for record in await self._jobs.active():
                    await self.track(record)
                self.ready.set()
                while True:
                    self._offer(await changes.get())
            finally:
                self._group = None
                self.ready.clear()

    async def track(self, record: JobRecord, *, shown_text: str | None = None) -> None:
        """Follow the job whose message ``record`` describes (``shown_text``: what it shows)."""
        if self._group is None:
            raise RuntimeError("the job tracker is not running")
        job = _Job(record, None if shown_text is None else (shown_text, None))
        self._active[record.task_id] = job
        worker = self._group.create_task(self._work(job), name=f"tg-job-{record.task_id}")
        self._workers.add(worker)
        worker.add_done_callback(self._workers.discard)
        task = await self._engine.get(record.task_id)
        if task is None:
            log.warning("job without a task [task:%s]", record.task_id)
            await self._jobs.put(replace(record, delivered=True))
            worker.cancel()
            self._active.pop(record.task_id, None)
            return
        job.offer(task)

    def _offer(self, task: Task) -> None:
        job = self._active.get(task.id)
        if job is not None:
            job.offer(task)
        if task.status is not TaskStatus.NOT_START:
            # a job left a queue: positions of the waiting jobs moved
            for other in self._active.values():
                if other.task is not None and other.task.status is TaskStatus.NOT_START:
                    other.changed.set()

    def is_tracking(self, task_id: str) -> bool:
        return task_id in self._active

    # ------------------------------------------------------------ worker
    async def _work(self, job: _Job) -> None:
        task_id = job.record.task_id
        try:
            while True:
                await job.changed.wait()
                job.changed.clear()
                task = job.task
                if task is None:
                    continue
                with use_locale(job.record.locale):
                    if task.is_final:
                        await self._finish(job, task)
                        return
                    try:
                        await self._progress(job)
                    except (TelegramAPIError, DeliveryError, MjError) as exc:
                        log.warning("progress edit failed [task:%s] %s", task_id, exc)
        finally:
            if self._active.get(task_id) is job:
                del self._active[task_id]

    async def _wait_finished(self, job: _Job, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the job finished meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(job.finished.wait(), seconds)
        return job.finished.is_set()

    def _view(self, task: Task) -> View:
        """What the message should show for an unfinished task."""
        position = (
            self._engine.queue_position(task.id) if task.status is TaskStatus.NOT_START else None
        )
        preview = None
        if self.options.previews and task.status is TaskStatus.IN_PROGRESS:
            preview = task.image_url
        return texts.in_progress(task, position), preview

    def _due(self, job: _Job, task: Task) -> bool:
        return progress_due(
            task, edits=job.edits, shown_percent=job.shown_percent, max_edits=self.options.max_edits
        )

    async def _progress(self, job: _Job) -> None:
        chat_id = job.record.chat_id
        assert job.task is not None
        if self._view(job.task) == job.shown or not self._due(job, job.task):
            return
        interval = (
            self.options.group_interval if is_group(chat_id) else self.options.private_interval
        )
        pause = job.last_edit + interval - self._limiter.now()
        if pause > 0 and await self._wait_finished(job, pause):
            job.changed.set()
            return
        while not self._limiter.background_allowed(chat_id):
            if await self._wait_finished(job, self.options.background_poll):
                job.changed.set()
                return
        task = job.task
        view = self._view(task)
        if task.is_final or view == job.shown or not self._due(job, task):
            job.changed.set()
            return
        text, preview_url = view
        preview = None
        if preview_url is not None:
            try:
                preview = await self._images.preview(task)
            except DeliveryError as exc:
                log.info("no preview [task:%s] %s", task.id, exc)
        async with self._limiter.reserve(chat_id, background=True):
            await self._edit_progress(job, text, preview)
        job.shown = view
        job.last_edit = self._limiter.now()
        if _started(task):
            job.edits += 1
            job.shown_percent = _percent(task) or 0

    async def _edit_progress(self, job: _Job, text: str, preview: bytes | None) -> None:
        record = job.record
        try:
            if preview is not None:
                media = InputMediaPhoto(
                    media=BufferedInputFile(preview, f"preview-{record.task_id}.jpg"), caption=text
                )
                await self._bot.edit_message_media(
                    media=media, chat_id=record.chat_id, message_id=record.message_id
                )
                if record.kind is not MessageKind.PHOTO:
                    job.record = replace(record, kind=MessageKind.PHOTO)
                    await self._jobs.put(job.record)
            elif record.kind is MessageKind.TEXT:
                await self._bot.edit_message_text(
                    text=text, chat_id=record.chat_id, message_id=record.message_id
                )
            else:
                await self._bot.edit_message_caption(
                    caption=text, chat_id=record.chat_id, message_id=record.message_id
                )
        except TelegramBadRequest as exc:
            if not is_not_modified(exc):
                raise

    # ------------------------------------------------------------ final
    async def _finish(self, job: _Job, task: Task) -> None:
        record = job.record
        if task.status is TaskStatus.FAILURE and record.charged_day and not record.refunded:
            await self._users.refund(record.owner_id, record.charged_day)
            job.record = replace(record, refunded=True)
            await self._jobs.put(job.record)
        for attempt in range(1, FINAL_ATTEMPTS + 1):
            try:
                await self._deliver(job, task)
                break
            except (*_TRANSIENT, DeliveryError, MjError) as exc:
                log.warning("final delivery failed [task:%s attempt:%d] %s", task.id, attempt, exc)
                if attempt == FINAL_ATTEMPTS:
                    await self._deliver_failure_notice(job, task)
                    break
                await asyncio.sleep(_final_retry_delay(exc, attempt, self.options.final_retry))
            except TelegramAPIError as exc:
                log.warning("final delivery refused [task:%s] %s", task.id, exc)
                break
        job.record = replace(job.record, delivered=True)
        await self._jobs.put(job.record)
        log.info("job delivered [task:%s status:%s]", task.id, task.status)

    async def _deliver(self, job: _Job, task: Task) -> None:
        if task.status is not TaskStatus.SUCCESS:
            markup = (
                keyboards.retry_keyboard(task.id)
                if task.status is TaskStatus.FAILURE and retryable(task)
                else None
            )
            await self._edit_text(job, texts.failure(task), markup)
        elif task.action in _PROMPT_ACTIONS or not (task.discord_image_url or task.image_url):
            prompts = numbered_prompts(task.final_prompt or "")
            markup = await self.result_keyboard(task, job.record, original=False)
            await self._edit_text(job, texts.prompts_result(task, prompts), markup)
        else:
            await self._edit_image(job, task)

    async def _edit_text(self, job: _Job, text: str, markup: InlineKeyboardMarkup | None) -> None:
        record = job.record
        try:
            if record.kind is MessageKind.TEXT:
                await self._bot.edit_message_text(
                    text=text, chat_id=record.chat_id, message_id=record.message_id,
                    reply_markup=markup,
                )  # fmt: skip
            else:
                caption = texts.shorten_html(text, texts.CAPTION_LIMIT)
                await self._bot.edit_message_caption(
                    caption=caption, chat_id=record.chat_id, message_id=record.message_id,
                    reply_markup=markup,
                )  # fmt: skip
        except TelegramBadRequest as exc:
            if is_not_modified(exc):
                return
            if not _gone(exc):
                raise
            sent = await self._bot.send_message(record.chat_id, text, reply_markup=markup)
            await self._moved(job, sent, MessageKind.TEXT)

    async def _edit_image(self, job: _Job, task: Task) -> None:
        record = job.record
        caption = texts.final_caption(task)
        markup = await self.result_keyboard(task, record, original=True)
        as_document = record.as_document
        kind = MessageKind.DOCUMENT if as_document else MessageKind.PHOTO
        media = await self.media(task, caption, as_document=as_document)
        try:
            sent = await self._edit_media(job, media, markup, kind)
        except TelegramBadRequest as exc:
            if is_not_modified(exc):
                return
            if not isinstance(media.media, str):
                raise
            # a cached file id Telegram no longer accepts: upload the image again
            log.info("cached file id refused [task:%s] %s", task.id, exc)
            await self._files.forget(task.id, Variant.DOCUMENT if as_document else Variant.PHOTO)
            media = await self.media(task, caption, as_document=as_document)
            sent = await self._edit_media(job, media, markup, kind)
        if isinstance(sent, Message):
            await self.remember_file(task.id, sent)
        job.record = replace(job.record, kind=kind)

    async def _edit_media(
        self,
        job: _Job,
        media: InputMediaPhoto | InputMediaDocument,
        markup: InlineKeyboardMarkup | None,
        kind: MessageKind,
    ) -> Message | bool:
        """Edit the job's message into ``media``; a deleted message is sent anew."""
        record = job.record
        try:
            return await self._bot.edit_message_media(
                media=media, chat_id=record.chat_id, message_id=record.message_id,
                reply_markup=markup,
            )  # fmt: skip
        except TelegramBadRequest as exc:
            if not _gone(exc):
                raise
        sent = await self._send_media(record.chat_id, media, markup)
        await self._moved(job, sent, kind)
        return sent

    async def _moved(self, job: _Job, sent: Message, kind: MessageKind) -> None:
        job.record = replace(job.record, message_id=sent.message_id, kind=kind)
        await self._jobs.put(job.record)

    async def _send_media(
        self,
        chat_id: int,
        media: InputMediaPhoto | InputMediaDocument,
        markup: InlineKeyboardMarkup | None,
        reply_to: int | None = None,
    ) -> Message:
        reply = (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        )
        if isinstance(media, InputMediaDocument):
            return await self._bot.send_document(
                chat_id, media.media, caption=media.caption, reply_markup=markup,
                reply_parameters=reply,
            )  # fmt: skip
        return await self._bot.send_photo(
            chat_id, media.media, caption=media.caption, reply_markup=markup,
            reply_parameters=reply,
        )  # fmt: skip

    async def _deliver_failure_notice(self, job: _Job, task: Task) -> None:
        failed = replace(task, status=TaskStatus.FAILURE, fail_reason="image delivery failed")
        with contextlib.suppress(TelegramAPIError):
            await self._edit_text(job, texts.failure(failed), keyboards.retry_keyboard(task.id))

    # ------------------------------------------------------------ shared with handlers
    async def result_keyboard(
        self, task: Task, record: JobRecord, *, original: bool
    ) -> InlineKeyboardMarkup | None:
        entries = []
        for button in keyboards.pressable(task.buttons):
            ref = ButtonRef(task.id, button.custom_id, record.owner_id, record.chat_id)
            entries.append(keyboards.PressableButton(button, await self._tokens.issue(ref)))
        return keyboards.result_keyboard(entries, original_of=task.id if original else None)

    async def media(
        self, task: Task, caption: str, *, as_document: bool
    ) -> InputMediaPhoto | InputMediaDocument:
        """The final image as Telegram media: a cached file id, or freshly prepared bytes."""
        if as_document:
            file_id = await self._files.get(task.id, Variant.DOCUMENT)
            if file_id is not None:
                return InputMediaDocument(media=file_id, caption=caption)
            data = await self._images.original(task)
            upload = BufferedInputFile(data, document_name(task, data))
            return InputMediaDocument(media=upload, caption=caption)
        file_id = await self._files.get(task.id, Variant.PHOTO)
        if file_id is not None:
            return InputMediaPhoto(media=file_id, caption=caption)
        photo = await self._images.photo(task)
        return InputMediaPhoto(media=BufferedInputFile(photo, f"mj-{task.id}.jpg"), caption=caption)

    async def remember_file(self, task_id: str, message: Message) -> None:
        if message.photo:
            await self._files.put(task_id, Variant.PHOTO, message.photo[-1].file_id)
        elif message.document:
            await self._files.put(task_id, Variant.DOCUMENT, message.document.file_id)

    async def send_media(
        self,
        chat_id: int,
        media: InputMediaPhoto | InputMediaDocument,
        markup: InlineKeyboardMarkup | None = None,
        *,
        reply_to: int | None = None,
    ) -> Message:
        return await self._send_media(chat_id, media, markup, reply_to)


def retryable(task: Task) -> bool:
    """Whether "Retry" can submit the job again (its inputs are known)."""
    return task.action in _RETRYABLE_ACTIONS or (
        task.parent_id is not None and task.custom_id is not None
    )


def _gone(exc: TelegramBadRequest) -> bool:
    text = exc.message.lower()
    return any(marker in text for marker in _GONE_MARKERS)
