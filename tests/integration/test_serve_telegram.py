"""`mjbridge serve` as a real subprocess with TG_BOT_TOKEN set: the Telegram bot starts with it
and draws a picture end to end (sandbox Discord, a local fake Bot API with Telegram's real
flood limits)."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.telegram import FakeTelegram
from tests.integration.serve_process import clean_env, free_port, serving


async def test_serve_starts_the_telegram_bot(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        user = fake.user("Mei", language_code="en")
        chat = fake.private_chat(user)
        env = clean_env(
            MJ_PORT=str(free_port()),
            MJ_DATA_DIR=str(tmp_path / "data"),
            TG_BOT_TOKEN=fake.token,
            TG_API_SERVER=fake.url,
        )
        log_path = tmp_path / "serve.log"
        async with serving(env, tmp_path, log_path):
            # the bot is polling once it holds a getUpdates request open
            await fake.wait_for(lambda: fake.long_polls_waiting > 0, 60)
            fake.send_user_message(chat, user, "a lighthouse made of glass --ar 3:2")

            def final_photo() -> bool:
                return any(
                    m.photo and any(text == "U1" for text, _ in m.buttons)
                    for m in fake.bot_messages(chat)
                )

            await fake.wait_for(final_photo, 60)
        text = log_path.read_text()
        assert fake.token not in text
        assert "Traceback" not in text
        replies = [m for m in fake.bot_messages(chat) if not m.deleted]
        assert len(replies) == 1, "one message per job"
        assert replies[0].edited  # it went from queued to preview to the final image
