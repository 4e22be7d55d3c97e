"""Getting a task's input images to Discord (cloud upload; image prompts also need a CDN URL)."""

from __future__ import annotations

from dataclasses import replace

from mjcore.discord.rest import DiscordRest
from mjcore.interactions import Upload
from mjcore.media import InputImage
from mjcore.models import Task, TaskAction


async def upload_inputs(
    rest: DiscordRest, channel_id: str, task: Task, images: list[InputImage]
) -> tuple[Task, list[Upload]]:
    """Upload ``images``; for an imagine, post them and put their URLs in front of the prompt.

    Returns the task (with ``image_urls`` and the new English prompt for an imagine) and the
    uploads a describe or blend interaction references.
    """
    uploads: list[Upload] = []
    for i, image in enumerate(images):
        filename = f"{task.id}_{i}.{image.extension}"
        uploaded = await rest.upload(channel_id, filename, image.data, image.content_type)
        uploads.append((filename, uploaded))
    if task.action is not TaskAction.IMAGINE or not uploads:
        return task, uploads
    urls: list[str] = []
    for filename, uploaded in uploads:
        sent = await rest.send_message(
            channel_id,
            f"upload image: {uploaded}",
            [{"id": "0", "filename": filename, "uploaded_filename": uploaded}],
        )
        urls.append(str(sent["attachments"][0]["url"]))
    prompt_en = " ".join([*urls, task.prompt_en])
    return replace(task, image_urls=tuple(urls), prompt_en=prompt_en), []
