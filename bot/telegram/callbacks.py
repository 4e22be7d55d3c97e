"""Callback data: typed factories, and short persistent tokens for Midjourney buttons.

A Midjourney custom id is up to ~80 bytes and an action also needs the task id, while Telegram's
``callback_data`` holds 64. A button therefore carries a 10-character token; the token maps to
``(task, custom id, owner, chat)`` in the ``tg.button`` key/value table, so keyboards keep working
after restarts. Tokens are derived from the task and custom id: issuing one twice is harmless.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from aiogram.filters.callback_data import CallbackData

from mjcore.store.base import TaskStore

BUTTON_NS = "tg.button"
TOKEN_LENGTH = 10
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class MjButtonCb(CallbackData, prefix="mj"):
    """A Midjourney button of a result."""

    token: str


class OriginalCb(CallbackData, prefix="orig"):
    """Send the original file of a task as a document."""

    task_id: str


class RetryCb(CallbackData, prefix="retry"):
    """Submit a failed job again."""

    task_id: str


class RegionCb(CallbackData, prefix="rgn"):
    """Vary (Region): the area chosen for the job pending on this message."""

    area: str


class SettingsCb(CallbackData, prefix="set"):
    """``/settings``: open a setting (``choice`` -1) or choose its ``choice``-th value."""

    key: str
    choice: int = -1


class HistoryCb(CallbackData, prefix="hist"):
    """``/history``: ``show`` a past result again or ``reuse`` its prompt."""

    action: str
    task_id: str


@dataclass(frozen=True, slots=True)
class ButtonRef:
    """What a Midjourney button token stands for."""

    task_id: str
    custom_id: str
    owner_id: int
    chat_id: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ButtonRef:
        data: dict[str, Any] = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def token_for(task_id: str, custom_id: str) -> str:
    """A stable 10-character base62 token (about 59 bits) for one button of one task."""
    digest = hashlib.blake2b(f"{task_id}\n{custom_id}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(TOKEN_LENGTH):
        number, rest = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    return "".join(chars)


class ButtonTokens:
    """Tokens of Midjourney buttons, stored next to the tasks."""

    def __init__(self, store: TaskStore) -> None:
        self._store = store

    async def issue(self, ref: ButtonRef) -> str:
        token = token_for(ref.task_id, ref.custom_id)
        await self._store.kv_put(BUTTON_NS, token, ref.to_json())
        return token

    async def resolve(self, token: str) -> ButtonRef | None:
        raw = await self._store.kv_get(BUTTON_NS, token)
        return None if raw is None else ButtonRef.from_json(raw)
