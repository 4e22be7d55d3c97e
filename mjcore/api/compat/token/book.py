"""Token API state in the engine's key/value store.

Namespaces: ``compat.token.tokens`` (token -> Token), ``compat.token.jobs`` (job id -> TokenJob),
``compat.token.describes`` (id -> DescribeJob), ``compat.token.history.<token>`` (jobs of a
token in creation order), ``compat.token.billing`` (task id -> the token it was charged to),
``compat.token.devices`` (channel id -> routed imagine count and time).

Read-modify-write steps hold one lock per store, so two requests never spend the same use.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import weakref
from dataclasses import replace

from mjcore.api.compat.owners import CompatApi, Owner, set_owner
from mjcore.api.compat.token.shapes import (
    JOB_ID_BYTES,
    TOKEN_ALPHABET,
    TOKEN_LENGTH,
    DescribeJob,
    Token,
    TokenJob,
    new_token,
)
from mjcore.store.base import TaskStore

TOKENS = "compat.token.tokens"
JOBS = "compat.token.jobs"
DESCRIBES = "compat.token.describes"
HISTORY_PREFIX = "compat.token.history."
BILLING = "compat.token.billing"
DEVICES = "compat.token.devices"
_MINT_ATTEMPTS = 32

_locks: weakref.WeakKeyDictionary[TaskStore, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock(store: TaskStore) -> asyncio.Lock:
    lock = _locks.get(store)
    if lock is None:
        lock = _locks[store] = asyncio.Lock()
    return lock


class TokenBook:
    def __init__(self, store: TaskStore) -> None:
        self._store = store
        self._lock = _lock(store)

    # ------------------------------------------------------------------ tokens
    async def create(self, *, count: int, days: int, now: int) -> Token:
        async with self._lock:
            for _ in range(_MINT_ATTEMPTS):
                value = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
                if await self._store.kv_get(TOKENS, value) is None:
                    token = new_token(value, count=count, days=days, now=now)
                    await self._store.kv_put(TOKENS, value, token.to_json())
                    return token
        raise RuntimeError("could not mint a unique token")

    async def get(self, value: str) -> Token | None:
        raw = await self._store.kv_get(TOKENS, value)
        return None if raw is None else Token.from_json(raw)

    async def take(self, value: str, *, now: int) -> Token | None:
        """Spend one use of a usable token; ``None`` (nothing spent) otherwise."""
        async with self._lock:
            token = await self.get(value)
            if token is None or not token.usable(now):
                return None
            spent = replace(token, count=token.count - 1)
            await self._store.kv_put(TOKENS, value, spent.to_json())
            return spent

    async def refund(self, value: str) -> None:
        async with self._lock:
            token = await self.get(value)
            if token is not None:
                back = replace(token, count=token.count + 1)
                await self._store.kv_put(TOKENS, value, back.to_json())

    async def bill(self, task_id: str, value: str) -> None:
        """Remember that ``task_id`` cost one use of ``value`` (refunded if the task fails)."""
        await self._store.kv_put(BILLING, task_id, value)

    async def settle(self, task_id: str, *, refund: bool) -> str | None:
        """Close the bill of a finished task; returns the token refunded, if any."""
        value = await self._store.kv_get(BILLING, task_id)
        if value is None:
            return None
        await self._store.kv_delete(BILLING, task_id)
        if not refund:
            return None
        await self.refund(value)
        return value


class JobBook:
    def __init__(self, store: TaskStore) -> None:
        self._store = store
        self._lock = _lock(store)

    async def mint_job_id(self) -> str:
        for _ in range(_MINT_ATTEMPTS):
            job_id = secrets.token_hex(JOB_ID_BYTES)
            if await self._store.kv_get(JOBS, job_id) is None:
                return job_id
        raise RuntimeError("could not mint a unique job id")

    async def add(self, job: TokenJob) -> None:
        await self._store.kv_put(JOBS, job.id, job.to_json())
        await self._store.kv_put(
            f"{HISTORY_PREFIX}{job.token}", f"{job.created_at:015d}:{job.id}", job.id
        )
        for task_id in job.task_ids:
            await set_owner(self._store, task_id, Owner(CompatApi.TOKEN, job.id))

    async def get(self, job_id: str) -> TokenJob | None:
        raw = await self._store.kv_get(JOBS, job_id)
        return None if raw is None else TokenJob.from_json(raw)

    async def add_task(
        self, job_id: str, task_id: str, *, counted: bool, auto_upscaled: bool = False
    ) -> TokenJob | None:
        """Append a task to the job (``counted``: it was a paid request)."""
        async with self._lock:
            job = await self.get(job_id)
            if job is None:
                return None
            job = job.with_task(task_id, counted=counted)
            if auto_upscaled:
                job = replace(job, auto_upscaled=True)
            await self._store.kv_put(JOBS, job.id, job.to_json())
        await set_owner(self._store, task_id, Owner(CompatApi.TOKEN, job_id))
        return job

    async def claim_auto_upscale(self, job_id: str) -> TokenJob | None:
        """The job, if it wants an automatic U1 that nobody claimed yet (claims it)."""
        async with self._lock:
            job = await self.get(job_id)
            if job is None or not job.upscale or job.auto_upscaled:
                return None
            job = replace(job, auto_upscaled=True)
            await self._store.kv_put(JOBS, job.id, job.to_json())
            return job

    async def of_token(self, value: str) -> list[TokenJob]:
        jobs: list[TokenJob] = []
        for _, job_id in await self._store.kv_items(f"{HISTORY_PREFIX}{value}"):
            job = await self.get(job_id)
            if job is not None:
                jobs.append(job)
        return jobs

    async def add_describe(
        self, *, task_id: str, client_id: str, extension: str, now: int
    ) -> DescribeJob:
        """Store a describe job; its id is the upload time in unix ms, moved on while taken."""
        async with self._lock:
            moment = now
            while await self._store.kv_get(DESCRIBES, str(moment)) is not None:
                moment += 1
            job = DescribeJob(
                id=str(moment),
                image_name=f"{moment}.{extension}",
                client_id=client_id,
                task_id=task_id,
            )
            await self._store.kv_put(DESCRIBES, job.id, job.to_json())
        await set_owner(self._store, task_id, Owner(CompatApi.TOKEN_DESCRIBE, job.id))
        return job

    async def get_describe(self, job_id: str) -> DescribeJob | None:
        raw = await self._store.kv_get(DESCRIBES, job_id)
        return None if raw is None else DescribeJob.from_json(raw)

    async def count_device(self, channel_id: str, *, now: int) -> None:
        async with self._lock:
            count, _ = await self.device(channel_id)
            await self._store.kv_put(DEVICES, channel_id, json.dumps([count + 1, now]))

    async def device(self, channel_id: str) -> tuple[int, int]:
        """(imagines routed to the account, unix ms of the last one)."""
        raw = await self._store.kv_get(DEVICES, channel_id)
        if raw is None:
            return 0, 0
        count, time = json.loads(raw)
        return int(count), int(time)
