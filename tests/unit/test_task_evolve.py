"""``Task.evolve`` / ``compile_evolve``: the fast ``dataclasses.replace`` of the lifecycle."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.models import (
    AccountConfig,
    BotType,
    Button,
    Task,
    TaskAction,
    TaskStatus,
    compile_evolve,
)

FULL = Task(
    id="t1",
    action=TaskAction.VARIATION,
    status=TaskStatus.IN_PROGRESS,
    prompt="cat",
    prompt_en="cat en",
    description="/imagine cat",
    state="s",
    submit_time=1,
    start_time=2,
    finish_time=3,
    image_url="https://img/1.png",
    progress="31%",
    fail_reason="no",
    buttons=(Button("MJ::JOB::upsample::1::x", label="U1"),),
    bot_type=BotType.NIJI_JOURNEY,
    account_id="acc",
    notify_hook="https://hook",
    nonce="n1",
    interaction_id="i1",
    progress_message_id="pm1",
    message_id="m1",
    message_hash="h1",
    message_flags=64,
    message_content="content",
    final_prompt="cat --v 7.0",
    parent_id="p1",
    custom_id="MJ::JOB::variation::1::x",
    index=1,
    referenced_message_id="r1",
    discord_image_url="https://cdn/1.png",
    image_width=1024,
    image_height=768,
    image_urls=("https://u/1.png",),
    extra=(("seed", "7"),),
)


def other_value(value: Any) -> Any:
    """A value of the same kind as ``value`` that differs from it."""
    if isinstance(value, TaskAction):
        return TaskAction.PAN
    if isinstance(value, TaskStatus):
        return TaskStatus.SUCCESS
    if isinstance(value, BotType):
        return BotType.MID_JOURNEY
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, str):
        return value + "-changed"
    if isinstance(value, tuple):
        return (*value, value[0])
    raise AssertionError(f"no other value for {value!r}")


FIELD_NAMES = [f.name for f in dataclasses.fields(Task)]
DEFAULTS = {
    f.name: f.default for f in dataclasses.fields(Task) if f.default is not dataclasses.MISSING
}


def test_the_full_task_sets_every_field_away_from_its_default() -> None:
    blank = Task(id="t1", action=TaskAction.IMAGINE)
    for name in FIELD_NAMES[1:]:
        assert getattr(FULL, name) != getattr(blank, name), name


@pytest.mark.parametrize("name", FIELD_NAMES)
def test_each_field_changes_as_with_replace(name: str) -> None:
    value = other_value(getattr(FULL, name))
    changed = FULL.evolve(**{name: value})
    assert changed == dataclasses.replace(FULL, **{name: value})
    assert getattr(changed, name) == value
    assert [getattr(changed, n) for n in FIELD_NAMES if n != name] == [
        getattr(FULL, n) for n in FIELD_NAMES if n != name
    ]


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_each_field_can_be_cleared_to_its_default(name: str) -> None:
    cleared = FULL.evolve(**{name: DEFAULTS[name]})
    assert cleared == dataclasses.replace(FULL, **{name: DEFAULTS[name]})
    assert getattr(cleared, name) == DEFAULTS[name]


def test_every_field_at_once() -> None:
    changes = {name: other_value(getattr(FULL, name)) for name in FIELD_NAMES}
    changed = FULL.evolve(**changes)
    assert changed == dataclasses.replace(FULL, **changes) == Task(**changes)


def test_no_changes_is_an_equal_copy() -> None:
    copy = FULL.evolve()
    assert copy == FULL and copy is not FULL
    assert hash(copy) == hash(FULL)
    assert repr(copy) == repr(FULL)


def test_the_copy_is_a_frozen_task_and_the_original_is_untouched() -> None:
    before = repr(FULL)
    changed = FULL.evolve(status=TaskStatus.SUCCESS, progress="100%")
    assert type(changed) is Task
    with pytest.raises(dataclasses.FrozenInstanceError):
        changed.progress = "5%"  # type: ignore[misc]
    assert repr(FULL) == before
    assert changed.is_final and not FULL.is_final


def test_unknown_fields_and_positional_values_are_refused_like_replace() -> None:
    with pytest.raises(TypeError):
        dataclasses.replace(FULL, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        FULL.evolve(colour="red")
    with pytest.raises(TypeError):
        FULL.evolve(TaskStatus.SUCCESS)  # type: ignore[call-arg]


def test_compile_evolve_builds_messages_like_their_constructor() -> None:
    evolve = compile_evolve(MjMessage)
    blank = MjMessage(MessageKind.NOTICE, "")
    built = evolve(blank, kind=MessageKind.PROGRESS, event="MESSAGE_UPDATE", progress=31)
    assert built == MjMessage(MessageKind.PROGRESS, "MESSAGE_UPDATE", progress=31)
    assert blank == MjMessage(MessageKind.NOTICE, "")


def test_compile_evolve_refuses_classes_that_need_their_init() -> None:
    with pytest.raises(TypeError):
        compile_evolve(AccountConfig)  # __post_init__ normalises the mode

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError):
        compile_evolve(Derived)
