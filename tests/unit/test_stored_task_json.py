"""Task JSON rendered from a stored document is the Task JSON of the decoded ``Task``.

``stored_task_json(document_from_json(data))`` must give, key order included, what
``task_json(task_from_json(data))`` gives, and ``as_document`` what ``task_document`` gives, over
many generated tasks: every status, action and bot type, buttons, extra properties (also ones named
like documented properties), defaults and explicit nulls, and every kind of image URL.
"""

from __future__ import annotations

import copy
import random
import types
import typing
from dataclasses import fields
from enum import Enum
from typing import Any

import pytest

from mjcore.api.deps import QUEUE_POSITION, as_document
from mjcore.api.responses import TaskProperties, json_bytes, task_document
from mjcore.config import DISCORD_CDN
from mjcore.contract import stored_task_json, task_json
from mjcore.models import BotType, Button, Task, TaskAction, TaskStatus
from mjcore.store.codec import document_from_json, task_from_json, task_to_json

PUBLIC_URL = "http://mjbridge.test"
CDN_BASE = "http://cdn.test"
GENERATED = 3000
SEED = 20261121

_TEXTS = (
    "",
    " ",
    "a cat --ar 16:9 --v 7",
    "**cat** - <@590422081204912129> (fast)",
    "猫 🐈 咪 \u2028 \u2029",
    'quotes " and \\ backslash\nnewline\ttab\r\x00\x01\x1f\x7f',
    "</script><!-- & ' \"",
    "MJ::JOB::upsample::1::0ddb91a0-d9e6-4ae5-ae8b-7b1a3c1b1f2a",
)
_URLS = (
    f"{DISCORD_CDN}/attachments/1/2/grid_0.png?ex=65&is=66&hm=ab&",
    "https://media.discordapp.net/attachments/1/2/preview.webp",
    "https://example.com/elsewhere.png",
    "",
)
# extra keys: documented property names (an extra overrides those in place) and others
_EXTRA_KEYS = (*TaskProperties.model_fields, "seed", "modalPrompt", "remix", "猫", "")


def _text(rnd: random.Random) -> str:
    if rnd.random() < 0.25:
        return "".join(chr(rnd.randint(0x01, 0x2FFF)) for _ in range(rnd.randint(1, 30)))
    return rnd.choice(_TEXTS)


def _int(rnd: random.Random) -> int:
    return rnd.choice((0, 1, -1, 64, 2048, 1_700_000_000_000, 2**53, 2**63 - 1, -(2**63)))


def _button(rnd: random.Random) -> Button:
    kwargs: dict[str, Any] = {"custom_id": _text(rnd)}
    if rnd.random() < 0.6:
        kwargs["label"] = _text(rnd)
    if rnd.random() < 0.4:
        kwargs["emoji"] = rnd.choice(("", "🔄", "🔍", "⬅️"))
    if rnd.random() < 0.3:
        kwargs["style"] = rnd.choice((1, 2, 3, 5))
    if rnd.random() < 0.3:
        kwargs["type"] = rnd.choice((1, 2))
    return Button(**kwargs)


def _value(rnd: random.Random, name: str, hint: Any) -> object:
    """A random value for the field ``name`` of type ``hint``."""
    if name == "buttons":
        return tuple(_button(rnd) for _ in range(rnd.choice((0, 1, 4, 9))))
    if name == "extra":
        pairs = [(rnd.choice(_EXTRA_KEYS), _text(rnd)) for _ in range(rnd.choice((0, 1, 2, 5)))]
        return tuple(pairs)
    if name in ("image_url", "discord_image_url"):
        return rnd.choice(_URLS)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if type(None) in options and rnd.random() < 0.4:
            return None
        return _value(rnd, name, next(o for o in options if o is not type(None)))
    if origin is tuple:
        (item, _) = typing.get_args(hint)
        return tuple(_value(rnd, name, item) for _ in range(rnd.choice((0, 1, 3))))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return rnd.choice(list(hint))
    if hint is str:
        return _text(rnd)
    if hint is int:
        return _int(rnd)
    raise AssertionError(f"no generator for {name}: {hint!r}")


_HINTS = typing.get_type_hints(Task)


def generated_task(rnd: random.Random, n: int) -> Task:
    statuses, actions = list(TaskStatus), list(TaskAction)
    kwargs: dict[str, Any] = {
        "id": str(1_760_000_000_000_000 + n),
        # every status with every action, then at random
        "action": actions[n % len(actions)],
        "status": statuses[(n // len(actions)) % len(statuses)],
    }
    for f in fields(Task):
        if f.name in kwargs or rnd.random() < 0.35:
            continue  # left at its default, so not written to the document
        kwargs[f.name] = _value(rnd, f.name, _HINTS[f.name])
    if rnd.random() < 0.3:  # a finished task shows our own copy of its image
        url = rnd.choice(_URLS[:3])
        kwargs.update(image_url=url, discord_image_url=url)
    return Task(**kwargs)


def generated_tasks() -> list[Task]:
    rnd = random.Random(SEED)
    return [generated_task(rnd, n) for n in range(GENERATED)]


def ordered(value: object) -> object:
    """``value`` with every dict turned into its list of items, so that order counts."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def rendered(task: Task) -> dict[str, Any]:
    return task_json(task, public_url=PUBLIC_URL, cdn_base=CDN_BASE)


def rendered_stored(data: str | bytes) -> dict[str, Any]:
    return stored_task_json(document_from_json(data), public_url=PUBLIC_URL, cdn_base=CDN_BASE)


def test_generated_tasks_cover_what_rendering_depends_on() -> None:
    tasks = generated_tasks()
    assert {(t.status, t.action) for t in tasks} == {(s, a) for s in TaskStatus for a in TaskAction}
    assert {t.bot_type for t in tasks} == set(BotType)
    assert any(t.discord_image_url and t.image_url == t.discord_image_url for t in tasks)
    assert any(t.image_url and t.image_url.startswith(DISCORD_CDN) for t in tasks)
    assert any(t.image_url == "" for t in tasks)
    assert any(len(t.buttons) == 9 for t in tasks)
    extra_keys = {key for t in tasks for key, _ in t.extra}
    assert set(TaskProperties.model_fields) <= extra_keys
    assert any(len({k for k, _ in t.extra}) < len(t.extra) for t in tasks)  # a repeated key
    defaults = Task(id="0", action=TaskAction.IMAGINE)
    for f in fields(Task):
        values = [getattr(t, f.name) for t in tasks]
        assert getattr(defaults, f.name) in values or f.name in ("id", "action"), f.name
        assert len({repr(v) for v in values}) > 1, f.name


def test_a_stored_document_renders_as_its_task() -> None:
    for task in generated_tasks():
        data = task_to_json(task)
        expected = rendered(task)
        assert ordered(rendered_stored(data)) == ordered(expected), task.id
        assert ordered(rendered_stored(data.encode())) == ordered(expected), task.id
        assert json_bytes(rendered_stored(data)) == json_bytes(expected), task.id


def test_as_document_is_task_document() -> None:
    for n, task in enumerate(generated_tasks()):
        body = rendered(task)
        if n % 3 == 0:
            body["properties"][QUEUE_POSITION] = n % 7 or None
        expected = task_document(copy.deepcopy(body))
        assert json_bytes(as_document(body)) == json_bytes(expected), task.id


def test_a_plain_body_only_gains_its_queue_position() -> None:
    body = rendered(Task(id="1", action=TaskAction.IMAGINE))
    document = as_document(body)
    assert document is body
    assert list(document["properties"]) == list(TaskProperties.model_fields)
    assert document["properties"][QUEUE_POSITION] is None


@pytest.mark.parametrize(
    "data",
    [
        # keys written by another version are ignored, missing ones read as defaults
        '{"id":"t1","action":"ZOOM","status":"SUCCESS","added_later":{"x":1},'
        '"buttons":[{"custom_id":"b","label":"L","added_later":true}]}',
        # explicit nulls
        '{"id":"t2","action":"IMAGINE","state":null,"index":null,"image_url":null,'
        '"discord_image_url":null,"account_id":null,"final_prompt":null}',
        # an escaped lone surrogate (the fast parser refuses it; the document still loads)
        '{"id":"t3","action":"IMAGINE","prompt":"\\ud800 half"}',
        '{"id":"t4","action":"BLEND","extra":[["seed","1"],["seed","2"],["notifyHook","x"]]}',
        '{"id":"t5","action":"IMAGINE","image_url":"","discord_image_url":""}',
    ],
)
def test_documents_of_other_shapes_render_as_their_task(data: str) -> None:
    expected = rendered(task_from_json(data))
    assert ordered(rendered_stored(data)) == ordered(expected)


@pytest.mark.parametrize(
    "data",
    [
        '{"id":"t4","action":"PAINT"}',
        '{"id":"t4","action":"IMAGINE","status":"DONE"}',
        '{"id":"t4","action":"IMAGINE","status":["SUCCESS"]}',
        '{"id":"t4","action":"IMAGINE","bot_type":"OTHER"}',
        '{"id":"t4","action":"IMAGINE","buttons":["not an object"]}',
        '{"id":"t4","action":"IMAGINE","buttons":[{"label":"no custom id"}]}',
        '{"action":"IMAGINE"}',
        '{"id":"t4"}',
        '["id","t4"]',
        "not json",
    ],
)
def test_a_broken_document_raises_value_error_like_decoding_it(data: str) -> None:
    with pytest.raises((ValueError, TypeError)):
        task_from_json(data)
    with pytest.raises(ValueError):
        rendered_stored(data)
