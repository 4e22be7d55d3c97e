"""The Engine: what front ends call. Submit, press buttons, read tasks, follow changes.

An async context manager: entering starts every account runtime, leaving stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import logging
import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from mjcore.accounts import AccountRuntime, AccountState, DiscordEndpoints
from mjcore.clock import now_ms
from mjcore.config import (
    MODAL_TIMEOUT_SECONDS,
    PROGRESS_WRITE_SECONDS,
    account_from_mapping,
    account_to_mapping,
)
from mjcore.contract import task_json
from mjcore.errors import (
    MjError,
    NoAccountError,
    TaskNotFoundError,
    TaskStateError,
    ValidationError,
)
from mjcore.events import ModalRequired, TaskCancelled, TaskFailed, TaskRequeued
from mjcore.inputs import (
    BLEND_DIMENSIONS,
    MAX_IMAGE_PROMPTS,
    check_images,
    default_modal_value,
    prepare_prompt,
    valid_zoom,
)
from mjcore.media import ImageStore, InputFiles, InputImage
from mjcore.metrics import AccountSample, Metrics
from mjcore.midjourney.custom_ids import classify
from mjcore.midjourney.info import parse_info
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    AccountConfig,
    AccountMode,
    BotType,
    SubmitCode,
    SubmitResult,
    Task,
    TaskAction,
    TaskStatus,
)
from mjcore.notify import notify_order
from mjcore.pool import ChooseRule, choose_account
from mjcore.redact import secret_filter
from mjcore.store.base import TaskStore
from mjcore.translate.base import NullTranslator, Translator

log = logging.getLogger(__name__)

ACCOUNTS_NAMESPACE = "accounts"
DELETED_ACCOUNTS_NAMESPACE = "accounts-deleted"
_RECENT_RESULTS = 500
KEPT_FINISHED = 1_000
_CLOSE_TIMEOUT_SECONDS = 15.0
_TIMER_SLACK_SECONDS = 0.005  # held progress due this soon is released with the rest
_WRITE_RETRY_SECONDS = 1.0  # finished tasks checked when channel history is replayed
_CHANGE_PREFIX = {
    TaskAction.UPSCALE: "MJ::JOB::upsample::{index}::",
    TaskAction.VARIATION: "MJ::JOB::variation::{index}::",
    TaskAction.REROLL: "MJ::JOB::reroll::0::",
}
_CHANGE_LABEL = {TaskAction.UPSCALE: "U", TaskAction.VARIATION: "V", TaskAction.REROLL: "R"}


@dataclass(frozen=True, slots=True)
class EngineOptions:
    public_url: str = "http://127.0.0.1:8080"
    notify_hook: str | None = None
    choose_rule: ChooseRule = ChooseRule.BEST_WAIT_IDLE
    auto_appeal: bool = False
    # seconds a MODAL task waits for /submit/modal before it fails
    modal_timeout: float = MODAL_TIMEOUT_SECONDS
    # seconds a running task's progress may stay unwritten (status changes are written at once)
    progress_write_interval: float = PROGRESS_WRITE_SECONDS
    # finished tasks kept in memory after their write (``Engine.live``): fetches right after
    kept_finished: int = KEPT_FINISHED

    def __post_init__(self) -> None:
        if not 0 < self.modal_timeout < math.inf:
            raise ValidationError("modal_timeout must be a positive number of seconds")
        if not 0 <= self.progress_write_interval < math.inf:
            raise ValidationError("progress_write_interval must be zero or a number of seconds")
        if self.kept_finished < 0:
            raise ValidationError("kept_finished must be zero or more")


class Engine:
    def __init__(
        self,
        *,
        store: TaskStore,
        accounts: Sequence[AccountConfig],
        endpoints: DiscordEndpoints,
        images: ImageStore | None = None,
        inputs: InputFiles | None = None,
        translator: Translator | None = None,
        banned: Any = None,
        notifier: Any = None,
        options: EngineOptions | None = None,
    ) -> None:
        self.store = store
        self.endpoints = endpoints
        self.images = images
        self.inputs = inputs or InputFiles(None)
        self.options = options or EngineOptions()
        self._translator = translator or NullTranslator()
        self._banned = banned
        self._notifier = notifier
        self._ids = itertools.count()
        self._subscribers: set[asyncio.Queue[Task]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._configured = list(accounts)
        self.accounts: dict[str, AccountRuntime] = {}
        self._account_jobs: dict[str, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None
        self._started = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._unsaved: dict[str, Task] = {}  # changes not written yet, newest version per task
        self._open: dict[str, Task] = {}  # unfinished tasks seen by this run (queued ones too)
        self._finished: dict[str, Task] = {}  # the latest finished tasks written, oldest first
        self._modal_timers: dict[str, asyncio.TimerHandle] = {}  # MODAL task id -> its expiry
        self._dirty = asyncio.Event()
        # progress-only changes written later: task id -> loop time they are due (in due order)
        self._held: dict[str, float] = {}
        self._release: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None
        self._commit_waiters: list[asyncio.Future[None]] = []
        self.metrics = Metrics()

    # ----------------------------------------------------------------- lifetime
    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        for config in await self._account_configs():
            self.accounts[config.id] = self._new_runtime(config)
        await self._recover()
        self._runner = asyncio.create_task(self._run(), name="mjbridge-engine")
        await self._started.wait()

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            self._group = tg
            for runtime in self.accounts.values():
                self._launch(runtime)
            self._writer = tg.create_task(self._write_behind(), name="write-behind")
            self._started.set()
            await asyncio.Event().wait()  # until close() cancels the engine

    def _new_runtime(self, config: AccountConfig) -> AccountRuntime:
        runtime = AccountRuntime(
            config,
            endpoints=self.endpoints,
            load_task=self.get,
            on_change=self._changed,
            inputs=self.inputs,
            finished_messages=self._finished_messages,
        )
        runtime.auto_appeal = self.options.auto_appeal
        return runtime

    def _launch(self, runtime: AccountRuntime) -> None:
        assert self._group is not None
        job = self._group.create_task(self._guarded(runtime), name=f"account-{runtime.id}")
        self._account_jobs[runtime.id] = job

    async def _guarded(self, runtime: AccountRuntime) -> None:
        """One account failing never takes the others down."""
        try:
            await runtime.run()
        except Exception as exc:
            log.exception("account stopped [account:%s]", runtime.id)
            runtime.disable(f"internal error: {exc}")

    async def close(self) -> None:
        """Stop every account and background job; bounded, so shutdown never hangs."""
        for timer in self._modal_timers.values():
            timer.cancel()  # the next run re-arms them from the store
        self._modal_timers.clear()
        jobs: list[asyncio.Task[Any]] = list(self._background)
        if self._runner is not None:
            jobs.append(self._runner)
            self._runner = None
        for job in jobs:
            job.cancel()
        if jobs:
            done, pending = await asyncio.wait(jobs, timeout=_CLOSE_TIMEOUT_SECONDS)
            for job in done:
                if not job.cancelled() and job.exception() is not None:
                    log.warning("job ended with %r while closing", job.exception())
            for job in pending:
                log.error("still running after close [job:%s]\n%s", job.get_name(), _stack(job))
        for runtime in self.accounts.values():
            try:
                async with asyncio.timeout(_CLOSE_TIMEOUT_SECONDS):
                    await runtime.aclose()
            except TimeoutError:
                log.error("gateway did not close in time [account:%s]", runtime.id)
        waiters, self._commit_waiters = self._commit_waiters, []
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._held.clear()  # everything is written now
        try:
            await self._flush()
        except Exception as exc:
            log.exception("task changes lost at shutdown")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(MjError(f"task store unavailable: {exc}"))
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until every enabled account is connected."""
        waits = [r.wait_ready(timeout) for r in self.accounts.values() if r.enabled]
        await asyncio.gather(*waits)

    async def _recover(self) -> None:
        """Tasks left unfinished by the last run: queue NOT_START again, follow the rest."""
        for task in await self.store.unfinished():
            runtime = self.accounts.get(task.account_id or "")
            if task.status is TaskStatus.MODAL:
                await self._resume_modal_wait(task)  # /submit/modal checks the account
                continue
            if runtime is None or not runtime.enabled:
                await self._fail(task, "account no longer available after restart")
            elif task.status is TaskStatus.NOT_START:
                runtime.enqueue(task.id, admitted=False)
            elif task.status in ACTIVE_STATUSES:
                runtime.track(task)

    async def _resume_modal_wait(self, task: Task) -> None:
        """A MODAL task of the last run: it fails if its wait is over, else waits out the rest."""
        if now_ms() >= self._modal_deadline(task):
            await self._fail(task, self._modal_expiry_reason())
        else:
            self._open[task.id] = task
            self._watch_modal(task)

    # ----------------------------------------------------------------- accounts
    async def _account_configs(self) -> list[AccountConfig]:
        """Configured accounts, overlaid with those created, changed or deleted over REST."""
        configs = {c.id: c for c in self._configured}
        for account_id, text in await self.store.kv_items(ACCOUNTS_NAMESPACE):
            try:
                configs[account_id] = account_from_mapping(json.loads(text))
            except (ValueError, MjError) as exc:
                log.warning("ignoring stored account [account:%s] %s", account_id, exc)
        for account_id, _ in await self.store.kv_items(DELETED_ACCOUNTS_NAMESPACE):
            configs.pop(account_id, None)
        return list(configs.values())

    async def _stop_runtime(self, runtime: AccountRuntime) -> tuple[list[Task], list[str]]:
        job = self._account_jobs.pop(runtime.id, None)
        if job is not None:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
        await runtime.aclose()
        return runtime.active_tasks(), runtime.queued_task_ids()

    async def _finished_messages(self, account_id: str) -> set[str]:
        recent = await self.store.list(
            limit=_RECENT_RESULTS, account_id=account_id, statuses=FINAL_STATUSES
        )
        return {t.message_id for t in recent if t.message_id}

    async def put_account(self, config: AccountConfig) -> AccountRuntime:
        """Create or replace an account (its runtime restarts; its tasks carry over)."""
        secret_filter.add(config.user_token)
        old = self.accounts.get(config.id)
        active, queued = await self._stop_runtime(old) if old is not None else ([], [])
        runtime = self._new_runtime(config)
        self.accounts[config.id] = runtime
        for task in active:
            if not config.enabled:
                await self._fail(task, f"account {config.id} was disabled")
            elif task.status is TaskStatus.NOT_START:
                runtime.enqueue(task.id, admitted=False)
            else:
                runtime.track(task)
        for task_id in queued:
            if config.enabled:
                runtime.enqueue(task_id, admitted=False)
            else:
                queued_task = await self.get(task_id)
                if queued_task is not None and not queued_task.is_final:
                    await self._fail(queued_task, f"account {config.id} was disabled")
        if self._group is not None:
            self._launch(runtime)
        await self.store.kv_put(
            ACCOUNTS_NAMESPACE, config.id, json.dumps(account_to_mapping(config))
        )
        await self.store.kv_delete(DELETED_ACCOUNTS_NAMESPACE, config.id)
        log.info("account saved [account:%s enabled:%s]", config.id, config.enabled)
        return runtime

    async def remove_account(self, account_id: str) -> None:
        runtime = self.accounts.pop(account_id, None)
        if runtime is None:
            raise TaskNotFoundError(f"account {account_id} not found")
        active, queued = await self._stop_runtime(runtime)
        for task in [*active, *[t for t in await self.get_many(queued) if not t.is_final]]:
            await self._fail(task, f"account {account_id} was removed")
        await self.store.kv_delete(ACCOUNTS_NAMESPACE, account_id)
        await self.store.kv_put(DELETED_ACCOUNTS_NAMESPACE, account_id, "1")
        log.info("account removed [account:%s]", account_id)

    async def set_account_enabled(self, account_id: str, enabled: bool) -> AccountRuntime:
        runtime = self._account(account_id)
        return await self.put_account(replace(runtime.config, enabled=enabled))

    async def reconnect_account(self, account_id: str) -> AccountRuntime:
        """A fresh gateway connection (and a cleared disabled state) for the account."""
        runtime = self._account(account_id)
        return await self.put_account(replace(runtime.config, enabled=True))

    async def account_info(self, account_id: str) -> dict[str, str]:
        """Midjourney's ``/info`` for the account (subscription, job mode, fast time left...)."""
        runtime = self._usable(account_id)
        try:
            reply = await runtime.run_command("info")
        except TimeoutError as exc:
            raise MjError("Midjourney did not answer /info in time", account_id=account_id) from exc
        if reply.kind is not MessageKind.INFO:
            raise MjError(_reply_text(reply), account_id=account_id)
        return parse_info(reply.description or "")

    async def switch_mode(self, account_id: str, mode: AccountMode) -> str:
        """Run ``/fast``, ``/relax`` or ``/turbo`` on the account and remember the mode."""
        runtime = self._usable(account_id)
        try:
            reply = await runtime.run_command(mode.value)
        except TimeoutError as exc:
            raise MjError(
                f"Midjourney did not answer /{mode.value}", account_id=account_id
            ) from exc
        if reply.kind is not MessageKind.MODE_CHANGED:
            raise MjError(_reply_text(reply), account_id=account_id)
        runtime.config = replace(runtime.config, mode=mode)
        await self.store.kv_put(
            ACCOUNTS_NAMESPACE, account_id, json.dumps(account_to_mapping(runtime.config))
        )
        return reply.content

    def _usable(self, account_id: str) -> AccountRuntime:
        runtime = self._account(account_id)
        if not runtime.enabled:
            raise NoAccountError(f"account {account_id} is disabled: {runtime.reason}")
        return runtime

    def _account(self, account_id: str) -> AccountRuntime:
        runtime = self.accounts.get(account_id)
        if runtime is None:
            raise TaskNotFoundError(f"account {account_id} not found")
        return runtime

    async def _fail(self, task: Task, reason: str) -> None:
        from mjcore import lifecycle

        await self._changed(lifecycle.apply(task, TaskFailed(reason, now_ms())))

    # ----------------------------------------------------------------- reading
    def live(self, task_id: str) -> Task | None:
        """The newest version held in memory: queued, running, changed and not written yet, or
        among the latest ``kept_finished`` finished."""
        task = self._unsaved.get(task_id)
        if task is not None:
            return task
        for runtime in self.accounts.values():
            task = runtime.active_task(task_id)
            if task is not None:
                return task
        task = self._open.get(task_id)
        return task if task is not None else self._finished.get(task_id)

    def peek(self, task_id: str) -> Task | None:
        """``live``, safe to call from another thread (the HTTP front's).

        Tasks are immutable and each map is changed by single assignments, so a read between
        two of the engine's steps finds a version that was current; a map resized during the
        read (an account added or removed) gives None: ask the engine's own loop then.
        """
        try:
            return self.live(task_id)
        except RuntimeError:  # "dictionary changed size during iteration"
            return None

    async def get(self, task_id: str) -> Task | None:
        live = self.live(task_id)
        return live if live is not None else await self.store.get(task_id)

    def live_many(self, ids: Sequence[str]) -> tuple[dict[str, Task], list[str]]:
        """The tasks of ``ids`` held in memory (``live``), and the ids to read from the store."""
        found = {i: t for i in ids if (t := self.live(i)) is not None}
        return found, [i for i in ids if i not in found]

    async def get_many(self, ids: Sequence[str]) -> list[Task]:
        found, missing = self.live_many(ids)
        if missing:
            found.update((t.id, t) for t in await self.store.get_many(missing))
        return [found[i] for i in ids if i in found]

    async def list(self, *, limit: int = 100, offset: int = 0) -> list[Task]:
        page = await self.store.list(limit=limit, offset=offset)
        return [self._unsaved.get(t.id, t) for t in page]

    async def _committed(self) -> None:
        """Wait until everything changed so far is written (group commit with the writer)."""
        if self._writer is None or self._writer.done():
            await self._flush()  # no writer (starting up or closing): write now
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._commit_waiters.append(waiter)
        self._dirty.set()
        await waiter

    async def _write_behind(self) -> None:
        """Write pending task changes in batches, one transaction per batch."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            waiters, self._commit_waiters = self._commit_waiters, []
            try:
                await self._flush()
            except Exception as exc:
                log.exception("could not write task changes, will retry")
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(MjError(f"task store unavailable: {exc}"))
                await asyncio.sleep(_WRITE_RETRY_SECONDS)
                self._dirty.set()
                continue
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _flush(self) -> None:
        batch = self._due_changes()
        if not batch:
            return
        await self.store.save_many(list(batch.values()))
        for task_id, task in batch.items():
            if self._unsaved.get(task_id) is task:
                if task.is_final and self.options.kept_finished:
                    self._keep_finished(task)  # before it leaves _unsaved: readers find one
                del self._unsaved[task_id]

    def _keep_finished(self, task: Task) -> None:
        """Keep the latest ``kept_finished`` finished tasks in memory once written: clients
        fetch a task again just after it ends, and the answer needs no store read."""
        kept = self._finished
        kept.pop(task.id, None)
        kept[task.id] = task
        while len(kept) > self.options.kept_finished:
            del kept[next(iter(kept))]

    def _due_changes(self) -> dict[str, Task]:
        """The unwritten changes to write now: all but progress held until later."""
        if not self._held:
            return dict(self._unsaved)
        return {i: t for i, t in self._unsaved.items() if i not in self._held}

    def _hold_progress(self, previous: Task | None, task: Task) -> bool:
        """Whether ``task`` only moves a running job's progress on from an already written
        version: such a change waits up to ``progress_write_interval`` for its write (readers
        see it at once), so a job's stream of progress updates costs a few writes, not one
        each. A crash loses at most that much progress, which the channel replay restores."""
        if (
            previous is None
            or task.status is not TaskStatus.IN_PROGRESS
            or previous.status is not TaskStatus.IN_PROGRESS
            or previous.message_id != task.message_id
            or self.options.progress_write_interval <= 0
        ):
            return False
        if task.id in self._held:
            return True  # due when the first held change was
        if task.id in self._unsaved:
            return False  # a change not written yet: this one goes with it
        loop = asyncio.get_running_loop()
        self._held[task.id] = loop.time() + self.options.progress_write_interval
        if self._release is None:
            self._release = loop.call_later(self.options.progress_write_interval, self._released)
        return True

    def _released(self) -> None:
        """Release the held progress that is due to the writer; come back for the rest."""
        self._release = None
        loop = asyncio.get_running_loop()
        now = loop.time() + _TIMER_SLACK_SECONDS  # a timer may fire a little before its time
        while self._held:
            task_id, due = next(iter(self._held.items()))
            if due > now:
                self._release = loop.call_at(due, self._released)
                break
            del self._held[task_id]
        self._dirty.set()

    def queue_position(self, task_id: str) -> int | None:
        for runtime in self.accounts.values():
            ids = runtime.queued_task_ids()
            if task_id in ids:
                return ids.index(task_id) + 1
        return None

    # ----------------------------------------------------------------- submitting
    def new_task_id(self) -> str:
        return f"{now_ms()}{next(self._ids) % 1000:03d}"

    def _new_task(
        self,
        action: TaskAction,
        bot_type: BotType,
        notify_hook: str | None,
        state: str | None,
        **fields: Any,
    ) -> Task:
        """A NOT_START task with a fresh id, submitted now; the global hook unless one is given."""
        return Task(
            id=self.new_task_id(),
            action=action,
            state=state,
            submit_time=now_ms(),
            bot_type=bot_type,
            notify_hook=notify_hook or self.options.notify_hook,
            **fields,
        )

    async def _prepare_prompt(self, prompt: str) -> tuple[str, str]:
        return await prepare_prompt(prompt, self._translator, self._banned)

    async def submit_imagine(
        self,
        prompt: str,
        *,
        images: Sequence[bytes] = (),
        bot_type: BotType = BotType.MID_JOURNEY,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        """``/imagine``; ``images`` are image prompts, uploaded and put in front of the prompt."""
        checked = check_images(images, most=MAX_IMAGE_PROMPTS)
        prompt, prompt_en = await self._prepare_prompt(prompt)
        runtime = self._choose()
        task = self._new_task(
            TaskAction.IMAGINE,
            bot_type,
            notify_hook,
            state,
            prompt=prompt,
            prompt_en=prompt_en,
            description=f"/imagine {prompt}",
        )
        return await self._admit(runtime, task, checked)

    async def submit_describe(
        self,
        image: bytes,
        *,
        bot_type: BotType = BotType.MID_JOURNEY,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        """``/describe`` an image: four prompts come back in ``finalPrompt``."""
        checked = check_images([image], least=1, most=1)
        task = self._new_task(TaskAction.DESCRIBE, bot_type, notify_hook, state)
        task = replace(task, description=f"/describe {task.id}.{checked[0].extension}")
        return await self._admit(self._choose(), task, checked)

    async def submit_blend(
        self,
        images: Sequence[bytes],
        *,
        dimensions: str = "SQUARE",
        bot_type: BotType = BotType.MID_JOURNEY,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        """``/blend`` 2 to 5 images; ``dimensions``: PORTRAIT 2:3, SQUARE 1:1, LANDSCAPE 3:2."""
        ratio = BLEND_DIMENSIONS.get(dimensions.upper())
        if ratio is None:
            raise ValidationError("dimensions must be PORTRAIT, SQUARE or LANDSCAPE")
        checked = check_images(images, least=2, most=5)
        task = self._new_task(
            TaskAction.BLEND, bot_type, notify_hook, state, extra=(("dimensions", ratio),)
        )
        task = replace(task, description=f"/blend {task.id} {len(checked)}")
        return await self._admit(self._choose(), task, checked)

    async def submit_shorten(
        self,
        prompt: str,
        *,
        bot_type: BotType = BotType.MID_JOURNEY,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        """``/shorten``: the analysis and five shorter prompts come back in ``finalPrompt``."""
        prompt, prompt_en = await self._prepare_prompt(prompt)
        task = self._new_task(
            TaskAction.SHORTEN,
            bot_type,
            notify_hook,
            state,
            prompt=prompt,
            prompt_en=prompt_en,
            description=f"/shorten {prompt}",
        )
        return await self._admit(self._choose(), task)

    async def change(
        self,
        task_id: str,
        action: TaskAction,
        index: int | None = None,
        *,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        """The classic U/V/R change: mapped to the parent's button."""
        if action not in _CHANGE_PREFIX:
            raise ValidationError("action must be UPSCALE, VARIATION or REROLL")
        if action is not TaskAction.REROLL and (index is None or not 1 <= index <= 4):
            raise ValidationError("index must be between 1 and 4")
        parent = await self._parent(task_id)
        prefix = _CHANGE_PREFIX[action].format(index=index)
        button = next((b for b in parent.buttons if b.custom_id.startswith(prefix)), None)
        if button is None:
            raise TaskStateError(f"task {task_id} has no {action} button", task_id=task_id)
        return await self.action(task_id, button.custom_id, notify_hook=notify_hook, state=state)

    async def action(
        self,
        task_id: str,
        custom_id: str,
        *,
        notify_hook: str | None = None,
        state: str | None = None,
    ) -> SubmitResult:
        parent = await self._parent(task_id)
        if custom_id not in {b.custom_id for b in parent.buttons}:
            raise ValidationError(f"task {task_id} has no button {custom_id}", task_id=task_id)
        try:
            button = classify(custom_id)
        except ValueError as exc:
            raise ValidationError(f"unsupported button {custom_id}") from exc
        if not button.supported:
            raise ValidationError(f"the button {custom_id} cannot be pressed through mjbridge")
        runtime = self.accounts.get(parent.account_id or "")
        if runtime is None or not runtime.enabled:
            raise NoAccountError(
                f"account {parent.account_id} of task {task_id} is unavailable", task_id=task_id
            )
        if runtime.at_daily_limit:
            raise NoAccountError(f"account {runtime.id} reached its daily limit", task_id=task_id)
        label = _button_label(parent, custom_id)
        task = self._new_task(
            button.action,
            parent.bot_type,
            notify_hook,
            state,
            prompt=parent.prompt,
            prompt_en=parent.prompt_en,
            description=f"/up {parent.id} {label}",
            final_prompt=parent.final_prompt,
            parent_id=parent.id,
            custom_id=custom_id,
            index=button.index,
            referenced_message_id=parent.message_id,
            message_flags=parent.message_flags,
        )
        if button.needs_modal or (
            button.modal_if_remix and runtime.remix and not runtime.config.remix_auto_submit
        ):
            return await self._await_modal(runtime, task, parent)
        return await self._admit(runtime, task)

    async def _await_modal(self, runtime: AccountRuntime, task: Task, parent: Task) -> SubmitResult:
        """The action needs text (and maybe a mask) first: park the task in MODAL, code 21."""
        from mjcore import lifecycle

        task = lifecycle.apply(runtime.with_task(task), ModalRequired(now_ms()))
        await self._changed(task, durable=True)
        return SubmitResult(
            SubmitCode.MODAL,
            "Waiting for window confirm",
            task.id,
            (
                ("discordInstanceId", runtime.id),
                ("finalPrompt", parent.final_prompt or parent.prompt_en),
                ("remix", True),
            ),
        )

    async def submit_modal(
        self, task_id: str, *, prompt: str | None = None, mask: bytes | None = None
    ) -> SubmitResult:
        """Give a MODAL task its text (custom zoom, remix, describe/shorten picks, Vary Region)."""
        task = await self.get(task_id)
        if task is None:
            raise TaskNotFoundError(f"task {task_id} not found", task_id=task_id)
        if task.status is not TaskStatus.MODAL or task.custom_id is None:
            raise TaskStateError(f"task {task_id} is {task.status}, not MODAL", task_id=task_id)
        runtime = self.accounts.get(task.account_id or "")
        if runtime is None or not runtime.enabled:
            raise NoAccountError(f"account {task.account_id} is unavailable", task_id=task_id)
        parent = await self.get(task.parent_id or "")
        button = classify(task.custom_id)
        value = (prompt or "").strip() or default_modal_value(button.kind, button.index, parent)
        checked: list[InputImage] = []
        if button.kind == "CustomZoom" and not valid_zoom(value):
            raise ValidationError("Custom Zoom needs --zoom with a value from 1 to 2 in the prompt")
        if button.kind == "Inpaint":
            if mask is None:
                raise ValidationError("Vary (Region) needs maskBase64")
            checked = check_images([mask], least=1, most=1)
        if value:
            value, value_en = await self._prepare_prompt(value)
        else:
            value_en = ""
        current = self.live(task_id)
        if current is not None and current.status is not TaskStatus.MODAL:
            raise TaskStateError(f"task {task_id} is {current.status}, not MODAL", task_id=task_id)
        from mjcore import lifecycle

        ready = replace(
            lifecycle.apply(task, TaskRequeued(now_ms())),
            prompt=value or task.prompt,
            prompt_en=value_en or task.prompt_en,
            extra=task.with_extra(modalPrompt=value_en),
        )
        self._disarm_modal(task_id)  # no expiry while the submit is under way
        try:
            result = await self._admit(runtime, ready, checked)
        except BaseException:
            self._keep_waiting(task)
            raise
        if result.code is SubmitCode.QUEUE_REJECTED:
            self._keep_waiting(task)
        return result

    def _keep_waiting(self, task: Task) -> None:
        """A refused modal submit: the task still waits in MODAL, until its first deadline."""
        current = self.live(task.id)
        if current is None:  # the refused version was forgotten; the store holds this one
            self._open[task.id] = current = task
        if current.status is TaskStatus.MODAL:
            self._watch_modal(current)

    async def image_seed(self, task_id: str) -> str:
        task = await self.get(task_id)
        if task is None:
            raise TaskNotFoundError(f"task {task_id} not found", task_id=task_id)
        if task.status is not TaskStatus.SUCCESS:
            raise TaskStateError(f"task {task_id} is {task.status}, not SUCCESS", task_id=task_id)
        known = task.extra_value("seed")
        if known:
            return known
        runtime = self.accounts.get(task.account_id or "")
        if runtime is None or not runtime.enabled:
            raise NoAccountError(f"account {task.account_id} is unavailable", task_id=task_id)
        try:
            seed = await runtime.image_seed(task)
        except TimeoutError as exc:
            raise MjError("Midjourney sent no seed in time", task_id=task_id) from exc
        await self._changed(replace(task, extra=task.with_extra(seed=seed)))
        return seed

    async def cancel(self, task_id: str) -> Task:
        task = await self.get(task_id)
        if task is None:
            raise TaskNotFoundError(f"task {task_id} not found", task_id=task_id)
        if task.status in ACTIVE_STATUSES:
            runtime = self.accounts.get(task.account_id or "")
            if runtime is None:
                raise TaskStateError(f"task {task_id} is {task.status}", task_id=task_id)
            return await runtime.cancel_running(task_id)
        if task.status not in (TaskStatus.NOT_START, TaskStatus.MODAL):
            raise TaskStateError(f"task {task_id} is {task.status}", task_id=task_id)
        from mjcore import lifecycle

        cancelled = lifecycle.apply(task, TaskCancelled(now_ms()))
        await self._changed(cancelled, durable=True)
        return cancelled

    async def _parent(self, task_id: str) -> Task:
        parent = await self.get(task_id)
        if parent is None:
            raise TaskNotFoundError(f"task {task_id} not found", task_id=task_id)
        if parent.status is not TaskStatus.SUCCESS or parent.message_id is None:
            raise TaskStateError(f"task {task_id} is {parent.status}, not SUCCESS", task_id=task_id)
        return parent

    def _choose(self) -> AccountRuntime:
        runtimes = [r for r in self.accounts.values() if r.enabled and not r.at_daily_limit]
        if not runtimes:
            raise NoAccountError("no account is available")
        return choose_account(runtimes, self.options.choose_rule)

    async def _admit(
        self, runtime: AccountRuntime, task: Task, inputs: Sequence[InputImage] = ()
    ) -> SubmitResult:
        admission = runtime.admit()
        props: tuple[tuple[str, object], ...] = (("discordInstanceId", runtime.id),)
        if admission.code is SubmitCode.QUEUE_REJECTED:
            return SubmitResult(
                SubmitCode.QUEUE_REJECTED, "Queue full, please try again later", None, props
            )
        task = runtime.with_task(task)
        try:
            if inputs:
                await self.inputs.put(task.id, list(inputs))
            await self._changed(task, durable=True)
        except BaseException:
            runtime.release()
            self._forget(task)  # refused: never written later, never run
            raise
        runtime.enqueue(task.id)
        log.info("task queued [task:%s account:%s action:%s]", task.id, runtime.id, task.action)
        if admission.code is SubmitCode.IN_QUEUE:
            return SubmitResult(
                SubmitCode.IN_QUEUE,
                f"In queue, there are {admission.ahead} tasks ahead",
                task.id,
                (*props, ("numberOfQueues", admission.ahead)),
            )
        return SubmitResult(SubmitCode.SUCCESS, "Submit success", task.id, props)

    def _forget(self, task: Task) -> None:
        if self._unsaved.get(task.id) is task:
            del self._unsaved[task.id]
            self._held.pop(task.id, None)
        if self._open.get(task.id) is task:
            del self._open[task.id]

    # ----------------------------------------------------------------- modal expiry
    def _modal_deadline(self, task: Task) -> int:
        """When a MODAL task stops waiting for its text (unix ms).

        The wait is measured from ``submit_time``: a task enters MODAL only in the call that
        creates it (``action`` parks it before it is queued; the lifecycle allows MODAL from
        NOT_START alone), so its submit time is when the wait began, and it is stored with it.
        """
        return task.submit_time + round(self.options.modal_timeout * 1000)

    def _modal_expiry_reason(self) -> str:
        return f"modal not submitted within {self.options.modal_timeout:g} s"

    def _watch_modal(self, task: Task) -> None:
        """Arm one timer for a task entering MODAL; disarm it once the task leaves MODAL."""
        if task.status is not TaskStatus.MODAL:
            if self._modal_timers:
                self._disarm_modal(task.id)
            return
        if task.id in self._modal_timers:
            return
        delay = max(0.0, (self._modal_deadline(task) - now_ms()) / 1000)
        loop = asyncio.get_running_loop()
        self._modal_timers[task.id] = loop.call_later(delay, self._modal_due, task.id)

    def _disarm_modal(self, task_id: str) -> None:
        timer = self._modal_timers.pop(task_id, None)
        if timer is not None:
            timer.cancel()

    def _modal_due(self, task_id: str) -> None:
        self._modal_timers.pop(task_id, None)
        self._spawn(self._expire_modal(task_id))

    async def _expire_modal(self, task_id: str) -> None:
        task = self.live(task_id)
        if task is None or task.status is not TaskStatus.MODAL:
            return
        log.info("modal not submitted in time [task:%s account:%s]", task.id, task.account_id)
        await self._fail(task, self._modal_expiry_reason())

    # ----------------------------------------------------------------- changes
    async def _changed(self, task: Task, *, durable: bool = False) -> None:
        """Record, publish and announce a task change.

        ``durable``: written before returning (a new task, a caller's cancel). Other changes —
        the many a running job goes through — are written behind, batched by ``_write_behind``,
        so no account waits on the disk for each Discord event; reads see them at once.
        """
        previous = self._unsaved.get(task.id) or self._open.get(task.id)
        held = not durable and self._hold_progress(previous, task)
        self._unsaved[task.id] = task
        if task.is_final:
            self._open.pop(task.id, None)
        else:
            self._open[task.id] = task
        self._watch_modal(task)
        if not held:
            self._held.pop(task.id, None)
            if durable:
                await self._committed()
            else:
                self._dirty.set()
        self.metrics.observe(task)
        for queue in list(self._subscribers):
            queue.put_nowait(task)
        if self._notifier is not None and task.notify_hook:
            order = notify_order(task)
            body = task_json(task, public_url=self.options.public_url, cdn_base=self.endpoints.cdn)
            await self._notifier.enqueue(task.id, task.notify_hook, body, order)
        if task.status is TaskStatus.SUCCESS and task.discord_image_url and self.images:
            self._spawn(self._keep_image(task))

    async def _keep_image(self, task: Task) -> None:
        assert self.images is not None and task.discord_image_url is not None
        try:
            await self.images.ensure(task.id, task.discord_image_url)
        except MjError as exc:
            log.warning("could not keep image [task:%s] %s", task.id, exc.message)

    def _spawn(self, coro: Any) -> None:
        job = asyncio.create_task(coro)
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Task]]:
        """A queue that receives every task change while the context is open."""
        queue: asyncio.Queue[Task] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    def metrics_text(self) -> str:
        samples = [
            AccountSample(
                account_id=r.id,
                up=r.state is AccountState.READY,
                running=r.running,
                queued=r.waiting,
                reconnects=r.gateway.reconnects,
                rate_limited=r.rest.rate_limited,
            )
            for r in self.accounts.values()
        ]
        failures = int(getattr(self._notifier, "failures", 0))
        return self.metrics.render(samples, notify_failures=failures)

    def health(self) -> dict[str, Any]:
        return {
            "status": "UP"
            if any(r.state is AccountState.READY for r in self.accounts.values())
            else "DOWN",
            "accounts": [
                {
                    "id": r.id,
                    "name": r.config.name,
                    "state": r.state.value,
                    "reason": r.reason,
                    "running": r.running,
                    "queued": r.waiting,
                    "coreSize": r.config.core_size,
                    "queueSize": r.config.queue_size,
                }
                for r in self.accounts.values()
            ],
        }


def _button_label(parent: Task, custom_id: str) -> str:
    for button in parent.buttons:
        if button.custom_id == custom_id:
            return button.label or button.emoji or custom_id
    return custom_id


def _reply_text(reply: MjMessage) -> str:
    if reply.title:
        return f"[{reply.title}] {reply.description or ''}".strip()
    return reply.content or "unexpected answer from Midjourney"


def _stack(job: asyncio.Task[Any]) -> str:
    buffer = io.StringIO()
    job.print_stack(file=buffer)
    return buffer.getvalue()
