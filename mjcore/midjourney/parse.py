"""Raw gateway dispatch -> ``MjMessage``: what a Discord event means in Midjourney terms. Pure.

``parse_event(name, data)`` takes the dispatch name (``t``) and its data (``d``) and returns
``None`` for events that say nothing about Midjourney (other authors, other event types).

How bot messages are classified, first rule wins:

1. a DM ``**Job ID**: <uuid> **seed** N`` -> SEED;
2. job content ``**<prompt>** - <wording> <@user> (<status>) (<mode>)`` -> START
   ("Waiting to start"), PROGRESS ("NN%"), RESULT (an image is attached), ERROR ("Stopped");
3. ``embeds[0]`` by title: account killers (and captchas) -> ACCOUNT_ERROR, "Action needed to
   continue" -> MODERATION, "Job queued" -> NOTICE, "Your info" -> INFO, shortened prompts ->
   SHORTEN_RESULT, numbered prompts -> DESCRIBE_RESULT, known failure titles, error colours or a
   ``decline-`` footer -> ERROR, anything else -> NOTICE;
4. plain text: "Done!…" / "Remix mode turned on|off" -> MODE_CHANGED; "There was an error…",
   "Failed…", "Invalid parameter…", "Invalid link…" -> ERROR;
5. an empty deferred reply ("Bot is thinking…") -> START; anything else -> NOTICE.

``INTERACTION_IFRAME_MODAL_CREATE`` is the Vary (Region) editor (IFRAME_OPENED) unless it is the
Cloudflare check "Action required to continue" (``iframe_path`` ``/captcha/…``), which is an
ACCOUNT_ERROR: the account needs a human before it can run jobs again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mjcore.midjourney.bots import MJ_BOT_IDS
from mjcore.midjourney.hashes import UUID_RE, find_uuid, job_id_from_url
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.models import Button, TaskAction

__all__ = ["ERROR_COLORS", "parse_event"]

log = logging.getLogger(__name__)

# dispatch names
INTERACTION_CREATE = "INTERACTION_CREATE"
INTERACTION_SUCCESS = "INTERACTION_SUCCESS"
INTERACTION_FAILURE = "INTERACTION_FAILURE"
INTERACTION_MODAL_CREATE = "INTERACTION_MODAL_CREATE"
INTERACTION_IFRAME_MODAL_CREATE = "INTERACTION_IFRAME_MODAL_CREATE"
MESSAGE_CREATE = "MESSAGE_CREATE"
MESSAGE_UPDATE = "MESSAGE_UPDATE"
MESSAGE_DELETE = "MESSAGE_DELETE"

# embed colours: red (novicezk/erictik/trueai era) and Discord's newer red
ERROR_COLORS = frozenset({16711680, 15548997})

# message flags
FLAG_LOADING = 128  # deferred reply: "Bot is thinking…"

# component types
COMPONENT_BUTTON = 2
BUTTON_STYLE_SECONDARY = 2

# INTERACTION_FAILURE reason codes
_FAILURE_REASONS = {1: "unknown error", 2: "the bot did not answer in time"}

# embed titles, compared case-insensitively as prefixes
_ACCOUNT_ERROR_TITLES = (
    "pending mod message",
    "blocked",
    "plan cancelled",
    "subscription required",
    "subscription paused",
    "credits exhausted",
    "tos not accepted",
    "action required to continue",  # Cloudflare check
    "please complete the task",  # image-category captcha
)
_MODERATION_TITLES = ("action needed to continue",)
_NOTICE_TITLES = ("job queued",)
_INFO_TITLE = "your info"
_ERROR_TITLES = (
    "banned prompt",
    "banned image prompt",
    "invalid parameter",
    "invalid prompt",
    "invalid link",
    "invalid request",
    "empty prompt",
    "job action restricted",
    "request cancelled due to",
    "image denied",
    "queue full",
    "sorry, something went wrong",
    "slow down",
    "duplicate images detected",
    "could not complete",
)
_ERROR_TITLE_WORDS = ("invalid", "error", "denied", "banned")
_DECLINE_FOOTER = "decline-"
_SHORTEN_MARKERS = ("shortened prompts",)
_DESCRIBE_MARKER = "1️⃣"
_CAPTCHA_IFRAME_PREFIX = "/captcha/"
_CAPTCHA_TITLE = "action required to continue"

# plain-text contents
_MODE_CHANGED_PREFIXES = ("Done!", "Remix mode turned on", "Remix mode turned off")
_ERROR_CONTENT_PREFIXES = ("There was an error", "Failed", "Invalid parameter", "Invalid link")
_MODE_BY_COMMAND = {"fast": "fast", "relax": "relaxed", "turbo": "turbo"}

# job contents: "**<prompt>** - <rest>", greedy up to the last "** - "
_JOB_CONTENT_RE = re.compile(r"\*\*(?P<prompt>.*)\*\* - (?P<rest>.*)", re.DOTALL)
_MENTION_RE = re.compile(r"<@!?(?P<user>\d+)>")
_IMAGE_N_RE = re.compile(r"^Image #(?P<index>\d+)")
_WORDING_BY_RE = re.compile(r"^(?P<wording>[^<\n]*?)\s*\bby\s*<@!?\d+>")
_WAITING_RE = re.compile(r"\(Waiting to start\)")
_PERCENT_RE = re.compile(r"\((?P<pct>\d{1,3})%\)")
_MODE_RE = re.compile(r"\((?P<mode>fast|relaxed|turbo)(?:,\s*stealth)?\)")
_STOPPED_RE = re.compile(r"\(Stopped\)")
_PAUSED_RE = re.compile(r"\(paused\)")
_SEED_RE = re.compile(
    rf"\*\*Job ID\*\*:\s*(?P<job>{UUID_RE.pattern})\s*\*\*seed\*\*\s*(?P<seed>\d+)"
)
_SEED_PROMPT_RE = re.compile(r"^\*\*(?P<prompt>.*?)\*\*\s*\n")


def parse_event(
    name: str,
    data: Mapping[str, Any],
    *,
    bot_ids: frozenset[str] = MJ_BOT_IDS,
    self_user_id: str | None = None,
    error_colors: frozenset[int] = ERROR_COLORS,
) -> MjMessage | None:
    """The ``MjMessage`` a gateway dispatch means, or ``None`` when it is not about Midjourney.

    ``bot_ids``: authors whose messages count (Midjourney and Niji). ``self_user_id``: when set,
    bot messages about another user's job (its mention or interaction user) are dropped.
    ``error_colors``: embed colours that mark a failed job.
    """
    if name in (INTERACTION_CREATE, INTERACTION_SUCCESS, INTERACTION_FAILURE):
        return _interaction(name, data)
    if name == INTERACTION_MODAL_CREATE:
        return _modal(name, data)
    if name == INTERACTION_IFRAME_MODAL_CREATE:
        return _iframe(name, data)
    if name == MESSAGE_DELETE:
        return MjMessage(
            MessageKind.DELETED,
            name,
            channel_id=_str(data, "channel_id"),
            message_id=_str(data, "id"),
        )
    if name in (MESSAGE_CREATE, MESSAGE_UPDATE):
        if not _from_bot(data, bot_ids):
            return None
        if self_user_id is not None and _foreign(data, self_user_id):
            log.debug("message of another user's job skipped [message:%s]", _str(data, "id"))
            return None
        return _message(name, data, error_colors)
    return None


# --- interaction events --------------------------------------------------------------------------


def _interaction(name: str, data: Mapping[str, Any]) -> MjMessage:
    kind = {
        INTERACTION_CREATE: MessageKind.INTERACTION_CREATED,
        INTERACTION_SUCCESS: MessageKind.INTERACTION_SUCCEEDED,
        INTERACTION_FAILURE: MessageKind.INTERACTION_FAILED,
    }[name]
    description = None
    if kind is MessageKind.INTERACTION_FAILED:
        code = data.get("reason_code")
        reason = _FAILURE_REASONS.get(code, "reason unknown") if isinstance(code, int) else None
        description = "Discord reported the interaction failed"
        if reason is not None:
            description = f"{description} (code {code}: {reason})"
    return MjMessage(
        kind,
        name,
        channel_id=_str(data, "channel_id"),
        nonce=_str(data, "nonce"),
        interaction_id=_str(data, "id"),
        description=description,
    )


def _modal(name: str, data: Mapping[str, Any]) -> MjMessage:
    """A modal opened: text inputs become ``buttons`` (type 4), the prefilled text ``prompt``."""
    inputs = [c for c in _components(data.get("components")) if _str(c, "custom_id")]
    prompt = next((_str(c, "value") for c in inputs if _str(c, "value") is not None), None)
    return MjMessage(
        MessageKind.MODAL_OPENED,
        name,
        channel_id=_str(data, "channel_id"),
        nonce=_str(data, "nonce"),
        interaction_id=_str(data, "id"),
        prompt=prompt,
        buttons=tuple(_button(c) for c in inputs),
        title=_str(data, "title"),
        custom_id=_str(data, "custom_id"),
    )


def _iframe(name: str, data: Mapping[str, Any]) -> MjMessage:
    """The Vary (Region) editor, or the Cloudflare check (ACCOUNT_ERROR); ``description`` = path."""
    title = _str(data, "title")
    path = _str(data, "iframe_path")
    captcha = (path or "").startswith(_CAPTCHA_IFRAME_PREFIX) or (
        (title or "").casefold().startswith(_CAPTCHA_TITLE)
    )
    return MjMessage(
        MessageKind.ACCOUNT_ERROR if captcha else MessageKind.IFRAME_OPENED,
        name,
        channel_id=_str(data, "channel_id"),
        nonce=_str(data, "nonce"),
        interaction_id=_str(data, "id"),
        title=title,
        description=path,
        custom_id=_str(data, "custom_id"),
    )


# --- messages ------------------------------------------------------------------------------------


def _from_bot(data: Mapping[str, Any], bot_ids: frozenset[str]) -> bool:
    author = _map(data, "author")
    if author is not None:
        return _str(author, "id") in bot_ids
    # partial updates carry no author; the bot's own messages still name its application
    return _str(data, "application_id") in bot_ids or _str(data, "webhook_id") in bot_ids


def _foreign(data: Mapping[str, Any], self_user_id: str) -> bool:
    """True when the message is about a job of another user (shared channels)."""
    users: set[str] = set()
    for key in ("interaction_metadata", "interaction"):
        holder = _map(data, key)
        if holder is None:
            continue
        user = _map(holder, "user")
        user_id = _str(user, "id") if user is not None else _str(holder, "user_id")
        if user_id is not None:
            users.add(user_id)
    if users and self_user_id not in users:
        return True
    job = _JOB_CONTENT_RE.search(_str(data, "content") or "")
    if job is None:
        return False
    mentioned = {m["user"] for m in _MENTION_RE.finditer(job["rest"])}
    return bool(mentioned) and self_user_id not in mentioned


def _message(name: str, data: Mapping[str, Any], error_colors: frozenset[int]) -> MjMessage:
    content = _str(data, "content") or ""
    embed = _first_map(data.get("embeds"))
    buttons = tuple(_button(c) for c in _components(data.get("components")) if _str(c, "custom_id"))
    attachment = _first_map(data.get("attachments"))
    image = attachment
    if image is None and embed is not None:
        image = _map(embed, "image")
    interaction_name = _interaction_name(data)
    # the fields every kind shares; the kind and its own fields are added once, at the end
    base: dict[str, Any] = {
        "kind": MessageKind.NOTICE,
        "event": name,
        "channel_id": _str(data, "channel_id"),
        "message_id": _str(data, "id"),
        "nonce": _str(data, "nonce"),
        "interaction_id": _interaction_id(data),
        "interaction_name": interaction_name,
        "referenced_message_id": _reference_id(data),
        "job_id": _job_id(data, buttons, content, embed),
        "image_url": _str(image, "url") if image else None,
        "image_width": _int(image, "width") if image else None,
        "image_height": _int(image, "height") if image else None,
        "buttons": buttons,
        "flags": _int(data, "flags") or 0,
        "content": content,
        "title": _str(embed, "title") if embed else None,
        "description": _str(embed, "description") if embed else None,
    }
    seed = _SEED_RE.search(content)
    if seed is not None:
        prompt = _SEED_PROMPT_RE.match(content)
        return _build(
            base,
            kind=MessageKind.SEED,
            job_id=seed["job"].lower(),
            description=seed["seed"],
            prompt=prompt["prompt"] if prompt else None,
        )
    job = _JOB_CONTENT_RE.search(content)
    if job is not None and _MENTION_RE.search(job["rest"]) is not None:
        return _job_message(base, job["prompt"], job["rest"], has_image=attachment is not None)
    if embed is not None:
        return _embed_message(base, embed, error_colors)
    if content.startswith(_MODE_CHANGED_PREFIXES):
        return _build(
            base, kind=MessageKind.MODE_CHANGED, mode=_MODE_BY_COMMAND.get(interaction_name or "")
        )
    if content.startswith(_ERROR_CONTENT_PREFIXES):
        return _build(base, kind=MessageKind.ERROR)
    if not content and (base["flags"] & FLAG_LOADING or base["interaction_id"] is not None):
        return _build(base, kind=MessageKind.START)
    return _build(base)


def _build(base: dict[str, Any], **kind_fields: Any) -> MjMessage:
    return MjMessage(**{**base, **kind_fields})


def _job_message(base: dict[str, Any], prompt: str, rest: str, *, has_image: bool) -> MjMessage:
    """``**<prompt>** - <rest>``: the job's wording, status, mode and image decide the kind."""
    action: TaskAction | None
    index: int | None = None
    if image_n := _IMAGE_N_RE.match(rest):
        action, index = TaskAction.UPSCALE, int(image_n["index"])
    elif wording := _WORDING_BY_RE.match(rest):
        action = _wording_action(wording["wording"])
    elif base["interaction_name"] == "blend":
        action = TaskAction.BLEND
    else:
        action = TaskAction.IMAGINE
    mention = _MENTION_RE.search(rest)
    assert mention is not None  # checked by the caller
    tail = rest[mention.end() :]
    mode = _MODE_RE.search(tail)
    percent = _PERCENT_RE.search(tail)
    kind = MessageKind.PROGRESS
    progress = int(percent["pct"]) if percent else None
    if _WAITING_RE.search(tail):
        kind = MessageKind.START
        if action is TaskAction.IMAGINE and base["interaction_name"] != "imagine":
            # component-triggered jobs (zoom, reroll…) also start with the plain wording
            action = None
    elif percent is not None:
        kind = MessageKind.PROGRESS
    elif _STOPPED_RE.search(tail):
        kind = MessageKind.ERROR
    elif _PAUSED_RE.search(tail):
        kind = MessageKind.NOTICE
    elif has_image:
        kind = MessageKind.RESULT
    return _build(
        base,
        kind=kind,
        action=action,
        index=index,
        prompt=prompt,
        progress=progress,
        mode=mode["mode"] if mode else None,
    )


def _wording_action(wording: str) -> TaskAction:
    if wording.startswith("Upscal"):  # Upscaled, Upscaling, Upscaled (Subtle|Creative|2x|4x)
        return TaskAction.UPSCALE
    if wording.startswith(("Variations", "Remix")):
        return TaskAction.INPAINT if "(Region)" in wording else TaskAction.VARIATION
    if wording.startswith("Zoom Out"):
        return TaskAction.ZOOM
    if wording.startswith("Pan "):
        return TaskAction.PAN
    return TaskAction.ACTION  # Animate (High motion), Extend, ...


def _embed_message(
    base: dict[str, Any], embed: Mapping[str, Any], error_colors: frozenset[int]
) -> MjMessage:
    title = (base["title"] or "").strip().casefold()
    description = base["description"] or ""
    footer = _map(embed, "footer")
    footer_text = (_str(footer, "text") if footer else None) or ""
    prompt = _footer_prompt(footer_text)
    if title.startswith(_ACCOUNT_ERROR_TITLES):
        kind = MessageKind.ACCOUNT_ERROR
    elif title.startswith(_MODERATION_TITLES):
        kind = MessageKind.MODERATION
    elif title.startswith(_NOTICE_TITLES):
        kind = MessageKind.NOTICE
    elif _INFO_TITLE in title:
        return _build(base, kind=MessageKind.INFO)
    elif any(m in (footer_text + description).casefold() for m in _SHORTEN_MARKERS) or (
        base["interaction_name"] == "shorten" and description
    ):
        return _build(base, kind=MessageKind.SHORTEN_RESULT)
    elif _DESCRIBE_MARKER in description and (
        base["image_url"] is not None or base["interaction_name"] == "describe"
    ):
        return _build(base, kind=MessageKind.DESCRIBE_RESULT)
    elif (
        title.startswith(_ERROR_TITLES)
        or any(word in title for word in _ERROR_TITLE_WORDS)
        or _int(embed, "color") in error_colors
        or footer_text.startswith(_DECLINE_FOOTER)
    ):
        kind = MessageKind.ERROR
    else:
        kind = MessageKind.NOTICE
    return _build(base, kind=kind, prompt=prompt)


def _footer_prompt(footer: str) -> str | None:
    """Error embeds quote the command: ``/imagine <prompt>`` -> ``<prompt>``."""
    if not footer.startswith("/"):
        return None
    _, _, prompt = footer.partition(" ")
    return prompt or None


# --- fields --------------------------------------------------------------------------------------


def _interaction_id(data: Mapping[str, Any]) -> str | None:
    for key in ("interaction_metadata", "interaction"):
        holder = _map(data, key)
        if holder is not None and (found := _str(holder, "id")) is not None:
            return found
    return None


def _interaction_name(data: Mapping[str, Any]) -> str | None:
    for key in ("interaction_metadata", "interaction"):
        holder = _map(data, key)
        if holder is not None and (found := _str(holder, "name")) is not None:
            return found
    return None


def _reference_id(data: Mapping[str, Any]) -> str | None:
    reference = _map(data, "message_reference")
    return _str(reference, "message_id") if reference is not None else None


def _job_id(
    data: Mapping[str, Any],
    buttons: Sequence[Button],
    content: str,
    embed: Mapping[str, Any] | None,
) -> str | None:
    """Attachments first (their file names), then button custom ids, then any uuid in the text."""
    for attachment in _maps(data.get("attachments")):
        for key in ("url", "filename", "proxy_url"):
            found = job_id_from_url(_str(attachment, key) or "")
            if found is not None:
                return found
    if embed is not None and (image := _map(embed, "image")) is not None:
        found = job_id_from_url(_str(image, "url") or "")
        if found is not None:
            return found
    for b in buttons:
        found = find_uuid(b.custom_id)
        if found is not None:
            return found
    texts = [content]
    if embed is not None:
        texts += [_str(embed, "title") or "", _str(embed, "description") or ""]
    for text in texts:
        found = find_uuid(text)
        if found is not None:
            return found
    return None


def _button(component: Mapping[str, Any]) -> Button:
    emoji = _map(component, "emoji")
    return Button(
        custom_id=_str(component, "custom_id") or "",
        label=_str(component, "label") or "",
        emoji=(_str(emoji, "name") or "") if emoji is not None else "",
        style=_int(component, "style") or BUTTON_STYLE_SECONDARY,
        type=_int(component, "type") or COMPONENT_BUTTON,
    )


def _components(raw: object) -> Iterator[Mapping[str, Any]]:
    """Every leaf component, depth first (action rows and v2 containers are flattened)."""
    for component in _maps(raw):
        children = component.get("components")
        if isinstance(children, list):
            yield from _components(children)
        else:
            yield component


# --- typed access to raw JSON --------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # nonces may arrive as numbers
    return None


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _map(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    # decoded JSON is a dict: skip the slower abstract Mapping check for it
    return value if type(value) is dict or isinstance(value, Mapping) else None


def _maps(raw: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(raw, list):
        for item in raw:
            if type(item) is dict or isinstance(item, Mapping):
                yield item


def _first_map(raw: object) -> Mapping[str, Any] | None:
    return next(_maps(raw), None)
