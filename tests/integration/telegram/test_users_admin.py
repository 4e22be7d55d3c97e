"""Per-user quotas and settings, bans, admin-only commands and command menus, history."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.telegram.delivery import Variant
from tests.fakes.telegram import FakeChat, FakeUser
from tests.integration.telegram.conftest import TgStack, telegram_stack


@pytest.fixture
async def admin_tg(tmp_path: Path) -> AsyncIterator[TgStack]:
    async with telegram_stack(tmp_path, daily_quota=2, start=False) as stack:
        yield stack


async def _start_with_admin(tg: TgStack) -> tuple[FakeUser, FakeChat]:
    admin = tg.fake.user("Root")
    tg.options = replace(tg.options, admin_ids=frozenset({admin.id}))
    await tg.start_bot()
    return admin, tg.fake.private_chat(admin)


async def _say(tg: TgStack, chat: FakeChat, user: FakeUser, text: str) -> str:
    """Send ``text`` and return the text of the bot's reply to it."""
    sent = tg.fake.send_user_message(chat, user, text)
    reply = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == sent.message_id
            or (m.reply_to_message_id is None and m.message_id > sent.message_id)
        ),
    )
    return reply.text or reply.caption or ""


async def test_daily_quota_balance_and_admin_quota(admin_tg: TgStack) -> None:
    tg = admin_tg
    admin, admin_chat = await _start_with_admin(tg)
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    for prompt in ("a cat", "a dog"):
        sent = tg.fake.send_user_message(chat, alice, prompt)
        await tg.wait_result(chat, reply_to=sent.message_id)

    refused = tg.fake.send_user_message(chat, alice, "a bird")
    reply = await tg.wait_message(chat, lambda m: m.reply_to_message_id == refused.message_id)
    assert "used all 2 jobs" in (reply.text or "")
    assert reply.kind == "text" and not reply.edited
    assert "0 jobs left today (used 2 of 2)" in await _say(tg, chat, alice, "/balance")

    assert "is now 5" in await _say(tg, admin_chat, admin, f"/quota {alice.id} 5")
    assert "3 jobs left today" in await _say(tg, chat, alice, "/balance")
    again = tg.fake.send_user_message(chat, alice, "a bird")
    await tg.wait_result(chat, reply_to=again.message_id)
    assert "no daily limit" in await _say(tg, admin_chat, admin, "/balance")


async def test_ban_and_unban(admin_tg: TgStack) -> None:
    tg = admin_tg
    admin, admin_chat = await _start_with_admin(tg)
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a cat")
    result = await tg.wait_result(chat, reply_to=sent.message_id)

    assert "is banned" in await _say(tg, admin_chat, admin, f"/ban {alice.id}")
    assert "not allowed" in await _say(tg, chat, alice, "a dog")
    tg.press(chat, alice, result, "U1")
    answer = await tg.fake.wait_for(lambda: tg.fake.answered_callbacks)
    assert answer[0].show_alert and "not allowed" in (answer[0].text or "")
    jobs_before = len(await tg.engine.list())

    assert "no longer banned" in await _say(tg, admin_chat, admin, f"/unban {alice.id}")
    later = tg.fake.send_user_message(chat, alice, "a dog")
    await tg.wait_result(chat, reply_to=later.message_id)
    assert len(await tg.engine.list()) == jobs_before + 1


async def test_admin_commands_are_refused_to_others_and_hidden_from_their_menu(
    admin_tg: TgStack,
) -> None:
    tg = admin_tg
    admin, admin_chat = await _start_with_admin(tg)
    bob = tg.fake.user("Bob")
    bob_chat = tg.fake.private_chat(bob)
    for command in ("/stats", "/accounts", "/queue", "/ban 1", "/mode relax", "/broadcast hi"):
        assert "admins only" in await _say(tg, bob_chat, bob, command)

    await tg.fake.wait_for(lambda: tg.fake.visible_commands(admin_chat, admin))
    admin_menu = {c["command"] for c in tg.fake.visible_commands(admin_chat, admin)}
    bob_menu = {c["command"] for c in tg.fake.visible_commands(bob_chat, bob)}
    assert {"stats", "ban", "broadcast", "imagine"} <= admin_menu
    assert "imagine" in bob_menu and not bob_menu & {"stats", "ban", "quota", "broadcast"}

    assert "Statistics" in await _say(tg, admin_chat, admin, "/stats")
    assert "acct0" in await _say(tg, admin_chat, admin, "/accounts")
    assert "Nothing is waiting" in await _say(tg, admin_chat, admin, "/queue")
    assert "relax mode" in await _say(tg, admin_chat, admin, "/mode relax")
    sent = tg.fake.send_user_message(bob_chat, bob, "a cat")
    result = await tg.wait_result(bob_chat, reply_to=sent.message_id)
    assert (await tg.task_of(result)).prompt_en.endswith("--relax")

    sent = tg.fake.send_user_message(admin_chat, admin, "/broadcast Maintenance at <5>")
    done = await tg.wait_message(admin_chat, lambda m: m.reply_to_message_id == sent.message_id)
    assert "sent to 2 users (0 failed)" in (done.text or "")  # the admin and Bob
    assert any(m.text == "Maintenance at <5>" for m in tg.messages(bob_chat))


async def _choose(tg: TgStack, chat: FakeChat, user: FakeUser, menu_id: int, name: str, value: str):
    """Open the setting ``name`` in the /settings message and pick ``value``."""
    tg.press(chat, user, tg.fake.bot_message(chat, menu_id), name)
    choices = await tg.wait_message(
        chat, lambda m: m.message_id == menu_id and any("Back" in t for t, _ in m.buttons)
    )
    tg.press(chat, user, choices, value)
    return await tg.wait_message(
        chat, lambda m: m.message_id == menu_id and f"{name}: {value}" in (m.text or "")
    )


async def test_settings_apply_to_prompts_and_send_as_document(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    tg.fake.send_user_message(chat, alice, "/settings")
    menu = await tg.wait_message(chat, lambda m: "Your settings" in (m.text or ""))
    await _choose(tg, chat, alice, menu.message_id, "Aspect ratio", "16:9")
    shown = await _choose(tg, chat, alice, menu.message_id, "Send as", "document")
    assert "Aspect ratio: 16:9" in (shown.text or "")

    prompt = tg.fake.send_user_message(chat, alice, "a fox")
    result = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == prompt.message_id
            and m.kind == "document"
            and (m.caption or "").startswith("✅")
        ),
    )
    task = await tg.task_of(result)
    assert task.prompt_en == "a fox --ar 16:9"
    assert result.buttons  # the keyboard rides on the document too

    own = tg.fake.send_user_message(chat, alice, "a wolf --ar 1:1")
    wolf = await tg.wait_message(
        chat,
        lambda m: m.reply_to_message_id == own.message_id and (m.caption or "").startswith("✅"),
    )
    assert (await tg.task_of(wolf)).prompt_en == "a wolf --ar 1:1"


async def test_history_shows_again_without_upload_and_reuses_a_prompt(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a tiny robot")
    result = await tg.wait_result(chat, reply_to=sent.message_id)
    await tg.wait_file_id((await tg.task_of(result)).id, Variant.PHOTO)

    ask = tg.fake.send_user_message(chat, alice, "/history")
    listing = await tg.wait_message(chat, lambda m: "recent jobs" in (m.text or ""))
    assert "a tiny robot" in (listing.text or "") and ask.delivered
    photo_uploads = len([c for c in tg.fake.calls if c.files])
    tg.press(chat, alice, listing, "🖼 1")
    again = await tg.wait_message(
        chat, lambda m: m.kind == "photo" and m.message_id > listing.message_id
    )
    assert again.photo[-1]["file_id"] == result.photo[-1]["file_id"]
    assert len([c for c in tg.fake.calls if c.files]) == photo_uploads
    assert again.buttons

    tg.press(chat, alice, listing, "Reuse 1")
    reused = await tg.wait_result(chat, reply_to=listing.message_id)
    assert (await tg.task_of(reused)).prompt == "a tiny robot"
