"""A local fake of the Telegram Bot API that real aiogram talks to over HTTP."""

from __future__ import annotations

from .errors import ApiError
from .flood import FloodControl, FloodLimits
from .model import (
    AnsweredCallback,
    ApiCall,
    BotMessage,
    FakeChat,
    FakeUser,
    MessageVersion,
    SentUserMessage,
)
from .server import DEFAULT_TOKEN, FakeTelegram

__all__ = [
    "DEFAULT_TOKEN",
    "AnsweredCallback",
    "ApiCall",
    "ApiError",
    "BotMessage",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "FloodControl",
    "FloodLimits",
    "MessageVersion",
    "SentUserMessage",
]
