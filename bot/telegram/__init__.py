"""The Telegram front end (aiogram 3): see ``runner.run_telegram`` and ``TelegramFrontend``."""

from __future__ import annotations

from bot.telegram.runner import TelegramFrontend, TelegramOptions, create_bot, run_telegram

__all__ = ["TelegramFrontend", "TelegramOptions", "create_bot", "run_telegram"]
