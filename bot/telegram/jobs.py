"""Which Telegram message shows which job: persisted so progress continues after a restart.

Namespaces: ``tg.job`` (the record of every job by task id) and ``tg.job.active`` (task ids whose
final state is not delivered yet), plus ``tg.pending`` for ForceReply prompts that wait for text.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from mjcore.store.base import TaskStore

JOB_NS = "tg.job"
ACTIVE_NS = "tg.job.active"
PENDING_NS = "tg.pending"


class MessageKind(StrEnum):
    """What the job's message currently is (decides text vs caption vs media edits)."""

    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job's message: where it is, who asked, how to talk to them."""

    task_id: str
    chat_id: int
    message_id: int
    owner_id: int
    locale: str
    kind: MessageKind = MessageKind.TEXT
    as_document: bool = False
    charged_day: str | None = None
    delivered: bool = False
    refunded: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobRecord:
        data: dict[str, Any] = json.loads(text)
        data["kind"] = MessageKind(data.get("kind", MessageKind.TEXT))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class InputKind(StrEnum):
    """What a ForceReply prompt asks for."""

    MODAL = "modal"  # the text of a modal (custom zoom, remix, region prompt)


@dataclass(frozen=True, slots=True)
class PendingInput:
    """A ForceReply prompt waiting for the owner's reply."""

    task_id: str  # the task waiting in MODAL
    owner_id: int
    kind: InputKind
    reply_to: int  # the message the new job answers (the result that had the button)
    area: str = ""  # Vary (Region): the area to repaint

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PendingInput:
        data: dict[str, Any] = json.loads(text)
        data["kind"] = InputKind(data["kind"])
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class JobStore:
    """Job records and pending inputs over ``TaskStore`` key/value tables.

    ``pending_lock(chat)`` is held while a ForceReply prompt is sent and recorded, and while a
    reply is looked up, so a quick reply never misses the prompt it answers.
    """

    def __init__(self, store: TaskStore) -> None:
        self._store = store
        self._pending_locks: dict[int, asyncio.Lock] = {}

    def pending_lock(self, chat_id: int) -> asyncio.Lock:
        return self._pending_locks.setdefault(chat_id, asyncio.Lock())

    async def put(self, record: JobRecord) -> None:
        await self._store.kv_put(JOB_NS, record.task_id, record.to_json())
        if record.delivered:
            await self._store.kv_delete(ACTIVE_NS, record.task_id)
        else:
            await self._store.kv_put(ACTIVE_NS, record.task_id, str(record.chat_id))

    async def get(self, task_id: str) -> JobRecord | None:
        raw = await self._store.kv_get(JOB_NS, task_id)
        return None if raw is None else JobRecord.from_json(raw)

    async def active(self) -> list[JobRecord]:
        """Records whose final state has not been delivered yet."""
        records = []
        for task_id, _ in await self._store.kv_items(ACTIVE_NS):
            record = await self.get(task_id)
            if record is not None and not record.delivered:
                records.append(record)
        return records

    async def put_pending(self, chat_id: int, message_id: int, pending: PendingInput) -> None:
        await self._store.kv_put(PENDING_NS, f"{chat_id}:{message_id}", pending.to_json())

    async def pending(self, chat_id: int, message_id: int) -> PendingInput | None:
        raw = await self._store.kv_get(PENDING_NS, f"{chat_id}:{message_id}")
        return None if raw is None else PendingInput.from_json(raw)

    async def drop_pending(self, chat_id: int, message_id: int) -> None:
        await self._store.kv_delete(PENDING_NS, f"{chat_id}:{message_id}")
