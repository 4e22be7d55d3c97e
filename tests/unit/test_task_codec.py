"""Task <-> row codec: lossless round trips over many generated field combinations."""

from __future__ import annotations

import json
import random
import types
import typing
from dataclasses import MISSING, fields
from enum import Enum
from typing import Any

import pytest

from mjcore.models import BotType, Button, Task, TaskAction, TaskStatus
from mjcore.store.codec import (
    TaskRow,
    task_from_dict,
    task_from_json,
    task_from_row,
    task_to_dict,
    task_to_json,
    task_to_row,
)

ROUND_TRIPS = 600
SEED = 20240611

# Defaults the stored format relies on (fields equal to these are not written). If a default in
# models.py changes, rows already stored would change meaning: migrate them before updating this.
STORED_TASK_DEFAULTS: dict[str, object] = {
    "status": TaskStatus.NOT_START,
    "prompt": "",
    "prompt_en": "",
    "description": "",
    "state": None,
    "submit_time": 0,
    "start_time": None,
    "finish_time": None,
    "image_url": None,
    "progress": "",
    "fail_reason": None,
    "buttons": (),
    "bot_type": BotType.MID_JOURNEY,
    "account_id": None,
    "notify_hook": None,
    "nonce": None,
    "interaction_id": None,
    "progress_message_id": None,
    "message_id": None,
    "message_hash": None,
    "message_flags": 0,
    "message_content": None,
    "final_prompt": None,
    "parent_id": None,
    "custom_id": None,
    "index": None,
    "referenced_message_id": None,
    "discord_image_url": None,
    "image_width": None,
    "image_height": None,
    "image_urls": (),
    "extra": (),
}
STORED_BUTTON_DEFAULTS: dict[str, object] = {"label": "", "emoji": "", "style": 2, "type": 2}

_TEXTS = (
    "",
    " ",
    "a cat --ar 16:9 --v 6.1",
    "**cat** - <@590422081204912129> (fast)",
    "猫 🐈 咪",
    'quotes " and \\ backslash\nnewline',
    "MJ::JOB::upsample::1::0ddb91a0-d9e6-4ae5-ae8b-7b1a3c1b1f2a",
    "https://cdn.discordapp.com/attachments/1/2/cat.png?ex=1&is=2",
)


def _text(rnd: random.Random) -> str:
    if rnd.random() < 0.2:
        return "".join(chr(rnd.randint(0x20, 0x2FFF)) for _ in range(rnd.randint(1, 40)))
    return rnd.choice(_TEXTS)


def _int(rnd: random.Random) -> int:
    return rnd.choice((0, 1, -1, 2, 1_700_000_000_000, 2**53, rnd.randint(-(2**62), 2**62)))


def _button(rnd: random.Random) -> Button:
    return Button(
        custom_id=_text(rnd),
        label=_text(rnd),
        emoji=rnd.choice(("", "🔄", "🔍", "⬅️")),
        style=rnd.choice((1, 2, 3, 4)),
        type=rnd.choice((1, 2)),
    )


def _value(rnd: random.Random, hint: Any) -> object:
    """A random value of the annotated type (fails on a type this test does not know yet)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if type(None) in options and rnd.random() < 0.4:
            return None
        return _value(rnd, next(o for o in options if o is not type(None)))
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(rnd, args[0]) for _ in range(rnd.choice((0, 1, 2, 5, 9))))
        return tuple(_value(rnd, arg) for arg in args)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return rnd.choice(list(hint))
    if hint is str:
        return _text(rnd)
    if hint is int:
        return _int(rnd)
    if hint is Button:
        return _button(rnd)
    raise AssertionError(f"no generator for {hint!r}: teach this test and the codec the new type")


_TASK_HINTS = typing.get_type_hints(Task)


def random_task(rnd: random.Random) -> Task:
    kwargs: dict[str, object] = {
        "id": str(rnd.randint(1, 10**19)),
        "action": rnd.choice(list(TaskAction)),
    }
    for f in fields(Task):
        if f.name in kwargs:
            continue
        if rnd.random() < 0.3:
            continue  # leave at its default
        kwargs[f.name] = _value(rnd, _TASK_HINTS[f.name])
    return Task(**kwargs)  # type: ignore[arg-type]


def test_round_trip_over_generated_tasks() -> None:
    rnd = random.Random(SEED)
    for _ in range(ROUND_TRIPS):
        task = random_task(rnd)
        assert task_from_json(task_to_json(task)) == task
        assert task_from_row(task_to_row(task)) == task


def test_round_trip_preserves_types_not_only_equality() -> None:
    rnd = random.Random(SEED + 1)
    for _ in range(100):
        task = random_task(rnd)
        back = task_from_json(task_to_json(task))
        for f in fields(Task):
            original, decoded = getattr(task, f.name), getattr(back, f.name)
            assert type(decoded) is type(original), f.name
        assert all(type(b) is Button for b in back.buttons)
        assert all(type(pair) is tuple for pair in back.extra)


def test_every_field_is_written_when_not_default() -> None:
    rnd = random.Random(SEED + 2)
    seen: set[str] = set()
    for _ in range(200):
        seen |= task_to_dict(random_task(rnd)).keys()
    assert seen == {f.name for f in fields(Task)}


def test_row_columns_mirror_the_task() -> None:
    task = Task(
        id="1718000000000123",
        action=TaskAction.UPSCALE,
        status=TaskStatus.IN_PROGRESS,
        account_id="1118138338562560102",
        submit_time=1_718_000_000_000,
    )
    row = task_to_row(task)
    assert row[:5] == (
        "1718000000000123",
        "IN_PROGRESS",
        "UPSCALE",
        "1118138338562560102",
        1_718_000_000_000,
    )
    assert isinstance(row, TaskRow)
    assert json.loads(row.data)["status"] == "IN_PROGRESS"


def test_json_is_compact_with_enums_by_value_and_defaults_left_out() -> None:
    task = Task(
        id="t1",
        action=TaskAction.IMAGINE,
        prompt="猫",
        buttons=(Button(custom_id="MJ::JOB::reroll::0::abc::SOLO", emoji="🔄"),),
        extra=(("seed", "42"),),
    )
    assert task_to_json(task) == (
        '{"id":"t1","action":"IMAGINE","prompt":"猫",'
        '"buttons":[{"custom_id":"MJ::JOB::reroll::0::abc::SOLO","emoji":"🔄"}],'
        '"extra":[["seed","42"]]}'
    )


def test_stored_defaults_are_pinned() -> None:
    task_defaults = {f.name: f.default for f in fields(Task) if f.default is not MISSING}
    button_defaults = {f.name: f.default for f in fields(Button) if f.default is not MISSING}
    assert task_defaults == STORED_TASK_DEFAULTS
    assert button_defaults == STORED_BUTTON_DEFAULTS


def test_decoding_ignores_unknown_keys_and_fills_missing_ones() -> None:
    raw = {
        "id": "t2",
        "action": "ZOOM",
        "status": "SUCCESS",
        "added_by_a_newer_version": {"x": 1},
        "buttons": [{"custom_id": "b", "label": "L", "future_key": True}],
    }
    task = task_from_dict(raw)
    assert task == Task(
        id="t2",
        action=TaskAction.ZOOM,
        status=TaskStatus.SUCCESS,
        buttons=(Button(custom_id="b", label="L"),),
    )


def test_explicit_nulls_decode_to_none() -> None:
    assert task_from_json('{"id":"t3","action":"IMAGINE","state":null,"index":null}') == Task(
        id="t3", action=TaskAction.IMAGINE
    )


@pytest.mark.parametrize(
    "data",
    [
        '{"id":"t4","action":"PAINT"}',
        '{"id":"t4","action":"IMAGINE","status":"DONE"}',
        '{"id":"t4","action":"IMAGINE","buttons":["not an object"]}',
        '{"action":"IMAGINE"}',
        '["id","t4"]',
    ],
)
def test_bad_documents_raise_value_error(data: str) -> None:
    with pytest.raises(ValueError):
        task_from_json(data)
