"""Pure keyboard renderers: Midjourney's buttons laid out in rows, settings, history, prompts.

Midjourney buttons are grouped the way Discord shows them: U1–U4 with 🔄, V1–V4, upscale
variants, vary, zoom, pans, describe / shorten picks; anything else follows three to a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.types import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.callbacks import (
    HistoryCb,
    MjButtonCb,
    OriginalCb,
    RegionCb,
    RetryCb,
    SettingsCb,
)
from bot.telegram.i18n import _
from bot.telegram.texts import BUTTON_NAMES, REGION_NAMES, SETTING_NAMES, setting_value_label
from mjcore.midjourney.custom_ids import ButtonAction, classify
from mjcore.models import Button

OTHER_ROW_WIDTH = 3
HISTORY_BUTTONS = 8
PLACEHOLDER_LIMIT = 64

# Row of each button kind, in display order.
_ROWS: tuple[tuple[str, ...], ...] = (
    ("upsample", "reroll"),
    ("variation",),
    ("upsample_v5_2x", "upsample_v5_4x", "upsample_max", "upsample_v6_2x_subtle",
     "upsample_v6_2x_creative", "upsample_v7_2x_subtle", "upsample_v7_2x_creative"),
    ("high_variation", "low_variation", "Inpaint"),
    ("Outpaint", "CustomZoom", "MakeSquare"),
    ("pan_left", "pan_right", "pan_up", "pan_down"),
    ("PicReader", "PicReadRetry"),
    ("PromptAnalyzer",),
)  # fmt: skip
_ROW_OF = {kind: row for row, kinds in enumerate(_ROWS) for kind in kinds}

SETTING_CHOICES: dict[str, tuple[str, ...]] = {
    "aspect": ("", "1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"),
    "version": ("", "7", "6.1", "niji 6"),
    "speed": ("", "fast", "relax", "turbo"),
    "stylize": ("", "50", "100", "250", "750"),
    "document": ("", "1"),
    "language": ("", "en", "zh_CN"),
}
SETTING_ROW_WIDTH = 3
MENU_KEY = "menu"


@dataclass(frozen=True, slots=True)
class PressableButton:
    """A Midjourney button the bot shows, with the callback token issued for it."""

    button: Button
    token: str


def pressable(buttons: Sequence[Button]) -> list[Button]:
    """The buttons a Telegram user can press (unknown and unsupported ones are left out)."""
    kept = []
    for button in buttons:
        action = _classify(button)
        if action is not None and action.supported and action.kind != "Settings":
            kept.append(button)
    return kept


def _classify(button: Button) -> ButtonAction | None:
    try:
        return classify(button.custom_id)
    except ValueError:
        return None


def button_label(button: Button) -> str:
    """Midjourney's label (translated when known), with its emoji."""
    label = button.label.strip()
    if label in BUTTON_NAMES:
        label = _(label)
    emoji = button.emoji.strip()
    if emoji.isascii():  # a Discord custom emoji name ("upscale_1"), not a character
        emoji = ""
    if not label and not emoji:
        action = _classify(button)
        label = _(action.description) if action is not None else button.custom_id
    return f"{emoji} {label}".strip()


def result_keyboard(
    buttons: Sequence[PressableButton], *, original_of: str | None = None
) -> InlineKeyboardMarkup | None:
    """Midjourney's buttons in rows, then "📎 Original" when the job has a file."""
    rows: dict[int, list[InlineKeyboardButton]] = {}
    others: list[InlineKeyboardButton] = []
    for entry in buttons:
        action = _classify(entry.button)
        tg_button = InlineKeyboardButton(
            text=button_label(entry.button), callback_data=MjButtonCb(token=entry.token).pack()
        )
        row = _ROW_OF.get(action.kind) if action is not None else None
        if row is None and action is not None and action.kind.startswith("upsample_"):
            row = _ROW_OF["upsample_v5_2x"]
        if row is None:
            others.append(tg_button)
        else:
            rows.setdefault(row, []).append(tg_button)
    keyboard = [rows[row] for row in sorted(rows)]
    keyboard += [others[i : i + OTHER_ROW_WIDTH] for i in range(0, len(others), OTHER_ROW_WIDTH)]
    if original_of is not None:
        keyboard.append(
            [
                InlineKeyboardButton(
                    text=_("📎 Original"), callback_data=OriginalCb(task_id=original_of).pack()
                )
            ]
        )
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


def retry_keyboard(task_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("🔁 Retry"), callback_data=RetryCb(task_id=task_id).pack()
                )
            ]
        ]
    )


def region_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=_(name), callback_data=RegionCb(area=area).pack())
        for area, name in REGION_NAMES.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:1], buttons[1:3], buttons[3:]])


def force_reply(placeholder: str) -> ForceReply:
    return ForceReply(
        force_reply=True, selective=True, input_field_placeholder=placeholder[:PLACEHOLDER_LIMIT]
    )


def settings_menu() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=_(name), callback_data=SettingsCb(key=key).pack())
        for key, name in SETTING_NAMES.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def setting_choices(key: str, current: str) -> InlineKeyboardMarkup:
    buttons = []
    for choice, value in enumerate(SETTING_CHOICES[key]):
        label = setting_value_label(key, value)
        if value == current:
            label = "• " + label
        buttons.append(
            InlineKeyboardButton(
                text=label, callback_data=SettingsCb(key=key, choice=choice).pack()
            )
        )
    rows = [buttons[i : i + SETTING_ROW_WIDTH] for i in range(0, len(buttons), SETTING_ROW_WIDTH)]
    rows.append(
        [InlineKeyboardButton(text=_("⬅️ Back"), callback_data=SettingsCb(key=MENU_KEY).pack())]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def history_keyboard(task_ids: Sequence[tuple[str, bool]]) -> InlineKeyboardMarkup | None:
    """One row per job: show its image again (when it has one) and reuse its prompt."""
    rows = []
    for number, (task_id, has_image) in enumerate(task_ids[:HISTORY_BUTTONS], start=1):
        row = []
        if has_image:
            row.append(
                InlineKeyboardButton(
                    text=_("🖼 {n}").format(n=number),
                    callback_data=HistoryCb(action="show", task_id=task_id).pack(),
                )
            )
        row.append(
            InlineKeyboardButton(
                text=_("🔁 Reuse {n}").format(n=number),
                callback_data=HistoryCb(action="reuse", task_id=task_id).pack(),
            )
        )
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
