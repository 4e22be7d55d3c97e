"""One Discord account at work: gateway + REST + command index + slots + queue + event pipeline.

Gateway dispatches are handled in order by one consumer: parse, match, lifecycle.apply.
``core_size`` workers each run one Midjourney job at a time (a slot stays busy until the job ends);
waiting tasks sit in a bounded queue.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

from mjcore import lifecycle
from mjcore.clock import now_ms, snowflake_ms, utc_day
from mjcore.discord.gateway import GatewayClient
from mjcore.discord.rest import DiscordRest
from mjcore.discord.snowflake import make_nonce
from mjcore.discord.transport import pooled_client
from mjcore.errors import (
    CommandVersionError,
    DiscordAuthError,
    GatewayClosedError,
    MjError,
    TaskStateError,
)
from mjcore.events import (
    InteractionAccepted,
    ModalOpened,
    TaskCancelled,
    TaskEvent,
    TaskFailed,
    TaskSubmitted,
)
from mjcore.interactions import InteractionBuilder, Upload
from mjcore.media import InputFiles
from mjcore.midjourney import commands
from mjcore.midjourney.active import ActiveTasks
from mjcore.midjourney.custom_ids import modal_input_id
from mjcore.midjourney.match import match
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.midjourney.parse import parse_event
from mjcore.models import (
    AccountConfig,
    AccountMode,
    SubmitCode,
    Task,
    TaskAction,
    TaskStatus,
)
from mjcore.uploads import upload_inputs

log = logging.getLogger(__name__)

_READY_WAIT_SECONDS = 60.0
_HTTP_TIMEOUT_SECONDS = 30.0
_SPARE_CONNECTIONS = 3  # beyond one per slot: uploads, modals, commands, reads
_MODAL_DELAY_SECONDS = 1.2  # pause between a modal opening and its submit, as clients do
_MODE_TIMEOUT_SECONDS = 30.0
_HISTORY_LIMIT = 100
_READY = "READY"
_FOLLOWED = frozenset(
    {TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS}
)  # messages read back after a restart
_CLOCK_SKEW_MS = 60_000  # history older than the oldest tracked task minus this is ignored
_DISCORD_EPOCH_MS = 1_420_070_400_000
_IFRAME_PREFIX = "MJ::iframe::"
_REGION_SUBMIT_PATH = "/inpaint/api/submit-job"
_SEED_EMOJI = "\u2709\ufe0f"  # ✉️
_REMIX_ACTIONS = frozenset({TaskAction.VARIATION, TaskAction.REROLL, TaskAction.PAN})
_COMMAND_REPLIES = frozenset({MessageKind.INFO, MessageKind.MODE_CHANGED, MessageKind.ERROR})
_UNMATCHED_KEEP = 200  # recent unmatched messages kept for a late INTERACTION_SUCCESS


class AccountState(StrEnum):
    CONNECTING = "CONNECTING"
    READY = "READY"
    DISABLED = "DISABLED"


@dataclass(frozen=True, slots=True)
class DiscordEndpoints:
    server: str
    wss: str
    cdn: str
    upload_server: str
    says_server: str
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class Admission:
    """How the account took a task: started now (1), queued behind N (22) or refused (23)."""

    code: SubmitCode
    ahead: int = 0


TaskChanged = Callable[[Task], Awaitable[None]]


@cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every account's client (each one costs milliseconds)."""
    return ssl.create_default_context()


class AccountRuntime:
    def __init__(
        self,
        config: AccountConfig,
        *,
        endpoints: DiscordEndpoints,
        load_task: Callable[[str], Awaitable[Task | None]],
        on_change: TaskChanged,
        finished_messages: Callable[[str], Awaitable[set[str]]] | None = None,
        inputs: InputFiles | None = None,
    ) -> None:
        self.config = config
        self._endpoints = endpoints
        self._load_task = load_task
        self._on_change = on_change
        self._finished_lookup = finished_messages
        self.state = AccountState.CONNECTING if config.enabled else AccountState.DISABLED
        self.reason: str | None = None if config.enabled else "disabled in configuration"
        self.gateway = GatewayClient(
            url=endpoints.wss,
            token=config.user_token,
            user_agent=config.user_agent,
            on_dispatch=self._on_dispatch,
            account_id=config.id,
            proxy=endpoints.proxy,
        )
        # each account has its own small connection pool, as one Discord client would: one
        # account's slow requests never hold another's, and no pool grows to idle connections
        self._http = pooled_client(
            connections=config.core_size + _SPARE_CONNECTIONS,
            timeout=_HTTP_TIMEOUT_SECONDS,
            verify=_tls_context(),
            proxy=endpoints.proxy,
        )
        self.rest = DiscordRest(
            self._http,
            base_url=endpoints.server,
            token=config.user_token,
            user_agent=config.user_agent,
            upload_server=endpoints.upload_server,
            account_id=config.id,
        )
        self.build = InteractionBuilder(config, lambda: self.gateway.session_id)
        self._events: asyncio.Queue[tuple[str, Mapping[str, Any]]] = asyncio.Queue()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._busy = 0
        self._reserved = 0  # places promised by admit() whose task is not queued yet
        self._active = ActiveTasks()  # running tasks, indexed for matching
        self._done: dict[str, asyncio.Future[Task]] = {}
        self._unmatched: deque[MjMessage] = deque(maxlen=_UNMATCHED_KEEP)
        self._ready = asyncio.Event()
        self._inputs = inputs or InputFiles(None)
        self._watchers: list[tuple[Callable[[MjMessage], bool], asyncio.Future[MjMessage]]] = []
        self._group: asyncio.TaskGroup | None = None
        self.modal_delay = _MODAL_DELAY_SECONDS
        self._pace_lock = asyncio.Lock()
        self._last_submit = 0.0
        self._usage_day = ""
        self._usage_count = 0
        self._tracked: list[str] = []
        self._recent_results: deque[str] = deque(
            maxlen=_HISTORY_LIMIT * 2
        )  # tasks followed after a restart, reconciled once ready
        self.auto_appeal = False  # press Appeal on "Action needed to continue" once per task
        self.remix = False  # learned from "Remix mode turned on/off" and from opened modals

    # ----------------------------------------------------------------- public view
    @property
    def id(self) -> str:
        return self.config.id

    @property
    def enabled(self) -> bool:
        return self.state is not AccountState.DISABLED

    @property
    def running(self) -> int:
        return self._busy

    @property
    def core_size(self) -> int:
        return self.config.core_size

    @property
    def weight(self) -> int:
        return self.config.weight

    @property
    def waiting(self) -> int:
        return self._queue.qsize() + self._reserved

    def queued_task_ids(self) -> list[str]:
        return list(self._queue._queue)  # type: ignore[attr-defined]  # asyncio.Queue keeps a deque

    def active_task(self, task_id: str) -> Task | None:
        return self._active.get(task_id)

    def active_tasks(self) -> list[Task]:
        return list(self._active.values())

    @property
    def at_daily_limit(self) -> bool:
        """True when today's jobs (sent and waiting) reached ``daily_limit``."""
        limit = self.config.daily_limit
        return bool(limit) and self.used_today + self.waiting >= limit

    @property
    def used_today(self) -> int:
        return self._usage_count if self._usage_day == utc_day() else 0

    def _count_usage(self) -> None:
        today = utc_day()
        if self._usage_day != today:
            self._usage_day, self._usage_count = today, 0
        self._usage_count += 1

    async def _pace(self) -> None:
        """Keep a random pause between two submissions when the account asks for pacing."""
        low, high = self.config.pace_min_seconds, self.config.pace_max_seconds
        if high <= 0 and low <= 0:
            return
        async with self._pace_lock:
            gap = random.uniform(low, max(low, high))
            wait = self._last_submit + gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_submit = time.monotonic()

    def disable(self, reason: str) -> None:
        if self.state is not AccountState.DISABLED:
            log.warning("account disabled [account:%s] %s", self.id, reason)
        self.state = AccountState.DISABLED
        self.reason = reason

    # ----------------------------------------------------------------- admission
    def admit(self) -> Admission:
        """Decide how a new task is taken and, unless refused, hold its place in the queue.

        Synchronous on purpose: concurrent submits see each other's places at once.
        Each admitted place is filled by ``enqueue`` (or given back with ``release``).
        """
        free = self.config.core_size - self._busy
        waiting = self.waiting
        if waiting < free:
            admission = Admission(SubmitCode.SUCCESS)
        else:
            ahead = waiting - max(free, 0)
            if ahead >= self.config.queue_size:
                return Admission(SubmitCode.QUEUE_REJECTED, ahead)
            admission = Admission(SubmitCode.IN_QUEUE, ahead)
        self._reserved += 1
        return admission

    def release(self) -> None:
        """Give back a place taken by ``admit`` that will not be used."""
        self._reserved = max(0, self._reserved - 1)

    def enqueue(self, task_id: str, *, admitted: bool = True) -> None:
        if admitted:
            self.release()
        self._queue.put_nowait(task_id)

    def track(self, task: Task) -> None:
        """Follow an already-submitted task (restart recovery) until it ends or times out.

        After the gateway is ready the channel's recent messages are replayed through the
        normal pipeline, so a result posted while mjbridge was down still finishes the task.
        """
        self._active[task.id] = task
        self._tracked.append(task.id)

    # ----------------------------------------------------------------- running
    async def run(self) -> None:
        if not self.config.enabled:
            return
        async with asyncio.TaskGroup() as tg:
            self._group = tg
            for task_id in self._tracked:
                tg.create_task(self._expire(task_id))
            tg.create_task(self._run_gateway())
            tg.create_task(self._process_events())
            for _ in range(self.config.core_size):
                tg.create_task(self._worker())

    async def wait_ready(self, timeout: float) -> None:
        if not self._ready.is_set():
            await asyncio.wait_for(self._ready.wait(), timeout)

    async def aclose(self) -> None:
        """Close the gateway connection and the account's HTTP connections."""
        try:
            await self.gateway.close()
        finally:
            await self._http.aclose()

    async def _run_gateway(self) -> None:
        ready_task = asyncio.create_task(self._on_first_ready())
        try:
            await self.gateway.run()
        except GatewayClosedError as exc:
            self.disable(f"gateway closed: {exc.message}")
            await self._fail_all(f"account {self.id} disabled: {exc.message}")
        finally:
            ready_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready_task

    async def _on_first_ready(self) -> None:
        await self.gateway.wait_ready(timeout=3600 * 24 * 365)
        await self._refresh_commands()
        await self._reconcile(self._tracked)
        self._tracked.clear()
        await self._apply_mode()
        if self.state is AccountState.CONNECTING:
            self.state = AccountState.READY
        self._ready.set()
        log.info("account ready [account:%s]", self.id)

    async def _apply_mode(self) -> None:
        """Switch the account to its configured speed (fast is Midjourney's default)."""
        if self.config.mode is AccountMode.FAST:
            return
        try:
            reply = await self.run_command(self.config.mode.value, timeout=_MODE_TIMEOUT_SECONDS)
        except (MjError, TimeoutError) as exc:
            log.warning("could not switch to %s [account:%s] %s", self.config.mode, self.id, exc)
            return
        log.info("mode %s [account:%s] %s", self.config.mode, self.id, reply.content[:80])

    async def _reconcile(self, task_ids: list[str]) -> None:
        """Replay recent channel history for tasks whose messages may have been missed
        (after a restart, or a new gateway session). Results that already finished another
        task are skipped, so an old identical prompt cannot be taken for a new job."""
        tracked = [
            self._active[t]
            for t in task_ids
            if t in self._active and self._active[t].status in _FOLLOWED
        ]
        if not tracked:
            return
        since = min(t.start_time or t.submit_time for t in tracked) - _CLOCK_SKEW_MS
        try:
            history = await self.rest.messages(self.config.channel_id, limit=_HISTORY_LIMIT)
            finished = await self._finished_messages()
        except MjError as exc:
            log.warning("cannot read channel history [account:%s] %s", self.id, exc.message)
            return
        replayed = 0
        for message in reversed(history):  # oldest first, as they happened
            message_id = str(message.get("id", "0"))
            if snowflake_ms(message_id) >= since and message_id not in finished:
                self._events.put_nowait(("MESSAGE_CREATE", message))
                replayed += 1
        log.info(
            "reconciling %d tasks from %d messages [account:%s]", len(tracked), replayed, self.id
        )

    async def _finished_messages(self) -> set[str]:
        """Message ids of this account's finished tasks (results already taken)."""
        known = set(self._recent_results)
        if self._finished_lookup is not None:
            known |= await self._finished_lookup(self.id)
        return known

    async def _expire(self, task_id: str) -> None:
        """Fail a tracked task that gets no result within the account's timeout."""
        task = self._active.get(task_id)
        if task is None:
            return
        started = task.start_time or task.submit_time
        deadline = started + int(self.config.timeout_minutes * 60_000)
        await asyncio.sleep(max(0.0, (deadline - now_ms()) / 1000))
        if task_id in self._active:
            minutes = f"{self.config.timeout_minutes:g}"
            reason = f"timeout: no result after {minutes} minutes"
            await self._apply(task_id, TaskFailed(reason, now_ms()))

    async def _refresh_commands(self) -> None:
        try:
            payload = await self.rest.application_command_index(self.config.guild_id)
        except MjError as exc:
            log.warning(
                "command index unavailable, using built-in ids [account:%s] %s", self.id, exc
            )
            return
        fetched = commands.CommandIndex.from_payload(payload)
        self.build.commands = self.build.commands.merged(fetched)

    # ----------------------------------------------------------------- gateway events
    def _on_dispatch(self, name: str, data: Mapping[str, Any]) -> None:
        self._events.put_nowait((name, data))

    async def _process_events(self) -> None:
        while True:
            name, data = await self._events.get()
            try:
                await self._handle(name, data)
            except Exception:
                log.exception("event handling failed [account:%s event:%s]", self.id, name)

    async def _handle(self, name: str, data: Mapping[str, Any]) -> None:
        if name == _READY and self._ready.is_set() and self._group is not None:
            # a new session (not a resume): events of the gap were never replayed to us
            self._group.create_task(self._reconcile(list(self._active)))
            return
        msg = parse_event(name, data, self_user_id=self.gateway.user_id)
        if msg is None or not self._is_ours(msg):
            return
        if msg.kind is MessageKind.MODE_CHANGED and msg.content.startswith("Remix mode turned"):
            self.remix = msg.content.startswith("Remix mode turned on")
        if msg.kind is MessageKind.ACCOUNT_ERROR:
            self.disable(f"[{msg.title}] {msg.description or ''}".strip())
        for predicate, future in list(self._watchers):
            if not future.done() and predicate(msg):
                future.set_result(msg)
        await self._dispatch(msg)

    def _is_ours(self, msg: MjMessage) -> bool:
        if msg.channel_id is None:
            return True  # interaction events carry no channel; their nonce/id is ours or nobody's
        return msg.channel_id in (self.config.channel_id, self.config.dm_channel_id)

    async def _dispatch(self, msg: MjMessage) -> None:
        found = match(msg, self._active, now=now_ms())
        if found is None:
            if msg.interaction_id is not None or msg.nonce is not None:
                self._unmatched.append(msg)
            return
        if msg.kind is MessageKind.MODERATION and self._appeal_if_allowed(found.task_id, msg):
            return
        await self._apply(found.task_id, found.event)
        if isinstance(found.event, InteractionAccepted):
            await self._replay(found.event.interaction_id)

    def _appeal_if_allowed(self, task_id: str, msg: MjMessage) -> bool:
        """Press Appeal on "Action needed to continue" once per task when auto-appeal is on."""
        task = self._active.get(task_id)
        appeal = next((b for b in msg.buttons if "Appeal" in b.custom_id), None)
        if (
            not self.auto_appeal
            or task is None
            or appeal is None
            or task.extra_value("appealed")
            or self._group is None
            or msg.message_id is None
        ):
            return False
        appealed = replace(task, extra=task.with_extra(appealed="1"))
        self._active[task_id] = appealed
        message_id, flags = msg.message_id, msg.flags
        log.info("appealing moderation [task:%s account:%s]", task_id, self.id)
        self._group.create_task(
            self._interact(
                appealed,
                lambda t, nonce: self.build.button(t, message_id, flags, appeal.custom_id, nonce),
            )
        )
        return True

    async def _replay(self, interaction_id: str) -> None:
        """Messages that arrived before the interaction id was known get matched now."""
        waiting = [m for m in self._unmatched if m.interaction_id == interaction_id]
        for msg in waiting:
            self._unmatched.remove(msg)
            await self._dispatch(msg)

    async def _apply(self, task_id: str, event: TaskEvent) -> Task | None:
        task = self._active.get(task_id)
        if task is None:
            return None
        try:
            new = lifecycle.apply(task, event)
        except lifecycle.InvalidTransition as exc:
            log.debug("ignored %s [task:%s]", exc.message, task_id)
            return None
        if isinstance(event, ModalOpened) and self._group is not None:
            if new.extra_value("modalPrompt") is None and new.action in _REMIX_ACTIONS:
                self.remix = True  # Midjourney asked for a remix prompt we were not given
            self._group.create_task(self._answer_modal(new))
        if new.is_final:
            self._active.pop(task_id, None)
            if new.message_id is not None:
                self._recent_results.append(new.message_id)
            waiter = self._done.get(task_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(new)
        else:
            self._active[task_id] = new
        if new != task:
            await self._on_change(new)
        return new

    async def _fail_all(self, reason: str) -> None:
        for task_id in list(self._active):
            await self._apply(task_id, TaskFailed(reason, now_ms()))
        while not self._queue.empty():
            task_id = self._queue.get_nowait()
            task = await self._load_task(task_id)
            if task is not None and not task.is_final:
                self._active[task_id] = task
                await self._apply(task_id, TaskFailed(reason, now_ms()))

    # ----------------------------------------------------------------- workers
    async def _worker(self) -> None:
        while True:
            task_id = await self._queue.get()
            self._busy += 1
            try:
                await self._execute(task_id)
            except Exception:
                log.exception("task execution failed [task:%s account:%s]", task_id, self.id)
                if task_id in self._active:
                    await self._apply(task_id, TaskFailed("internal error", now_ms()))
            finally:
                self._busy -= 1  # the slot is free before the inputs are dropped
                await self._drop_inputs(task_id)

    async def _drop_inputs(self, task_id: str) -> None:
        """Drop the input images of a task that was sent or has finished."""
        current = self._active.get(task_id)
        if current is not None and current.status is TaskStatus.NOT_START:
            return  # stopped before it was sent: it runs again after a restart
        try:
            await self._inputs.drop(task_id)
        except Exception:  # the worker goes on with the next task whatever happened here
            log.exception("could not drop input images [task:%s]", task_id)

    async def _execute(self, task_id: str) -> None:
        task = await self._load_task(task_id)
        if task is None or task.is_final:
            return
        self._active[task_id] = task
        if self.state is AccountState.DISABLED:
            reason = f"account {self.id} disabled: {self.reason}"
            await self._apply(task_id, TaskFailed(reason, now_ms()))
            return
        try:
            await self.wait_ready(_READY_WAIT_SECONDS)
        except TimeoutError:
            await self._apply(task_id, TaskFailed(f"account {self.id} is not connected", now_ms()))
            return
        waiter: asyncio.Future[Task] = asyncio.get_running_loop().create_future()
        self._done[task_id] = waiter
        try:
            await self._pace()
            self._count_usage()
            if not await self._submit(task):
                return
            timeout = self.config.timeout_minutes * 60
            try:
                # the result wakes this worker on the next loop turn (wait_for + shield took
                # three): the slot is free from the moment the job's final message was applied
                async with asyncio.timeout(timeout):
                    await waiter
            except TimeoutError:
                minutes = f"{self.config.timeout_minutes:g}"
                reason = f"timeout: no result after {minutes} minutes"
                await self._apply(task_id, TaskFailed(reason, now_ms()))
        finally:
            self._done.pop(task_id, None)

    async def _submit(self, task: Task) -> bool:
        """Upload inputs and POST the task's interaction; False if that failed (task FAILURE)."""
        try:
            task, uploads = await self._prepare(task)
        except MjError as exc:
            await self._apply(task.id, TaskFailed(f"upload failed: {exc.message}", now_ms()))
            return False
        return await self._interact(task, lambda t, nonce: self.build.for_task(t, nonce, uploads))

    async def _interact(self, task: Task, build: Callable[[Task, str], dict[str, Any]]) -> bool:
        try:  # the interaction must name the live session (after op 9 it is a new one)
            await self.gateway.wait_ready(_READY_WAIT_SECONDS)
        except (TimeoutError, GatewayClosedError):
            reason = f"account {self.id} is not connected to Discord"
            await self._apply(task.id, TaskFailed(reason, now_ms()))
            return False
        nonce = make_nonce(now_ms())
        submitted = await self._apply(task.id, TaskSubmitted(nonce, now_ms()))
        if submitted is None:
            return False
        for attempt in range(2):
            try:
                await self.rest.interact(build(submitted, nonce))
                return True
            except CommandVersionError as exc:
                if attempt == 0:
                    log.warning("command version outdated, refreshing index [account:%s]", self.id)
                    await self._refresh_commands()
                    continue
                await self._apply(task.id, TaskFailed(exc.message, now_ms()))
            except DiscordAuthError as exc:
                self.disable(f"Discord refused the token: {exc.message}")
                await self._apply(task.id, TaskFailed(exc.message, now_ms()))
            except MjError as exc:
                await self._apply(task.id, TaskFailed(exc.message, now_ms()))
            return False
        return False

    async def _prepare(self, task: Task) -> tuple[Task, list[Upload]]:
        """Upload the task's input images (the Vary (Region) mask is not for Discord)."""
        if task.action is TaskAction.INPAINT:
            return task, []
        images = await self._inputs.get(task.id)
        updated, uploads = await upload_inputs(self.rest, self.config.channel_id, task, images)
        if updated is not task:
            self._active[task.id] = updated
            await self._on_change(updated)
        return updated, uploads

    # ----------------------------------------------------------------- modals
    async def _answer_modal(self, task: Task) -> None:
        """Answer the modal (or Vary (Region) editor) a pressed button opened."""
        modal_id = task.extra_value("modalCustomId") or ""
        interaction_id = task.extra_value("modalInteractionId") or ""
        value = task.extra_value("modalPrompt") or task.final_prompt or task.prompt_en
        await asyncio.sleep(self.modal_delay)
        if modal_id.startswith(_IFRAME_PREFIX):
            await self._submit_region(task, modal_id.removeprefix(_IFRAME_PREFIX), value)
            return
        try:
            modal_input_id(modal_id)
        except ValueError:
            await self._apply(task.id, TaskFailed(f"unknown modal {modal_id}", now_ms()))
            return
        log.info("answering modal [task:%s modal:%s]", task.id, modal_id)
        await self._interact(
            task, lambda t, nonce: self.build.modal(t, interaction_id, modal_id, value, nonce)
        )

    async def _submit_region(self, task: Task, token: str, prompt: str) -> None:
        masks = await self._inputs.get(task.id)
        if not masks:
            await self._apply(task.id, TaskFailed("Vary (Region) needs a mask", now_ms()))
            return
        body = {
            "customId": token,
            "mask": base64.b64encode(masks[0].data).decode(),
            "prompt": prompt,
            "userId": "0",
            "username": "0",
        }
        try:
            await self.rest.post_json(f"{self._endpoints.says_server}{_REGION_SUBMIT_PATH}", body)
        except MjError as exc:
            await self._apply(
                task.id, TaskFailed(f"Vary (Region) submit failed: {exc.message}", now_ms())
            )

    # ----------------------------------------------------------------- side flows
    @contextlib.contextmanager
    def watching(
        self, predicate: Callable[[MjMessage], bool]
    ) -> Iterator[asyncio.Future[MjMessage]]:
        """A future for the next message of this account that satisfies ``predicate``.

        The watch starts at once, so a request sent inside the block cannot beat it.
        """
        future: asyncio.Future[MjMessage] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._watchers.append(entry)
        try:
            yield future
        finally:
            if entry in self._watchers:
                self._watchers.remove(entry)
            future.cancel()

    async def image_seed(self, task: Task, timeout: float = 60.0) -> str:
        """``/show`` the job in the DM channel, react ✉️ and read the seed Midjourney sends."""
        job_id = task.message_hash
        if job_id is None:
            raise TaskStateError(f"task {task.id} has no Midjourney job id", task_id=task.id)
        dm = self.build.context(task.bot_type, dm=True).channel_id
        payload = self.build.show(task, job_id, make_nonce(now_ms()))

        def shown(m: MjMessage) -> bool:
            return m.channel_id == dm and m.kind is MessageKind.RESULT and m.job_id == job_id

        with self.watching(shown) as image:
            await self.rest.interact(payload)
            message = await asyncio.wait_for(image, timeout)
        with self.watching(lambda m: m.kind is MessageKind.SEED and m.job_id == job_id) as seed:
            await self.rest.add_reaction(dm, message.message_id or "", _SEED_EMOJI)
            return (await asyncio.wait_for(seed, timeout)).description or ""

    async def cancel_running(self, task_id: str) -> Task:
        """Press the job's "Cancel Job" button; the task ends CANCEL."""
        task = self._active.get(task_id)
        custom_id = task.extra_value("cancelCustomId") if task else None
        if task is None or custom_id is None or task.progress_message_id is None:
            raise TaskStateError(f"task {task_id} cannot be cancelled now", task_id=task_id)
        payload = self.build.button(
            task, task.progress_message_id, task.message_flags, custom_id, make_nonce(now_ms())
        )
        await self.rest.interact(payload)
        cancelled = await self._apply(task_id, TaskCancelled(now_ms()))
        if cancelled is None:
            raise TaskStateError(f"task {task_id} finished before it could be cancelled")
        return cancelled

    async def run_command(self, name: str, timeout: float = 30.0) -> MjMessage:
        """Run an option-less command (info, fast, relax, turbo) and return Midjourney's reply."""
        nonce = make_nonce(now_ms())
        payload = self.build.command(name, nonce)

        def reply(m: MjMessage) -> bool:
            return m.kind in _COMMAND_REPLIES and (m.nonce == nonce or m.interaction_name == name)

        with self.watching(reply) as answer:
            await self.rest.interact(payload)
            return await asyncio.wait_for(answer, timeout)

    def with_task(self, task: Task) -> Task:
        """The task as tagged for this account."""
        return replace(task, account_id=self.id)
