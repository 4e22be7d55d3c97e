"""Domain objects shared by every part of mjbridge.

Frozen dataclasses (change them with ``dataclasses.replace``; ``Task.evolve`` is the same, faster,
for the task lifecycle's hot path) and StrEnums whose values are the wire strings of the
midjourney-proxy contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"
    SUBMITTED = "SUBMITTED"
    MODAL = "MODAL"
    IN_PROGRESS = "IN_PROGRESS"
    FAILURE = "FAILURE"
    SUCCESS = "SUCCESS"
    CANCEL = "CANCEL"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def order(self) -> int:
        """Ordering used to keep notifications monotonic (midjourney-proxy semantics)."""
        return _STATUS_ORDER[self]


FINAL_STATUSES = frozenset({TaskStatus.FAILURE, TaskStatus.SUCCESS, TaskStatus.CANCEL})
ACTIVE_STATUSES = frozenset({TaskStatus.SUBMITTED, TaskStatus.IN_PROGRESS})
_STATUS_ORDER = {
    TaskStatus.NOT_START: 0,
    TaskStatus.MODAL: 0,
    TaskStatus.SUBMITTED: 1,
    TaskStatus.IN_PROGRESS: 3,
    TaskStatus.FAILURE: 4,
    TaskStatus.SUCCESS: 4,
    TaskStatus.CANCEL: 4,
}


class TaskAction(StrEnum):
    IMAGINE = "IMAGINE"
    UPSCALE = "UPSCALE"
    VARIATION = "VARIATION"
    REROLL = "REROLL"
    ZOOM = "ZOOM"
    PAN = "PAN"
    INPAINT = "INPAINT"
    DESCRIBE = "DESCRIBE"
    BLEND = "BLEND"
    SHORTEN = "SHORTEN"
    SHOW = "SHOW"
    ACTION = "ACTION"


class BotType(StrEnum):
    MID_JOURNEY = "MID_JOURNEY"
    NIJI_JOURNEY = "NIJI_JOURNEY"


class AccountMode(StrEnum):
    FAST = "fast"
    RELAX = "relax"
    TURBO = "turbo"


@dataclass(frozen=True, slots=True)
class Button:
    """One Discord button as the contract shows it (``buttons[]`` of a task)."""

    custom_id: str
    label: str = ""
    emoji: str = ""
    style: int = 2
    type: int = 2


@dataclass(frozen=True, slots=True)
class Task:
    """A Midjourney job as mjbridge tracks it.

    Times are unix milliseconds (the contract's unit). ``account_id`` is the contract's
    ``discordInstanceId``; ``message_hash`` is the Midjourney job uuid.
    """

    id: str
    action: TaskAction
    status: TaskStatus = TaskStatus.NOT_START
    prompt: str = ""
    prompt_en: str = ""
    description: str = ""
    state: str | None = None
    submit_time: int = 0
    start_time: int | None = None
    finish_time: int | None = None
    image_url: str | None = None
    progress: str = ""
    fail_reason: str | None = None
    buttons: tuple[Button, ...] = ()
    bot_type: BotType = BotType.MID_JOURNEY
    account_id: str | None = None
    notify_hook: str | None = None
    # correlation with Discord
    nonce: str | None = None
    interaction_id: str | None = None
    progress_message_id: str | None = None
    message_id: str | None = None
    message_hash: str | None = None
    message_flags: int = 0
    message_content: str | None = None
    final_prompt: str | None = None
    # change actions: the task whose button was pressed and which button
    parent_id: str | None = None
    custom_id: str | None = None
    index: int | None = None
    referenced_message_id: str | None = None
    # image details of the result
    discord_image_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    # uploaded image prompts / describe and blend inputs (Discord URLs after upload)
    image_urls: tuple[str, ...] = ()
    # extra contract properties (e.g. modal custom ids, seeds) as plain strings
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_final(self) -> bool:
        return self.status.is_final

    def extra_value(self, key: str) -> str | None:
        for k, v in self.extra:
            if k == key:
                return v
        return None

    def with_extra(self, **values: str) -> tuple[tuple[str, str], ...]:
        """The ``extra`` tuple with ``values`` set (for ``dataclasses.replace``)."""
        kept = tuple((k, v) for k, v in self.extra if k not in values)
        return kept + tuple(values.items())

    if TYPE_CHECKING:

        def evolve(self, **changes: Any) -> Task:
            """``dataclasses.replace(self, **changes)``, without ``fields()`` or ``__init__``."""
            ...


def compile_evolve(cls: type[Any]) -> Callable[..., Any]:
    """``replace`` for a frozen, slotted dataclass without ``__post_init__`` or ``init=False``
    fields, as straight-line code: each slot is written once through its descriptor.

    ``dataclasses.replace`` walks ``fields()``, builds a keyword dict and runs ``__init__``,
    which sets every field through ``object.__setattr__``; for the 31 fields of a ``Task`` that
    is most of what a lifecycle step costs. Unknown field names raise ``TypeError`` as there.
    """
    names = [f.name for f in fields(cls)]
    if hasattr(cls, "__post_init__") or not all(f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__} needs its __init__: use dataclasses.replace")
    if {"self", "new"} & set(names):
        raise TypeError(f"{cls.__name__} has a field named like a local of evolve")
    namespace: dict[str, Any] = {"_cls": cls, "_new": object.__new__, "_keep": object()}
    namespace.update({f"_set_{name}": cls.__dict__[name].__set__ for name in names})
    lines = [f"def evolve(self, *, {', '.join(f'{name}=_keep' for name in names)}):"]
    lines.append("    new = _new(_cls)")
    lines += [f"    _set_{name}(new, self.{name} if {name} is _keep else {name})" for name in names]
    lines.append("    return new")
    exec("\n".join(lines), namespace)
    function: Callable[..., Any] = namespace["evolve"]
    function.__qualname__ = f"{cls.__qualname__}.evolve"
    function.__doc__ = "``dataclasses.replace(self, **changes)``, several times faster."
    return function


Task.evolve = compile_evolve(Task)  # type: ignore[method-assign]


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One Discord account as configured (``MJ_ACCOUNTS`` entry)."""

    channel_id: str
    guild_id: str
    user_token: str
    name: str = ""
    user_agent: str = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    )
    core_size: int = 3
    queue_size: int = 10
    timeout_minutes: float = 5.0
    mode: AccountMode = AccountMode.FAST
    remix_auto_submit: bool = False
    enabled: bool = True
    weight: int = 1
    dm_channel_id: str | None = None
    # pacing: a random pause in [pace_min_seconds, pace_max_seconds] between two submissions
    pace_min_seconds: float = 0.0
    pace_max_seconds: float = 0.0
    daily_limit: int = 0  # jobs per UTC day, 0 = unlimited

    def __post_init__(self) -> None:
        if not isinstance(self.mode, AccountMode):
            object.__setattr__(self, "mode", AccountMode(str(self.mode).lower()))

    @property
    def id(self) -> str:
        """The account id is its channel id (the contract's ``discordInstanceId``)."""
        return self.channel_id

    def __repr__(self) -> str:  # never show the token
        return f"AccountConfig(id={self.channel_id!r}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """Outcome of a submit call: the contract's ``{code, description, result, properties}``."""

    code: SubmitCode
    description: str
    result: str | None = None
    properties: tuple[tuple[str, object], ...] = ()


class SubmitCode(IntEnum):
    """Submit result codes of the midjourney-proxy contract."""

    SUCCESS = 1
    NOT_FOUND = 3
    VALIDATION_ERROR = 4
    FAILURE = 9
    MODAL = 21
    IN_QUEUE = 22
    QUEUE_REJECTED = 23
    BANNED_PROMPT = 24
