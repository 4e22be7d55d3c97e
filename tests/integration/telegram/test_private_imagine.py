"""A prompt in a private chat: one message from queued through preview to the final photo."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

from tests.integration.telegram.conftest import TgStack, telegram_stack


async def test_chinese_prompt_becomes_one_message_from_queued_to_final_photo(tg: TgStack) -> None:
    alice = tg.fake.user("Alice", language_code="en")
    chat = tg.fake.private_chat(alice)
    prompt = "https://example.com/ref.png 一只可爱的猫在月球上 —ar 16:9"
    sent = tg.fake.send_user_message(chat, alice, prompt)

    result = await tg.wait_result(chat, reply_to=sent.message_id)

    assert [m.message_id for m in tg.messages(chat)] == [result.message_id]
    first, *middle, last = result.history
    assert first.kind == "text" and first.text is not None
    assert first.text.startswith("⏳ Queued #1")
    previews = [v for v in middle if v.kind == "photo" and "%" in (v.caption or "")]
    assert previews, [v.caption or v.text for v in result.history]
    assert last.kind == "photo"
    labels = [text for text, _ in result.buttons]
    for label in ("U1", "U2", "U3", "U4", "V1", "V4", "🔄", "📎 Original"):
        assert any(label in text for text in labels), labels
    assert all(len(data.encode()) <= 64 for _, data in result.buttons)
    # the original prompt (dash repaired) and the English one Midjourney got are both shown
    caption = last.caption or ""
    assert "一只可爱的猫在月球上 --ar 16:9" in caption
    assert "https://example.com/ref.png a cute cat on the moon --ar 16:9" in caption
    # Baidu saw only the Chinese text: no URL, no parameters
    assert tg.baidu.received == ["一只可爱的猫在月球上"]
    task = await tg.task_of(result)
    assert task.prompt_en == "https://example.com/ref.png a cute cat on the moon --ar 16:9"


async def test_webhook_mode_receives_updates_over_http(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    async with telegram_stack(tmp_path, start=False) as tg:
        tg.options = replace(tg.options, webhook_url=url, webhook_host="127.0.0.1")
        await tg.start_bot()
        await tg.fake.wait_for(lambda: tg.fake.webhook_url == url)
        alice = tg.fake.user("Alice")
        chat = tg.fake.private_chat(alice)
        sent = tg.fake.send_user_message(chat, alice, "a paper boat")
        result = await tg.wait_result(chat, reply_to=sent.message_id)
        assert "a paper boat" in (result.caption or "")
        assert not tg.fake.calls_to("getUpdates")
