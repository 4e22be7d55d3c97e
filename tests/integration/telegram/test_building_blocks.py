"""The pure building blocks of the Telegram front end: limiter windows, photo limits,
keyboard layout, prompt preferences, callback tokens."""

from __future__ import annotations

import io
import os

from PIL import Image

from bot.telegram import imaging
from bot.telegram.callbacks import MjButtonCb, token_for
from bot.telegram.keyboards import PressableButton, pressable, result_keyboard
from bot.telegram.limiter import FloodLimiter, FloodPolicy
from bot.telegram.prompting import blend_dimensions, with_preferences
from bot.telegram.users import UserProfile
from mjcore.models import Button

UUID = "0f3a7c2e-5b1d-4e8a-9c6f-2d4b8e1a7c3f"
GROUP = -100123
PRIVATE = 42


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_background_work_leaves_a_reserve_of_the_group_budget() -> None:
    clock = Clock()
    limiter = FloodLimiter(FloodPolicy(), clock=clock)
    for _ in range(15):
        assert limiter.background_allowed(GROUP)
        await limiter.acquire(GROUP)
    assert not limiter.background_allowed(GROUP)  # 15 of 20 used: the rest is for finals
    for _ in range(5):
        await limiter.acquire(GROUP)  # foreground still gets the reserve at once
    clock.now += 60 * 1.06
    assert limiter.background_allowed(GROUP)


async def test_private_chats_get_one_message_per_interval_and_429_pauses_a_chat() -> None:
    clock = Clock()
    limiter = FloodLimiter(FloodPolicy(), clock=clock)
    await limiter.acquire(PRIVATE)
    assert not limiter.background_allowed(PRIVATE)
    clock.now += 1.1
    assert limiter.background_allowed(PRIVATE)
    limiter.penalize(PRIVATE, 5)
    clock.now += 4.9
    assert not limiter.background_allowed(PRIVATE)
    clock.now += 0.2
    assert limiter.background_allowed(PRIVATE)
    assert limiter.background_allowed(PRIVATE + 1)  # other chats were never paused


async def test_a_request_that_never_arrived_gives_its_slot_back() -> None:
    clock = Clock()
    limiter = FloodLimiter(FloodPolicy(), clock=clock)
    permit = await limiter.acquire(PRIVATE)
    assert not limiter.background_allowed(PRIVATE)
    permit.cancel()
    assert limiter.background_allowed(PRIVATE)
    permit.done(clock.now)  # after cancel, finishing is a no-op
    assert limiter.background_allowed(PRIVATE)
    group = await limiter.acquire(GROUP, count=3)
    group.cancel()
    for _ in range(15):  # the whole background share is free again
        assert limiter.background_allowed(GROUP)
        await limiter.acquire(GROUP)
    assert not limiter.background_allowed(GROUP)


def test_scaled_policy_runs_telegram_time_faster() -> None:
    policy = FloodPolicy().scaled(0.02)
    assert policy.group_window == 60 * 0.02 and policy.group_limit == 20
    assert policy.time_scale == 0.02


def _noise_png(width: int, height: int) -> bytes:
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_photos_fit_telegram_limits() -> None:
    wide = Image.new("RGBA", (9000, 1200), (10, 20, 30, 128))
    buffer = io.BytesIO()
    wide.save(buffer, "PNG")
    photo = Image.open(io.BytesIO(imaging.telegram_photo(buffer.getvalue())))
    assert photo.format == "JPEG" and photo.width + photo.height <= 10_000

    noisy = imaging.telegram_photo(_noise_png(300, 300), max_bytes=20_000)
    assert len(noisy) <= 20_000

    sliver = Image.new("RGB", (2500, 100))
    buffer = io.BytesIO()
    sliver.save(buffer, "PNG")
    padded = Image.open(io.BytesIO(imaging.telegram_photo(buffer.getvalue())))
    assert padded.width / padded.height <= 20


def test_region_mask_is_white_on_black_where_chosen() -> None:
    mask = Image.open(io.BytesIO(imaging.region_mask(100, 60, "left"))).convert("L")
    assert mask.size == (100, 60)
    assert mask.getpixel((10, 30)) == 255 and mask.getpixel((90, 30)) == 0


def _button(kind: str, index: int = 1, label: str = "", emoji: str = "") -> Button:
    return Button(f"MJ::JOB::{kind}::{index}::{UUID}", label=label, emoji=emoji)


def test_result_keyboard_rows_follow_midjourney_layout() -> None:
    buttons = [
        *[_button("upsample", i, f"U{i}") for i in range(1, 5)],
        _button("reroll", 0, emoji="🔄"),
        *[_button("variation", i, f"V{i}") for i in range(1, 5)],
        Button(f"MJ::BOOKMARK::{UUID}", emoji="❤️"),
    ]
    kept = pressable(buttons)
    assert len(kept) == 9  # the favourite button cannot be pressed through the bot
    markup = result_keyboard(
        [PressableButton(b, token_for("1", b.custom_id)) for b in kept], original_of="1"
    )
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["U1", "U2", "U3", "U4", "🔄"], ["V1", "V2", "V3", "V4"], ["📎 Original"]]
    data = markup.inline_keyboard[0][0].callback_data
    assert data is not None and len(data.encode()) <= 64
    assert MjButtonCb.unpack(data).token == token_for("1", buttons[0].custom_id)


def test_tokens_are_stable_short_and_distinct() -> None:
    first = token_for("1795", f"MJ::JOB::upsample::1::{UUID}")
    assert first == token_for("1795", f"MJ::JOB::upsample::1::{UUID}")
    assert first != token_for("1795", f"MJ::JOB::upsample::2::{UUID}")
    assert len(first) == 10 and first.isalnum()


def test_preferences_are_added_unless_the_prompt_sets_them() -> None:
    profile = UserProfile(1, aspect="16:9", version="niji 6", stylize="250", speed="relax")
    assert with_preferences("a cat", profile) == "a cat --ar 16:9 --niji 6 --s 250 --relax"
    assert with_preferences("a cat —ar 1:1 --v 7", profile) == "a cat —ar 1:1 --v 7 --s 250 --relax"
    assert with_preferences("a cat", UserProfile(1), default_speed="fast") == "a cat --fast"
    assert blend_dimensions("Portrait") == "PORTRAIT" and blend_dimensions(None) == "SQUARE"
