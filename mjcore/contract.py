"""The midjourney-proxy wire shapes: Task JSON and submit results.

Used by the REST API and by notify hooks, so both send exactly the same document.
``stored_task_json`` renders a stored document (``mjcore.store.codec``) without building the
``Task``: the same dict as ``task_json(task_from_dict(document))``, for large reads.
"""

from __future__ import annotations

from typing import Any

from mjcore.config import DISCORD_CDN
from mjcore.media import rewrite_cdn
from mjcore.models import BotType, Button, SubmitResult, Task, TaskAction, TaskStatus
from mjcore.store.codec import StoredTask

_ACTIONS = frozenset(action.value for action in TaskAction)
_STATUSES = frozenset(status.value for status in TaskStatus)
_BOT_TYPES = frozenset(bot_type.value for bot_type in BotType)
_NOT_START = TaskStatus.NOT_START.value
_MID_JOURNEY = BotType.MID_JOURNEY.value


def button_json(button: Button) -> dict[str, Any]:
    return {
        "customId": button.custom_id,
        "emoji": button.emoji,
        "label": button.label,
        "type": button.type,
        "style": button.style,
    }


def image_url_uses_cdn(task: Task) -> bool:
    """Whether ``image_url_for`` shows the task's image through the CDN (not our own copy)."""
    return bool(task.image_url) and not (
        task.discord_image_url and task.image_url == task.discord_image_url
    )


def image_url_for(task: Task, public_url: str, cdn_base: str = DISCORD_CDN) -> str | None:
    """The URL handed out for the task's image: our durable copy once the task succeeded,
    the (CDN-rewritten) progress preview before."""
    if task.discord_image_url and task.image_url == task.discord_image_url:
        return f"{public_url}/images/{task.id}"
    if task.image_url:
        return rewrite_cdn(task.image_url, cdn_base)
    return None


def task_json(task: Task, *, public_url: str, cdn_base: str = DISCORD_CDN) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "notifyHook": task.notify_hook,
        "finalPrompt": task.final_prompt,
        "messageId": task.message_id,
        "messageHash": task.message_hash,
        "progressMessageId": task.progress_message_id,
        "nonce": task.nonce,
        "flags": task.message_flags,
        "discordInstanceId": task.account_id,
        "discordChannelId": task.account_id,
        "botType": task.bot_type.value,
        "messageContent": task.message_content,
        "interactionMetadataId": task.interaction_id,
        "referencedMessageId": task.referenced_message_id,
        "customId": task.custom_id,
        "parentId": task.parent_id,
        "discordImageUrl": task.discord_image_url,
    }
    properties.update(dict(task.extra))
    return {
        "id": task.id,
        "action": task.action.value,
        "status": task.status.value,
        "prompt": task.prompt,
        "promptEn": task.prompt_en,
        "description": task.description,
        "state": task.state,
        "submitTime": task.submit_time,
        "startTime": task.start_time,
        "finishTime": task.finish_time,
        "imageUrl": image_url_for(task, public_url, cdn_base),
        "imageWidth": task.image_width,
        "imageHeight": task.image_height,
        "progress": task.progress,
        "failReason": task.fail_reason,
        "buttons": [button_json(b) for b in task.buttons],
        "properties": properties,
    }


def _invalid(document: StoredTask, key: str) -> ValueError:
    value = document.get(key)
    return ValueError(f"stored task has an invalid {key} {value!r} [task:{document.get('id')}]")


def stored_task_json(
    document: StoredTask, *, public_url: str, cdn_base: str = DISCORD_CDN
) -> dict[str, Any]:
    """``task_json`` of a stored document; absent keys read as the ``Task`` defaults.

    Written flat (no helper calls per field or button): it renders every task of a large read.
    """
    get = document.get
    try:
        task_id = document["id"]
        action = document["action"]
    except KeyError as exc:
        raise ValueError(f"stored task is incomplete: no {exc}") from None
    status = get("status", _NOT_START)
    bot_type = get("bot_type", _MID_JOURNEY)
    if type(action) is not str or action not in _ACTIONS:
        raise _invalid(document, "action")
    if type(status) is not str or status not in _STATUSES:
        raise _invalid(document, "status")
    if type(bot_type) is not str or bot_type not in _BOT_TYPES:
        raise _invalid(document, "bot_type")
    image_url = document.get("image_url")
    discord_image_url = document.get("discord_image_url")
    if discord_image_url and image_url == discord_image_url:
        shown_url: str | None = f"{public_url}/images/{task_id}"
    elif image_url:
        shown_url = rewrite_cdn(image_url, cdn_base)
    else:
        shown_url = None
    account_id = get("account_id")
    properties: dict[str, Any] = {
        "notifyHook": get("notify_hook"),
        "finalPrompt": get("final_prompt"),
        "messageId": get("message_id"),
        "messageHash": get("message_hash"),
        "progressMessageId": get("progress_message_id"),
        "nonce": get("nonce"),
        "flags": get("message_flags", 0),
        "discordInstanceId": account_id,
        "discordChannelId": account_id,
        "botType": bot_type,
        "messageContent": get("message_content"),
        "interactionMetadataId": get("interaction_id"),
        "referencedMessageId": get("referenced_message_id"),
        "customId": get("custom_id"),
        "parentId": get("parent_id"),
        "discordImageUrl": discord_image_url,
    }
    extra = document.get("extra")
    if extra:
        for key, value in extra:
            properties[str(key)] = str(value)
    stored_buttons = document.get("buttons")
    try:
        buttons = [
            {
                "customId": b["custom_id"],
                "emoji": b.get("emoji", ""),
                "label": b.get("label", ""),
                "type": b.get("type", 2),
                "style": b.get("style", 2),
            }
            for b in stored_buttons or ()
        ]
    except (AttributeError, KeyError, TypeError):
        raise _invalid(document, "buttons") from None
    return {
        "id": task_id,
        "action": action,
        "status": status,
        "prompt": get("prompt", ""),
        "promptEn": get("prompt_en", ""),
        "description": get("description", ""),
        "state": get("state"),
        "submitTime": get("submit_time", 0),
        "startTime": get("start_time"),
        "finishTime": get("finish_time"),
        "imageUrl": shown_url,
        "imageWidth": get("image_width"),
        "imageHeight": get("image_height"),
        "progress": get("progress", ""),
        "failReason": get("fail_reason"),
        "buttons": buttons,
        "properties": properties,
    }


def submit_json(result: SubmitResult) -> dict[str, Any]:
    return {
        "code": int(result.code),
        "description": result.description,
        "result": result.result,
        "properties": dict(result.properties),
    }
