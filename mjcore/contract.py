"""The midjourney-proxy wire shapes: Task JSON and submit results.

Used by the REST API and by notify hooks, so both send exactly the same document.
"""

from __future__ import annotations

from typing import Any

from mjcore.config import DISCORD_CDN
from mjcore.media import rewrite_cdn
from mjcore.models import Button, SubmitResult, Task


def button_json(button: Button) -> dict[str, Any]:
    return {
        "customId": button.custom_id,
        "emoji": button.emoji,
        "label": button.label,
        "type": button.type,
        "style": button.style,
    }


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


def submit_json(result: SubmitResult) -> dict[str, Any]:
    return {
        "code": int(result.code),
        "description": result.description,
        "result": result.result,
        "properties": dict(result.properties),
    }
