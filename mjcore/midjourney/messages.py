"""``MjMessage``: one Discord event as Midjourney meant it (``parse`` output, ``match`` input)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mjcore.models import Button, TaskAction


class MessageKind(StrEnum):
    # gateway interaction events: INTERACTION_CREATE, _SUCCESS, _FAILURE, _(IFRAME_)MODAL_CREATE
    INTERACTION_CREATED = "interaction_created"
    INTERACTION_SUCCEEDED = "interaction_succeeded"
    INTERACTION_FAILED = "interaction_failed"
    MODAL_OPENED = "modal_opened"
    IFRAME_OPENED = "iframe_opened"
    # Midjourney job messages
    START = "start"  # "(Waiting to start)" or the deferred first reply
    PROGRESS = "progress"  # "(NN%)"
    RESULT = "result"  # final image with buttons (grid, upscale, zoom, pan, ...)
    DESCRIBE_RESULT = "describe_result"  # embed with four prompts
    SHORTEN_RESULT = "shorten_result"  # embed with shortened prompts
    # outcomes that are not images
    NOTICE = "notice"  # "Job queued": not a failure
    ERROR = "error"  # the job failed: banned prompt, invalid parameter, queue full, plain text
    MODERATION = "moderation"  # "Action needed to continue" with an Appeal button
    ACCOUNT_ERROR = "account_error"  # account unusable: pending mod, blocked, subscription, credits
    INFO = "info"  # /info embed
    MODE_CHANGED = "mode_changed"  # "Done!" after /fast /relax /turbo; "Remix mode turned on/off"
    SEED = "seed"  # DM with "**Job ID**: … **seed** N"
    DELETED = "deleted"  # MESSAGE_DELETE


@dataclass(frozen=True, slots=True)
class MjMessage:
    kind: MessageKind
    event: str  # raw dispatch name, e.g. "MESSAGE_CREATE"
    channel_id: str | None = None
    message_id: str | None = None
    nonce: str | None = None
    # INTERACTION_* ``id``, else ``interaction_metadata.id``, else ``interaction.id``
    interaction_id: str | None = None
    interaction_name: str | None = None  # "imagine", "describe", "blend", ...
    referenced_message_id: str | None = None
    action: TaskAction | None = None  # what the content says was done (Image #n → UPSCALE, ...)
    index: int | None = None  # Image #n, or the variation/pan index when known
    prompt: str | None = None  # the prompt exactly as Midjourney echoes it (inside ** **)
    progress: int | None = None
    mode: str | None = None  # fast | relaxed | turbo
    job_id: str | None = None  # the Midjourney job uuid ("message hash")
    image_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    buttons: tuple[Button, ...] = ()
    flags: int = 0
    content: str = ""
    title: str | None = None  # embed title (errors, notices, info)
    description: str | None = None  # embed description (errors, describe, shorten, info)
    custom_id: str | None = None  # modal / iframe custom id
    from_bot: bool = True  # author is a Midjourney/Niji bot (False for our own upload messages)
