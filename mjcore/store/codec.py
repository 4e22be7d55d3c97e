"""Task <-> storage row translation.

A row holds the columns the stores index (id, status, action, account_id, submit_time) and a JSON
``data`` document with the ``Task`` fields (snake_case keys, enums by value, tuples as lists).
Fields equal to their model default are left out (smaller rows, faster decoding); decoding
restores them from the defaults, ignores unknown keys, and so also loads rows written by an older
or newer version. Changing a default in ``models`` therefore changes the meaning of stored rows:
``tests/unit/test_task_codec.py`` pins the defaults this format relies on. ``StoredTask`` types the
document for readers that render it without building a ``Task`` (``mjcore.contract``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from enum import Enum
from typing import Any, NamedTuple, Required, TypedDict, TypeVar, cast

import orjson

from mjcore.models import BotType, Button, Task, TaskAction, TaskStatus

_BUTTON_FIELDS = frozenset(f.name for f in fields(Button))
_TASK_FIELDS = frozenset(f.name for f in fields(Task))
_E = TypeVar("_E", bound=Enum)


class TaskRow(NamedTuple):
    """One stored task: indexed columns plus the JSON document."""

    id: str
    status: str
    action: str
    account_id: str | None
    submit_time: int
    data: str


class StoredButton(TypedDict, total=False):
    """A button in a stored document; absent keys hold the ``Button`` defaults."""

    custom_id: Required[str]
    label: str
    emoji: str
    style: int
    type: int


class StoredTask(TypedDict, total=False):
    """The stored JSON document of a task; absent keys hold the ``Task`` defaults.

    Enums are their values, ``extra`` is a list of ``[key, value]`` pairs. Keys written by another
    version may also appear; readers ignore them.
    """

    id: Required[str]
    action: Required[str]
    status: str
    prompt: str
    prompt_en: str
    description: str
    state: str | None
    submit_time: int
    start_time: int | None
    finish_time: int | None
    image_url: str | None
    progress: str
    fail_reason: str | None
    buttons: list[StoredButton]
    bot_type: str
    account_id: str | None
    notify_hook: str | None
    nonce: str | None
    interaction_id: str | None
    progress_message_id: str | None
    message_id: str | None
    message_hash: str | None
    message_flags: int
    message_content: str | None
    final_prompt: str | None
    parent_id: str | None
    custom_id: str | None
    index: int | None
    referenced_message_id: str | None
    discord_image_url: str | None
    image_width: int | None
    image_height: int | None
    image_urls: list[str]
    extra: list[list[str]]


def _defaults(cls: type[Any]) -> tuple[tuple[str, object], ...]:
    """``(name, default)`` of every field; ``MISSING`` for fields without one."""
    return tuple((f.name, f.default) for f in fields(cls))


_TASK_DEFAULTS = _defaults(Task)
_BUTTON_DEFAULTS = _defaults(Button)


def _is_default(value: object, default: object) -> bool:
    return default is not MISSING and type(value) is type(default) and value == default


def _encode(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Button):
        return _encode_fields(value, _BUTTON_DEFAULTS)
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


def _encode_fields(obj: object, defaults: tuple[tuple[str, object], ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, default in defaults:
        value = getattr(obj, name)
        if not _is_default(value, default):
            out[name] = _encode(value)
    return out


def _enum_decoder(enum: type[_E]) -> Callable[[Any], _E]:
    members = {member.value: member for member in enum}

    def decode(raw: Any) -> _E:
        try:
            return members[raw]
        except (KeyError, TypeError):
            raise ValueError(f"{raw!r} is not a valid {enum.__name__}") from None

    return decode


def _decode_button(raw: Any) -> Button:
    if not isinstance(raw, dict):
        raise ValueError(f"button must be an object, got {type(raw).__name__}")
    try:
        return Button(**raw)
    except TypeError:  # keys written by another version
        return Button(**{k: v for k, v in raw.items() if k in _BUTTON_FIELDS})


def _decode_buttons(raw: Any) -> tuple[Button, ...]:
    return tuple([_decode_button(item) for item in raw])


def _decode_strings(raw: Any) -> tuple[str, ...]:
    return tuple([str(item) for item in raw])


def _decode_extra(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple([(str(key), str(value)) for key, value in raw])


# Fields whose JSON form is not the Python value itself. Every other field is a str/int/None.
_DECODERS: dict[str, Callable[[Any], object]] = {
    "action": _enum_decoder(TaskAction),
    "status": _enum_decoder(TaskStatus),
    "bot_type": _enum_decoder(BotType),
    "buttons": _decode_buttons,
    "image_urls": _decode_strings,
    "extra": _decode_extra,
}


def task_to_dict(task: Task) -> dict[str, object]:
    """The fields of ``task`` that differ from their defaults, as JSON-ready values."""
    return _encode_fields(task, _TASK_DEFAULTS)


def task_from_dict(raw: Mapping[str, Any]) -> Task:
    """The inverse of :func:`task_to_dict`."""
    kwargs = {key: value for key, value in raw.items() if key in _TASK_FIELDS}
    for key, decoder in _DECODERS.items():
        value = kwargs.get(key)
        if value is not None:
            kwargs[key] = decoder(value)
    try:
        return Task(**kwargs)
    except TypeError as exc:
        raise ValueError(f"stored task is incomplete [task:{raw.get('id')}]: {exc}") from exc


def task_to_json(task: Task) -> str:
    fields = task_to_dict(task)
    try:
        return orjson.dumps(fields).decode()
    except TypeError:  # text with a lone surrogate (from a JSON escape): escaped, as ASCII
        return json.dumps(fields, separators=(",", ":"))


def document_from_json(data: str | bytes) -> StoredTask:
    """Parse a stored document (``ValueError`` when it is not a JSON object)."""
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError:  # bad JSON, or lone surrogate escapes (refused by orjson)
        raw = json.loads(data)
    if not isinstance(raw, dict):
        raise ValueError("stored task must be a JSON object")
    return cast(StoredTask, raw)  # its keys are checked by the readers


def task_from_json(data: str | bytes) -> Task:
    return task_from_dict(document_from_json(data))


def task_to_row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        status=task.status.value,
        action=task.action.value,
        account_id=task.account_id,
        submit_time=task.submit_time,
        data=task_to_json(task),
    )


def task_from_row(row: TaskRow) -> Task:
    """Decode a row; the JSON document is the source of truth, the columns only index it."""
    return task_from_json(row.data)
