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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mjcore.midjourney.bots import MJ_BOT_IDS
from mjcore.midjourney.hashes import UUID_RE, find_uuid, job_id_from_url
from mjcore.midjourney.messages import MessageKind, MjMessage
from mjcore.models import Button, TaskAction, compile_evolve

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
_JOB_CONTENT_MARK = "** - "  # every job content holds it: the regex only runs when it is there
_MENTION_RE = re.compile(r"<@!?(?P<user>\d+)>")
_IMAGE_N_PREFIX = "Image #"
_IMAGE_N_RE = re.compile(r"^Image #(?P<index>\d+)")
_WORDING_BY_RE = re.compile(r"^(?P<wording>[^<\n]*?)\s*\bby\s*<@!?\d+>")
_WAITING = "(Waiting to start)"
_PERCENT_RE = re.compile(r"\((?P<pct>\d{1,3})%\)")
_MODE_RE = re.compile(r"\((?P<mode>fast|relaxed|turbo)(?:,\s*stealth)?\)")
_STOPPED = "(Stopped)"
_PAUSED = "(paused)"
_SEED_MARK = "**Job ID**"
_SEED_RE = re.compile(
    rf"\*\*Job ID\*\*:\s*(?P<job>{UUID_RE.pattern})\s*\*\*seed\*\*\s*(?P<seed>\d+)"
)
_SEED_PROMPT_RE = re.compile(r"^\*\*(?P<prompt>.*?)\*\*\s*\n")
_INTERACTION_KEYS = ("interaction_metadata", "interaction")
_INTERACTION_KINDS = {
    INTERACTION_CREATE: MessageKind.INTERACTION_CREATED,
    INTERACTION_SUCCESS: MessageKind.INTERACTION_SUCCEEDED,
    INTERACTION_FAILURE: MessageKind.INTERACTION_FAILED,
}

# an MjMessage is built once per event: ``_message_from(_BLANK, **fields)`` writes its slots
# directly (``Button``s likewise), which costs a fraction of the frozen dataclass ``__init__``
_BLANK = MjMessage(MessageKind.NOTICE, "")
_message_from: Callable[..., MjMessage] = compile_evolve(MjMessage)
_BLANK_BUTTON = Button("")
_button_from: Callable[..., Button] = compile_evolve(Button)


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
    if name in (MESSAGE_UPDATE, MESSAGE_CREATE):
        return _bot_message(name, data, bot_ids, self_user_id, error_colors)
    if name in _INTERACTION_KINDS:
        return _interaction(name, data)
    if name == INTERACTION_MODAL_CREATE:
        return _modal(name, data)
    if name == INTERACTION_IFRAME_MODAL_CREATE:
        return _iframe(name, data)
    if name == MESSAGE_DELETE:
        return _message_from(
            _BLANK,
            kind=MessageKind.DELETED,
            event=name,
            channel_id=_str(data, "channel_id"),
            message_id=_str(data, "id"),
        )
    return None


# --- interaction events --------------------------------------------------------------------------


def _interaction(name: str, data: Mapping[str, Any]) -> MjMessage:
    kind = _INTERACTION_KINDS[name]
    description = None
    if kind is MessageKind.INTERACTION_FAILED:
        code = data.get("reason_code")
        reason = _FAILURE_REASONS.get(code, "reason unknown") if isinstance(code, int) else None
        description = "Discord reported the interaction failed"
        if reason is not None:
            description = f"{description} (code {code}: {reason})"
    return _message_from(
        _BLANK,
        kind=kind,
        event=name,
        channel_id=_str(data, "channel_id"),
        nonce=_str(data, "nonce"),
        interaction_id=_str(data, "id"),
        description=description,
    )


def _modal(name: str, data: Mapping[str, Any]) -> MjMessage:
    """A modal opened: text inputs become ``buttons`` (type 4), the prefilled text ``prompt``."""
    inputs = [c for c in _components(data.get("components")) if _str(c, "custom_id")]
    prompt = next((_str(c, "value") for c in inputs if _str(c, "value") is not None), None)
    buttons = tuple(_button(c, _str(c, "custom_id") or "") for c in inputs)
    return MjMessage(
        MessageKind.MODAL_OPENED,
        name,
        channel_id=_str(data, "channel_id"),
        nonce=_str(data, "nonce"),
        interaction_id=_str(data, "id"),
        prompt=prompt,
        buttons=buttons,
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


def _bot_message(
    name: str,
    data: Mapping[str, Any],
    bot_ids: frozenset[str],
    self_user_id: str | None,
    error_colors: frozenset[int],
) -> MjMessage | None:
    """A MESSAGE_CREATE / MESSAGE_UPDATE of a Midjourney bot; every part is read once."""
    if not _from_bot(data, bot_ids):
        return None
    interaction_id, interaction_name, others = _interaction_facts(data, self_user_id)
    content = _str(data, "content") or ""
    job = _JOB_CONTENT_RE.search(content) if _JOB_CONTENT_MARK in content else None
    mention = _MENTION_RE.search(job["rest"]) if job is not None else None
    if self_user_id is not None and _foreign(others, job, mention, self_user_id):
        log.debug("message of another user's job skipped [message:%s]", _str(data, "id"))
        return None
    embed = _first_map(data.get("embeds"))
    components = data.get("components")
    buttons = _buttons(components) if components else ()
    attachments = _map_list(data.get("attachments"))
    attachment = attachments[0] if attachments else None
    image = attachment
    if image is None and embed is not None:
        image = _map(embed, "image")
    # the fields every kind shares; the kind and its own fields are added once, at the end
    base: dict[str, Any] = {
        "event": name,
        "channel_id": _str(data, "channel_id"),
        "message_id": _str(data, "id"),
        "nonce": _str(data, "nonce"),
        "interaction_id": interaction_id,
        "interaction_name": interaction_name,
        "referenced_message_id": _reference_id(data),
        "job_id": _job_id(attachments, embed, buttons, content),
        "image_url": _str(image, "url") if image else None,
        "image_width": _int(image, "width") if image else None,
        "image_height": _int(image, "height") if image else None,
        "buttons": buttons,
        "flags": _int(data, "flags") or 0,
        "content": content,
        "title": _str(embed, "title") if embed else None,
        "description": _str(embed, "description") if embed else None,
    }
    seed = _SEED_RE.search(content) if _SEED_MARK in content else None
    if seed is not None:
        prompt = _SEED_PROMPT_RE.match(content)
        return _build(
            base,
            kind=MessageKind.SEED,
            job_id=seed["job"].lower(),
            description=seed["seed"],
            prompt=prompt["prompt"] if prompt else None,
        )
    if job is not None and mention is not None:
        return _job_message(base, job["prompt"], job["rest"], mention, attachment is not None)
    if embed is not None:
        return _embed_message(base, embed, error_colors)
    if content.startswith(_MODE_CHANGED_PREFIXES):
        return _build(
            base, kind=MessageKind.MODE_CHANGED, mode=_MODE_BY_COMMAND.get(interaction_name or "")
        )
    if content.startswith(_ERROR_CONTENT_PREFIXES):
        return _build(base, kind=MessageKind.ERROR)
    if not content and (base["flags"] & FLAG_LOADING or interaction_id is not None):
        return _build(base, kind=MessageKind.START)
    return _build(base, kind=MessageKind.NOTICE)


def _from_bot(data: Mapping[str, Any], bot_ids: frozenset[str]) -> bool:
    author = _map(data, "author")
    if author is not None:
        return _str(author, "id") in bot_ids
    # partial updates carry no author; the bot's own messages still name its application
    return _str(data, "application_id") in bot_ids or _str(data, "webhook_id") in bot_ids


def _interaction_facts(
    data: Mapping[str, Any], self_user_id: str | None
) -> tuple[str | None, str | None, bool]:
    """Interaction id and command name (``interaction_metadata`` first, then ``interaction``),
    and whether they name users none of whom is ``self_user_id`` (another user's job)."""
    interaction_id: str | None = None
    interaction_name: str | None = None
    names_us = names_others = False
    for key in _INTERACTION_KEYS:
        holder = _map(data, key)
        if holder is None:
            continue
        if interaction_id is None:
            interaction_id = _str(holder, "id")
        if interaction_name is None:
            interaction_name = _str(holder, "name")
        if self_user_id is not None and not names_us:
            user = _map(holder, "user")
            user_id = _str(user, "id") if user is not None else _str(holder, "user_id")
            if user_id == self_user_id:
                names_us = True
            elif user_id is not None:
                names_others = True
        if names_us and interaction_id is not None and interaction_name is not None:
            break  # nothing left to learn
    return interaction_id, interaction_name, names_others and not names_us


def _foreign(
    others: bool, job: re.Match[str] | None, mention: re.Match[str] | None, self_user_id: str
) -> bool:
    """True when the message is about a job of another user (shared channels): interaction
    users who are not us (``others``), or job content that mentions users but not us."""
    if others:
        return True
    if job is None or mention is None:
        return False
    if mention["user"] == self_user_id:
        return False
    return self_user_id not in {m["user"] for m in _MENTION_RE.finditer(job["rest"])}


def _build(base: dict[str, Any], **kind_fields: Any) -> MjMessage:
    return _message_from(_BLANK, **{**base, **kind_fields})


def _job_message(
    base: dict[str, Any], prompt: str, rest: str, mention: re.Match[str], has_image: bool
) -> MjMessage:
    """``**<prompt>** - <rest>``: the job's wording, status, mode and image decide the kind.

    ``mention`` is the first ``<@user>`` in ``rest``; the status and mode follow it.
    """
    action: TaskAction | None
    index: int | None = None
    if rest.startswith(_IMAGE_N_PREFIX) and (image_n := _IMAGE_N_RE.match(rest)):
        action, index = TaskAction.UPSCALE, int(image_n["index"])
    elif "by" in rest and (wording := _WORDING_BY_RE.match(rest)):
        action = _wording_action(wording["wording"])
    elif base["interaction_name"] == "blend":
        action = TaskAction.BLEND
    else:
        action = TaskAction.IMAGINE
    tail = rest[mention.end() :]
    mode = _MODE_RE.search(tail)
    percent = _PERCENT_RE.search(tail) if "%)" in tail else None
    kind = MessageKind.PROGRESS
    progress = int(percent["pct"]) if percent else None
    if _WAITING in tail:
        kind = MessageKind.START
        if action is TaskAction.IMAGINE and base["interaction_name"] != "imagine":
            # component-triggered jobs (zoom, reroll…) also start with the plain wording
            action = None
    elif percent is not None:
        kind = MessageKind.PROGRESS
    elif _STOPPED in tail:
        kind = MessageKind.ERROR
    elif _PAUSED in tail:
        kind = MessageKind.NOTICE
    elif has_image:
        kind = MessageKind.RESULT
    return _message_from(
        _BLANK,
        **base,
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


def _reference_id(data: Mapping[str, Any]) -> str | None:
    reference = _map(data, "message_reference")
    return _str(reference, "message_id") if reference is not None else None


def _job_id(
    attachments: list[Mapping[str, Any]],
    embed: Mapping[str, Any] | None,
    buttons: Sequence[Button],
    content: str,
) -> str | None:
    """Attachments first (their file names), then button custom ids, then any uuid in the text."""
    for attachment in attachments:
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


def _buttons(components: object) -> tuple[Button, ...]:
    """The leaf components that have a ``custom_id``, as ``Button``s."""
    buttons: list[Button] = []
    for component in _components(components):
        custom_id = component.get("custom_id")
        if type(custom_id) is not str:
            custom_id = _str(component, "custom_id")
        if custom_id:
            buttons.append(_button(component, custom_id))
    return tuple(buttons)


def _button(component: Mapping[str, Any], custom_id: str) -> Button:
    # JSON strings and ints are taken as they are; anything else goes through _str / _int
    label = component.get("label")
    if type(label) is not str:
        label = _str(component, "label") or ""
    emoji = _map(component, "emoji")
    style = component.get("style")
    if type(style) is not int:
        style = _int(component, "style")
    kind = component.get("type")
    if type(kind) is not int:
        kind = _int(component, "type")
    return _button_from(
        _BLANK_BUTTON,
        custom_id=custom_id,
        label=label,
        emoji=(_str(emoji, "name") or "") if emoji is not None else "",
        style=style or BUTTON_STYLE_SECONDARY,
        type=kind or COMPONENT_BUTTON,
    )


def _components(raw: object) -> list[Mapping[str, Any]]:
    """Every leaf component, depth first (action rows and v2 containers are flattened)."""
    leaves: list[Mapping[str, Any]] = []
    for component in _map_list(raw):
        children = component.get("components")
        if isinstance(children, list):
            leaves += _components(children)
        else:
            leaves.append(component)
    return leaves


# --- typed access to raw JSON --------------------------------------------------------------------


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or type(value) is str:  # the usual cases first
        return value
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


def _map_list(raw: object) -> list[Mapping[str, Any]]:
    """The mappings in a JSON list (anything else in it, or a non-list, is ignored)."""
    if not raw or not isinstance(raw, list):
        return []
    return [item for item in raw if type(item) is dict or isinstance(item, Mapping)]


def _first_map(raw: object) -> Mapping[str, Any] | None:
    if not raw or not isinstance(raw, list):
        return None
    for item in raw:
        if type(item) is dict or isinstance(item, Mapping):
            return item
    return None
