"""reply_markup validation and normalisation (inline keyboards are checked strictly)."""

from __future__ import annotations

import json
from typing import Any, Final

from .errors import (
    BUTTON_DATA_INVALID,
    BUTTON_URL_INVALID,
    REPLY_MARKUP_TOO_LONG,
    TEXT_BUTTONS_UNALLOWED,
    bad_request,
    cant_parse_json,
)
from .wire import JsonObject

CALLBACK_DATA_MAX_BYTES: Final = 64
MAX_INLINE_BUTTONS: Final = 100
BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
URL_SCHEMES: Final = ("http://", "https://", "tg://")
KEYBOARD_KINDS: Final = ("keyboard", "remove_keyboard", "force_reply")


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_drop_nulls(item) for item in value]
    return value


def parse_reply_markup(value: object) -> JsonObject | None:
    """Validate a decoded reply_markup; an empty inline keyboard means no keyboard."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("Bad Request: object expected as reply markup")
    markup = _drop_nulls(value)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
                "must be an Array of Arrays"
            )
        buttons = [button for row in rows for button in row]
        if len(buttons) > MAX_INLINE_BUTTONS:
            raise bad_request(REPLY_MARKUP_TOO_LONG)
        for button in buttons:
            _check_inline_button(button)
        kept = [row for row in rows if row]
        return {"inline_keyboard": kept} if kept else None
    if any(kind in markup for kind in KEYBOARD_KINDS):
        return dict(markup)
    raise bad_request(cant_parse_json("reply keyboard markup"))


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(
            "Bad Request: can't parse inline keyboard button: "
            "InlineKeyboardButton must be an Object"
        )
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(TEXT_BUTTONS_UNALLOWED)
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(BUTTON_DATA_INVALID)
        size = len(data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise bad_request(BUTTON_DATA_INVALID)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(URL_SCHEMES):
            raise bad_request(BUTTON_URL_INVALID)


def inline_keyboard(markup: JsonObject | None) -> JsonObject | None:
    """The part of a markup that a sent message carries (only inline keyboards)."""
    if markup is not None and "inline_keyboard" in markup:
        return markup
    return None


def canonical(markup: JsonObject | None) -> str:
    """Stable text form used to tell whether an edit changes the keyboard."""
    return json.dumps(markup, sort_keys=True, ensure_ascii=False)


def callback_buttons(markup: JsonObject | None) -> list[tuple[str, str]]:
    """(text, callback_data) of every callback button, row by row."""
    if markup is None:
        return []
    return [
        (button["text"], button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]
