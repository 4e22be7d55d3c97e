"""Trigger API shapes (``/v1/api/trigger``): prompt markers, button ids, callbacks. Pure.

Every prompt is sent as ``[<picurl> ]<#TRIGGER_ID#><prompt>``, so Midjourney echoes the marker
in each message of the job and of every job made from its buttons; clients read it back.
Callback bodies have the keys ``type, id, content, attachments, embeds, trigger_id`` in that
order; ``id`` and attachment ids are JSON integers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mjcore.api.compat.filenames import content_type_for, url_attachment_id, url_filename
from mjcore.models import Button, Task, TaskAction, TaskStatus

MARKER_RE = re.compile(r"<#(\w+?)#>")
TRIGGER_ID_DIGITS = 10
EXPAND_DIRECTIONS = frozenset({"left", "right", "up", "down"})
ERROR_COLOR = 16711680
DESCRIBE_COLOR = 3092790
_BANNED_HINTS = ("banned", "moderation", "action needed")
_SOLO = "::SOLO"
_MODE_WORDS = {"fast": "fast", "relax": "relaxed", "relaxed": "relaxed", "turbo": "turbo"}


class TriggerType(StrEnum):
    GENERATE = "generate"
    UPSCALE = "upscale"
    VARIATION = "variation"
    SOLO_VARIATION = "solo_variation"
    SOLO_LOW_VARIATION = "solo_low_variation"
    SOLO_HIGH_VARIATION = "solo_high_variation"
    EXPAND = "expand"
    ZOOMOUT = "zoomout"
    RESET = "reset"
    DESCRIBE = "describe"


class CallbackType(StrEnum):
    START = "start"
    GENERATING = "generating"
    END = "end"
    ERROR = "error"
    BANNED = "banned"
    TEXT = "text"


def split_picurl(prompt: str, picurl: str | None) -> tuple[str | None, str]:
    """A prompt that starts with a link gives its image URL when ``picurl`` is empty."""
    if not picurl and prompt.startswith(("http://", "https://")):
        url, _, rest = prompt.partition(" ")
        return url, rest
    return picurl or None, prompt


def marked_prompt(prompt: str, trigger_id: str, picurl: str | None = None) -> str:
    """``[<picurl> ]<#trigger_id#><prompt>``: the prompt as sent to Midjourney."""
    head = f"{picurl} " if picurl else ""
    return f"{head}<#{trigger_id}#>{prompt}"


def trigger_id_in(text: str | None) -> str | None:
    """The first ``<#…#>`` marker in ``text``."""
    if not text:
        return None
    found = MARKER_RE.search(text)
    return None if found is None else found[1]


def button_id(kind: TriggerType, msg_hash: str, *, index: int = 1, value: str = "") -> str:
    """The Midjourney custom id a trigger route presses."""
    match kind:
        case TriggerType.UPSCALE:
            return f"MJ::JOB::upsample::{index}::{msg_hash}"
        case TriggerType.VARIATION:
            return f"MJ::JOB::variation::{index}::{msg_hash}"
        case TriggerType.SOLO_VARIATION:
            return f"MJ::JOB::variation::1::{msg_hash}{_SOLO}"
        case TriggerType.SOLO_LOW_VARIATION:
            return f"MJ::JOB::low_variation::1::{msg_hash}{_SOLO}"
        case TriggerType.SOLO_HIGH_VARIATION:
            return f"MJ::JOB::high_variation::1::{msg_hash}{_SOLO}"
        case TriggerType.EXPAND:
            return f"MJ::JOB::pan_{value}::1::{msg_hash}{_SOLO}"
        case TriggerType.ZOOMOUT:
            return f"MJ::Outpaint::{value}::1::{msg_hash}{_SOLO}"
        case TriggerType.RESET:
            return f"MJ::JOB::reroll::0::{msg_hash}{_SOLO}"
    raise ValueError(f"{kind} presses no button")


def pick_button(buttons: Sequence[Button], wanted: str) -> Button | None:
    """The button with custom id ``wanted``, or the same id with/without the ``::SOLO`` tail."""
    for button in buttons:
        if button.custom_id == wanted:
            return button
    bare = wanted.removesuffix(_SOLO)
    for button in buttons:
        if button.custom_id.removesuffix(_SOLO) == bare:
            return button
    return None


@dataclass(frozen=True, slots=True)
class Speaker:
    """Whom Midjourney mentions in its messages and in which mode the account runs."""

    user_id: str | None = None
    mode: str = "fast"

    @property
    def mention(self) -> str:
        return f"<@{self.user_id}>" if self.user_id else "<@0>"

    @property
    def mode_word(self) -> str:
        return _MODE_WORDS.get(self.mode.lower(), self.mode.lower())


@dataclass(frozen=True, slots=True)
class ResultFile:
    """The result image as a callback attachment shows it."""

    url: str  # where clients download it
    discord_url: str  # Discord's URL (file name and attachment id come from it)
    size: int = 0


def callback_type(task: Task, previous: Task | None) -> CallbackType | None:
    """Which callback, if any, the change from ``previous`` to ``task`` sends."""
    was = previous.status if previous is not None else None
    if task.status is TaskStatus.SUCCESS:
        if was is TaskStatus.SUCCESS:
            return None
        return CallbackType.TEXT if task.action is TaskAction.DESCRIBE else CallbackType.END
    if task.status in (TaskStatus.FAILURE, TaskStatus.CANCEL):
        if was is not None and was.is_final:
            return None
        reason = (task.fail_reason or "").lower()
        banned = any(hint in reason for hint in _BANNED_HINTS)
        return CallbackType.BANNED if banned else CallbackType.ERROR
    if task.status is not TaskStatus.IN_PROGRESS or task.action is TaskAction.DESCRIBE:
        return None
    if was is not TaskStatus.IN_PROGRESS:
        return CallbackType.START if _percent(task.progress) == 0 else CallbackType.GENERATING
    assert previous is not None
    return CallbackType.GENERATING if task.progress != previous.progress else None


def trigger_callback(
    task: Task,
    previous: Task | None,
    *,
    trigger_id: str,
    speaker: Speaker,
    preview_url: str | None = None,
    result: ResultFile | None = None,
) -> dict[str, Any] | None:
    """The callback body for this change, or ``None`` when the change sends none."""
    kind = callback_type(task, previous)
    if kind is None:
        return None
    prompt = task.final_prompt or task.prompt_en or task.prompt
    message_id = task.progress_message_id
    content = ""
    attachments: list[dict[str, Any]] = []
    embeds: list[dict[str, Any]] = []
    match kind:
        case CallbackType.START:
            content = _content(prompt, speaker, "Waiting to start")
        case CallbackType.GENERATING:
            content = _content(prompt, speaker, f"{task.progress}) ({speaker.mode_word}")
            if preview_url and task.image_url:
                attachments.append(attachment(task.image_url, preview_url))
        case CallbackType.END:
            message_id = task.message_id
            content = task.message_content or _content(prompt, speaker, speaker.mode_word)
            if result is not None:
                attachments.append(
                    attachment(
                        result.discord_url,
                        result.url,
                        size=result.size,
                        width=task.image_width,
                        height=task.image_height,
                    )
                )
        case CallbackType.TEXT:
            message_id = task.message_id
            embeds.append(describe_embed(task, preview_url))
        case CallbackType.ERROR | CallbackType.BANNED:
            message_id = task.message_id or task.progress_message_id
            content = _content(prompt, speaker, "Stopped")
            embeds.append(error_embed(task))
    return {
        "type": kind.value,
        "id": _int_id(message_id),
        "content": content,
        "attachments": attachments,
        "embeds": embeds,
        "trigger_id": trigger_id,
    }


def attachment(
    discord_url: str,
    url: str,
    *,
    size: int = 0,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """An attachment as discord.py's ``Attachment.to_dict()`` lays it out."""
    filename = url_filename(discord_url)
    out: dict[str, Any] = {
        "filename": filename,
        "id": url_attachment_id(discord_url),
        "proxy_url": url,
        "size": size,
        "url": url,
        "spoiler": False,
    }
    if height:
        out["height"] = height
    if width:
        out["width"] = width
    out["content_type"] = content_type_for(filename)
    return out


def describe_embed(task: Task, image_url: str | None) -> dict[str, Any]:
    embed: dict[str, Any] = {}
    if image_url:
        image: dict[str, Any] = {"url": image_url, "proxy_url": image_url}
        if task.image_width and task.image_height:
            image |= {"width": task.image_width, "height": task.image_height}
        embed["image"] = image
    embed |= {"color": DESCRIBE_COLOR, "type": "rich", "description": task.final_prompt or ""}
    return embed


def error_embed(task: Task) -> dict[str, Any]:
    title, description = split_reason(task.fail_reason or "")
    embed: dict[str, Any] = {"color": ERROR_COLOR, "type": "rich", "description": description}
    if title:
        embed["title"] = title
    return embed


def split_reason(reason: str) -> tuple[str, str]:
    """``"[Title] description"`` (how the engine words Midjourney errors) -> both parts."""
    if reason.startswith("[") and "]" in reason:
        title, _, rest = reason[1:].partition("]")
        return title.strip(), rest.strip()
    return "", reason


def _content(prompt: str, speaker: Speaker, tail: str) -> str:
    return f"**{prompt}** - {speaker.mention} ({tail})"


def _percent(progress: str) -> int:
    digits = progress.rstrip("%")
    return int(digits) if digits.isdigit() else 0


def _int_id(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
