"""Languages: Simplified Chinese from the Telegram language or /settings; catalogs complete."""

from __future__ import annotations

from bot.telegram.i18n_build import build
from tests.integration.telegram.conftest import TgStack


async def test_chinese_user_gets_chinese_messages_and_menu(tg: TgStack) -> None:
    li = tg.fake.user("李雷", language_code="zh-hans")
    chat = tg.fake.private_chat(li)
    sent = tg.fake.send_user_message(chat, li, "一只猫")
    result = await tg.wait_message(
        chat,
        lambda m: m.reply_to_message_id == sent.message_id and (m.caption or "").startswith("✅"),
    )
    assert (result.history[0].text or "").startswith("⏳ 排队中，第 1 位 · 绘图")
    assert (result.caption or "").startswith("✅ 绘图\n📝 一只猫\n🇬🇧 a cat")
    assert "📎 原图" in [text for text, _ in result.buttons]
    start = tg.fake.send_user_message(chat, li, "/start")
    hello = await tg.wait_message(chat, lambda m: m.message_id > start.message_id)
    assert (hello.text or "").startswith("👋 你好，李雷！")

    han = tg.fake.user("韩梅梅", language_code="zh")  # command menus are keyed by ISO 639-1
    han_chat = tg.fake.private_chat(han)
    await tg.fake.wait_for(lambda: tg.fake.visible_commands(han_chat, han))
    menu = {c["command"]: c["description"] for c in tg.fake.visible_commands(han_chat, han)}
    assert menu["imagine"] == "根据提示词画图"
    english = {c["command"]: c["description"] for c in tg.fake.commands()}
    assert english["imagine"] == "Draw a picture from a prompt"


async def test_language_chosen_in_settings_wins_over_telegram_language(tg: TgStack) -> None:
    alice = tg.fake.user("Alice", language_code="en")
    chat = tg.fake.private_chat(alice)
    tg.fake.send_user_message(chat, alice, "/settings")
    menu = await tg.wait_message(chat, lambda m: "Your settings" in (m.text or ""))
    tg.press(chat, alice, menu, "Language")
    choices = await tg.wait_message(
        chat, lambda m: m.message_id == menu.message_id and "简体中文" in str(m.buttons)
    )
    tg.press(chat, alice, choices, "简体中文")
    await tg.wait_message(chat, lambda m: "你的设置" in (m.text or ""))

    sent = tg.fake.send_user_message(chat, alice, "/balance")
    balance = await tg.wait_message(chat, lambda m: m.message_id > sent.message_id)
    assert "今日剩余" in (balance.text or "")


def test_catalogs_are_compiled_complete_and_up_to_date() -> None:
    assert build(check=True) == []
