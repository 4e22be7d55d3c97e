"""Per-user state kept in the task store's key/value tables: settings, bans, quotas, history.

Namespaces: ``tg.user`` (profile JSON by user id), ``tg.usage`` (jobs charged per
``<day>:<user>``), ``tg.history`` (recent task ids by user), ``tg.global`` (bot-wide settings:
default quota, default speed).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from mjcore.store.base import TaskStore

USER_NS = "tg.user"
USAGE_NS = "tg.usage"
HISTORY_NS = "tg.history"
GLOBAL_NS = "tg.global"
HISTORY_SIZE = 50
DEFAULT_DAILY_QUOTA = 25
_QUOTA_KEY = "daily_quota"
_SPEED_KEY = "speed"


@dataclass(frozen=True, slots=True)
class UserProfile:
    """One Telegram user as the bot knows them. Empty strings mean "Midjourney's default"."""

    user_id: int
    name: str = ""
    language: str = ""  # chosen in /settings; empty = follow Telegram
    telegram_language: str = ""
    aspect: str = ""
    version: str = ""
    speed: str = ""
    stylize: str = ""
    send_as_document: bool = False
    banned: bool = False
    daily_quota: int | None = None  # None = the bot-wide default

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> UserProfile:
        data: dict[str, Any] = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def today() -> str:
    """The quota day (UTC)."""
    return datetime.now(UTC).date().isoformat()


class UserStore:
    """Profiles, quotas and history over ``TaskStore`` key/value tables."""

    def __init__(self, store: TaskStore, *, default_quota: int = DEFAULT_DAILY_QUOTA) -> None:
        self._store = store
        self._default_quota = default_quota
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------ profiles
    async def get(self, user_id: int) -> UserProfile:
        raw = await self._store.kv_get(USER_NS, str(user_id))
        return UserProfile(user_id) if raw is None else UserProfile.from_json(raw)

    async def save(self, profile: UserProfile) -> None:
        await self._store.kv_put(USER_NS, str(profile.user_id), profile.to_json())

    async def update(self, user_id: int, **changes: Any) -> UserProfile:
        async with self._lock:
            profile = replace(await self.get(user_id), **changes)
            await self.save(profile)
        return profile

    async def seen(self, user_id: int, *, name: str, language_code: str | None) -> UserProfile:
        """The profile of a user who just wrote, created or refreshed (name, language)."""
        async with self._lock:
            raw = await self._store.kv_get(USER_NS, str(user_id))
            profile = UserProfile(user_id) if raw is None else UserProfile.from_json(raw)
            fresh = replace(profile, name=name, telegram_language=language_code or "")
            if raw is None or fresh != profile:
                await self.save(fresh)
        return fresh

    async def all_ids(self) -> list[int]:
        return [int(key) for key, _ in await self._store.kv_items(USER_NS)]

    async def all(self) -> list[UserProfile]:
        return [UserProfile.from_json(value) for _, value in await self._store.kv_items(USER_NS)]

    # ------------------------------------------------------------ quotas
    async def default_quota(self) -> int:
        raw = await self._store.kv_get(GLOBAL_NS, _QUOTA_KEY)
        return self._default_quota if raw is None else int(raw)

    async def set_default_quota(self, quota: int) -> None:
        await self._store.kv_put(GLOBAL_NS, _QUOTA_KEY, str(quota))

    async def quota_of(self, profile: UserProfile) -> int:
        if profile.daily_quota is not None:
            return profile.daily_quota
        return await self.default_quota()

    async def used(self, user_id: int, day: str) -> int:
        raw = await self._store.kv_get(USAGE_NS, f"{day}:{user_id}")
        return 0 if raw is None else int(raw)

    async def try_charge(self, profile: UserProfile, day: str, *, unlimited: bool) -> bool:
        """Take one job from the user's daily quota; False when it is used up."""
        async with self._lock:
            used = await self.used(profile.user_id, day)
            if not unlimited and used >= await self.quota_of(profile):
                return False
            await self._store.kv_put(USAGE_NS, f"{day}:{profile.user_id}", str(used + 1))
        return True

    async def refund(self, user_id: int, day: str) -> None:
        async with self._lock:
            used = await self.used(user_id, day)
            if used > 0:
                await self._store.kv_put(USAGE_NS, f"{day}:{user_id}", str(used - 1))

    async def jobs_on(self, day: str) -> int:
        """Jobs charged to anyone on ``day``."""
        prefix = f"{day}:"
        return sum(
            int(value)
            for key, value in await self._store.kv_items(USAGE_NS)
            if key.startswith(prefix)
        )

    # ------------------------------------------------------------ bot-wide speed
    async def default_speed(self) -> str:
        return await self._store.kv_get(GLOBAL_NS, _SPEED_KEY) or ""

    async def set_default_speed(self, speed: str) -> None:
        await self._store.kv_put(GLOBAL_NS, _SPEED_KEY, speed)

    # ------------------------------------------------------------ history
    async def history(self, user_id: int) -> list[str]:
        raw = await self._store.kv_get(HISTORY_NS, str(user_id))
        ids: list[str] = [] if raw is None else json.loads(raw)
        return ids

    async def remember(self, user_id: int, task_id: str) -> None:
        async with self._lock:
            ids = [task_id, *(i for i in await self.history(user_id) if i != task_id)]
            await self._store.kv_put(HISTORY_NS, str(user_id), json.dumps(ids[:HISTORY_SIZE]))
