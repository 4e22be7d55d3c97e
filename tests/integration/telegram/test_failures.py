"""Failures edit the job's own message into a reason with Retry; 429s are waited out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.integration.telegram.conftest import FAST_PROGRESS, TgStack, telegram_stack


async def test_failure_after_previews_becomes_a_reason_with_retry_and_refund(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a storm SIM_FILTERED")
    failed = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == sent.message_id and "failed" in (m.caption or m.text or "")
        ),
    )
    assert len(tg.messages(chat)) == 1
    assert failed.history[0].kind == "text"
    text = failed.caption or failed.text or ""
    assert text.startswith("⚠️ Imagine failed:")
    assert [label for label, _ in failed.buttons] == ["🔁 Retry"]
    assert "0 of 100" in await _balance(tg, chat, alice)

    tg.press(chat, alice, failed, "Retry")
    again = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == failed.message_id and "failed" in (m.caption or m.text or "")
        ),
    )
    task = await tg.task_of(again)
    assert task.prompt == "a storm SIM_FILTERED" and task.status == "FAILURE"


async def test_banned_prompt_fails_in_the_queued_text_message(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "SIM_BANNED thing")
    failed = await tg.wait_message(
        chat, lambda m: m.reply_to_message_id == sent.message_id and "failed" in (m.text or "")
    )
    assert failed.kind == "text"
    assert "refused this prompt" in (failed.text or "")


async def test_retry_after_from_telegram_is_honoured(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    tg.fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 2",
        retry_after=2, chat=chat,
    )  # fmt: skip
    sent = tg.fake.send_user_message(chat, alice, "/help")
    reply = await tg.wait_message(chat, lambda m: m.message_id > sent.message_id)
    assert "How to use me" in (reply.text or "")
    first, second = tg.fake.calls_to("sendMessage")[:2]
    assert first.error_code == 429 and second.ok
    assert tg.frontend is not None


async def _balance(tg: TgStack, chat, user) -> str:
    sent = tg.fake.send_user_message(chat, user, "/balance")
    reply = await tg.wait_message(chat, lambda m: m.message_id > sent.message_id)
    return reply.text or ""


async def test_vary_region_asks_for_an_area_then_a_prompt(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a portrait")
    grid = await tg.wait_result(chat, reply_to=sent.message_id)
    tg.press(chat, alice, grid, "U2")
    upscale = await tg.wait_result(chat, reply_to=grid.message_id)

    tg.press(chat, alice, upscale, "Vary (Region)")
    areas = await tg.wait_message(chat, lambda m: "Which part" in (m.text or ""))
    tg.press(chat, alice, areas, "Left half")
    ask = await tg.wait_message(chat, lambda m: "chosen area" in (m.text or ""))
    assert ask.reply_markup is not None and ask.reply_markup.get("force_reply") is True
    reply = tg.fake.send_user_message(chat, alice, "a red hat", reply_to=ask.message_id)
    region = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == reply.message_id
            and (m.caption or "").startswith("✅ Vary (Region)")
        ),
    )
    task = await tg.task_of(region)
    assert task.action == "INPAINT" and task.prompt == "a red hat"
    assert tg.fake.bot_message(chat, areas.message_id).buttons == []


async def test_telegram_server_errors_do_not_lose_the_final_image(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    tg.fake.fail_next(
        "editMessageMedia", error_code=500, description="Internal Server Error", chat=chat, times=3
    )
    sent = tg.fake.send_user_message(chat, alice, "a kite")
    result = await tg.wait_result(chat, reply_to=sent.message_id)
    assert result.buttons
    failed = [c for c in tg.fake.calls_to("editMessageMedia") if not c.ok]
    assert len(failed) == 3


async def test_final_photo_over_a_dropped_connection_is_sent_again_at_once(
    tmp_path: Path,
) -> None:
    async with telegram_stack(tmp_path, start=False) as tg:
        # a backoff longer than the wait below: only an immediate second attempt can pass
        tg.options = replace(tg.options, progress=replace(FAST_PROGRESS, final_retry=600.0))
        await tg.start_bot()
        alice = tg.fake.user("Alice")
        chat = tg.fake.private_chat(alice)
        tg.fake.drop_next("editMessageMedia", holding="✅")  # the final photo, not a preview
        sent = tg.fake.send_user_message(chat, alice, "a kite")
        result = await tg.wait_result(chat, reply_to=sent.message_id)
        assert result.buttons
        assert tg.fake.dropped == ["editMessageMedia"]
