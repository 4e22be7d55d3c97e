"""Pure renderers of every message text and caption (HTML parse mode).

Nothing here talks to Telegram or the engine: data in, translated text out. User-supplied text
is always escaped; prompts are shortened so a caption stays within Telegram's 1024 characters.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.telegram.i18n import N_, _, ngettext
from bot.telegram.users import UserProfile
from mjcore.errors import (
    BannedPromptError,
    MjError,
    NoAccountError,
    QueueFullError,
    TaskNotFoundError,
    TaskStateError,
    ValidationError,
)
from mjcore.midjourney.custom_ids import classify
from mjcore.models import SubmitCode, SubmitResult, Task, TaskAction, TaskStatus

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
PROMPT_PREVIEW = 300  # characters of each prompt shown in a caption
QUEUE_PROMPT_PREVIEW = 50
HISTORY_PROMPT_PREVIEW = 60
ELLIPSIS = "…"
_TAG_RE = re.compile(r"<[^>]+>")
_IMAGINE_KINDS = frozenset({"PicReader", "PromptAnalyzer"})
_NUMBERED_KINDS = frozenset({"upsample", "variation"})

# Button names Midjourney uses, translated when shown (``classify(...).description``).
BUTTON_NAMES = (
    N_("Vary (Strong)"),
    N_("Vary (Subtle)"),
    N_("Vary (Region)"),
    N_("Zoom Out 2x"),
    N_("Zoom Out 1.5x"),
    N_("Custom Zoom"),
    N_("Upscale (Subtle)"),
    N_("Upscale (Creative)"),
    N_("Upscale (2x)"),
    N_("Upscale (4x)"),
    N_("Upscale to Max"),
    N_("Describe again"),
    N_("Make Square"),
    N_("Reroll"),
    N_("Pan Left"),
    N_("Pan Right"),
    N_("Pan Up"),
    N_("Pan Down"),
    N_("Cancel Job"),
    N_("Imagine all"),
)
ACTION_NAMES: Mapping[TaskAction, str] = {
    TaskAction.IMAGINE: N_("Imagine"),
    TaskAction.UPSCALE: N_("Upscale"),
    TaskAction.VARIATION: N_("Variation"),
    TaskAction.REROLL: N_("Reroll"),
    TaskAction.ZOOM: N_("Zoom"),
    TaskAction.PAN: N_("Pan"),
    TaskAction.INPAINT: N_("Vary (Region)"),
    TaskAction.DESCRIBE: N_("Describe"),
    TaskAction.BLEND: N_("Blend"),
    TaskAction.SHORTEN: N_("Shorten"),
    TaskAction.SHOW: N_("Show"),
    TaskAction.ACTION: N_("Action"),
}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def shorten(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


# ----------------------------------------------------------------- job messages
def job_title(task: Task) -> str:
    """What the job is: "Upscale 1", "Zoom Out 2x", "Describe" (translated)."""
    button = None
    if task.custom_id:
        with contextlib.suppress(ValueError):
            button = classify(task.custom_id)
    if button is not None and button.kind not in _IMAGINE_KINDS:
        name = button.description
        if name in BUTTON_NAMES:
            return _(name)
        if button.kind in _NUMBERED_KINDS and button.index is not None:
            return f"{_(ACTION_NAMES[task.action])} {button.index}"
        return name
    return _(ACTION_NAMES.get(task.action, N_("Imagine")))


def prompt_block(task: Task, limit: int = PROMPT_PREVIEW) -> str:
    """The prompt as the user wrote it and, when translated, the English prompt Midjourney got."""
    lines = []
    if task.prompt:
        lines.append("📝 " + esc(shorten(task.prompt, limit)))
    if task.prompt_en and task.prompt_en != task.prompt:
        lines.append("🇬🇧 <code>" + esc(shorten(task.prompt_en, limit)) + "</code>")
    return "\n".join(lines)


def _with_prompt(head: str, task: Task) -> str:
    block = prompt_block(task)
    return f"{head}\n{block}" if block else head


def queued(task: Task, position: int) -> str:
    return _with_prompt(
        _("⏳ Queued #{position} · {title}").format(position=position, title=job_title(task)),
        task,
    )


def in_progress(task: Task, position: int | None) -> str:
    """Text or caption for a job that is not finished yet."""
    if task.status is TaskStatus.NOT_START:
        return queued(task, position or 1)
    if task.status is TaskStatus.MODAL:
        head = _("✍️ Waiting for your text · {title}").format(title=job_title(task))
    elif task.status is TaskStatus.SUBMITTED:
        head = _("📨 Sent to Midjourney · {title}").format(title=job_title(task))
    else:
        progress = task.progress or "0%"
        head = _("🎨 {progress} · {title}").format(progress=esc(progress), title=job_title(task))
    return _with_prompt(head, task)


def final_caption(task: Task) -> str:
    head = _("✅ {title}").format(title=job_title(task))
    return shorten_html(_with_prompt(head, task), CAPTION_LIMIT)


def prompts_result(task: Task, prompts: Sequence[str]) -> str:
    """A describe or shorten result: the numbered prompts to pick from."""
    head = _with_prompt(_("✅ {title}").format(title=job_title(task)), task)
    body = "\n\n".join(f"<b>{n}.</b> {esc(p)}" for n, p in enumerate(prompts, start=1))
    if not body and task.final_prompt:
        body = esc(task.final_prompt)
    pick = _("Tap a number to imagine that prompt.") if prompts else ""
    text = f"{head}\n\n{body}\n\n{pick}".strip()
    return shorten_html(text, TEXT_LIMIT)


def failure(task: Task) -> str:
    if task.status is TaskStatus.CANCEL:
        head = _("🚫 Cancelled · {title}").format(title=job_title(task))
    else:
        head = _("⚠️ {title} failed: {reason}").format(
            title=job_title(task), reason=failure_reason(task.fail_reason or "")
        )
    return shorten_html(_with_prompt(head, task), CAPTION_LIMIT)


def failure_reason(reason: str) -> str:
    """A readable explanation of Midjourney's (or the engine's) failure reason."""
    lowered = reason.lower()
    if "banned" in lowered or "community guidelines" in lowered or "moderat" in lowered:
        return _("Midjourney refused this prompt (content rules).")
    if "timeout" in lowered or "timed out" in lowered or "took too long" in lowered:
        return _("Midjourney took too long to answer.")
    if "queue" in lowered and "full" in lowered:
        return _("Midjourney's queue is full, try again later.")
    if "account" in lowered:
        return _("the Midjourney account is not available right now.")
    if not reason:
        return _("unknown error.")
    return esc(shorten(reason, PROMPT_PREVIEW))


def shorten_html(text: str, limit: int) -> str:
    """Cut an HTML text to ``limit`` visible characters at a line boundary (tags kept whole)."""
    if _visible_length(text) <= limit:
        return text
    lines = text.split("\n")
    while len(lines) > 1 and _visible_length("\n".join(lines)) > limit - 1:
        lines.pop()
    return "\n".join(lines) + ELLIPSIS


def _visible_length(text: str) -> int:
    return len(html.unescape(_TAG_RE.sub("", text)))


# ----------------------------------------------------------------- refusals
def submit_refused(result: SubmitResult) -> str:
    """Why the engine did not take the job (a non-success submit code)."""
    if result.code is SubmitCode.QUEUE_REJECTED:
        return _("⏳ The queue is full right now. Please try again in a few minutes.")
    if result.code is SubmitCode.BANNED_PROMPT:
        word = str(dict(result.properties).get("bannedWord", ""))
        return _("🚫 The prompt contains a banned word: {word}").format(word=esc(word))
    return _("⚠️ Could not start the job: {reason}").format(reason=esc(result.description))


def error_text(exc: MjError) -> str:
    """A readable message for an engine error raised while submitting."""
    if isinstance(exc, BannedPromptError):
        return _("🚫 The prompt contains a banned word: {word}").format(word=esc(exc.banned_word))
    if isinstance(exc, QueueFullError):
        return _("⏳ The queue is full right now. Please try again in a few minutes.")
    if isinstance(exc, NoAccountError):
        return _("😴 No Midjourney account is available right now. Please try again later.")
    if isinstance(exc, TaskNotFoundError):
        return _("🔍 That job is no longer known.")
    if isinstance(exc, TaskStateError):
        return _("⌛ That job cannot do this now.")
    if isinstance(exc, ValidationError):
        return _("⚠️ {reason}").format(reason=esc(exc.message))
    return _("⚠️ Something went wrong: {reason}").format(reason=esc(exc.message))


def quota_exhausted(quota: int) -> str:
    return ngettext(
        "📉 You have used your {quota} job for today. It renews at midnight UTC.",
        "📉 You have used all {quota} jobs for today. They renew at midnight UTC.",
        quota,
    ).format(quota=quota)


def banned() -> str:
    return _("🚫 You are not allowed to use this bot.")


def not_owner() -> str:
    return _("Only the person who asked for this image can use its buttons. Send your own prompt!")


def admin_only() -> str:
    return _("⛔ This command is for bot admins only.")


def button_expired() -> str:
    return _("This button has expired. Please start a new job.")


def working() -> str:
    return _("On it…")


def empty_prompt() -> str:
    return _("✏️ Please add a prompt, e.g. <code>/imagine a red fox in the snow --ar 16:9</code>")


def original_unavailable() -> str:
    return _("The original file is not available.")


def original_too_big() -> str:
    return _("The original file is too large for Telegram.")


def blend_needs_album() -> str:
    return _("🧩 Send 2 to 5 photos as one album with the caption /blend.")


def describe_needs_photo() -> str:
    return _("🖼 Send a photo with the caption /describe, or reply /describe to a photo.")


def image_download_failed() -> str:
    return _("⚠️ Could not download your photo from Telegram. Please send it again.")


# ----------------------------------------------------------------- input prompts
def ask_modal_text(kind: str, suggestion: str, mention: str) -> str:
    """ForceReply prompt for an action that needs text."""
    if kind == "CustomZoom":
        head = _(
            "🔍 {user}, reply with the prompt for Custom Zoom. "
            "It must contain --zoom with a value from 1 to 2."
        )
    elif kind == "Inpaint":
        head = _("🖌 {user}, reply with what to paint in the chosen area.")
    else:
        head = _("✏️ {user}, Remix is on: reply with the new prompt.")
    text = head.format(user=mention)
    if suggestion:
        text += "\n\n<code>" + esc(shorten(suggestion, 3000)) + "</code>"
    return text


def ask_region() -> str:
    return _("🖌 Which part of the image should be repainted?")


def input_placeholder(kind: str) -> str:
    if kind == "CustomZoom":
        return _("prompt --zoom 1.5")
    return _("new prompt")


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{esc(name or str(user_id))}</a>'


REGION_NAMES: Mapping[str, str] = {
    "center": N_("Center"),
    "left": N_("Left half"),
    "right": N_("Right half"),
    "top": N_("Top half"),
    "bottom": N_("Bottom half"),
}


# ----------------------------------------------------------------- commands
def start(name: str) -> str:
    return _(
        "👋 Hi {name}! I draw pictures with Midjourney.\n\n"
        "Send me a prompt, for example <code>a lighthouse at dusk, oil painting --ar 3:2</code>.\n"
        "Chinese prompts are translated for you. /help shows everything I can do."
    ).format(name=esc(name))


def help_text(*, admin: bool) -> str:
    text = _(
        "<b>How to use me</b>\n"
        "• Send a prompt in a private chat, or <code>/imagine prompt</code> anywhere.\n"
        "• In groups use <code>/imagine@bot prompt</code> or reply to my messages.\n"
        "• Photo with a text caption: the photo is an image prompt.\n"
        "• Photo with the caption /describe: four prompts that describe it.\n"
        "• Album of 2–5 photos with the caption /blend: a blend of them.\n"
        "• Buttons under a result: upscale, vary, zoom, pan and more.\n\n"
        "/settings: aspect ratio, version, speed, style, language\n"
        "/history: your recent jobs\n"
        "/balance: your daily quota"
    )
    if admin:
        text += "\n\n" + _(
            "<b>Admin</b>\n"
            "/stats · /accounts · /queue\n"
            "/ban id · /unban id\n"
            "/quota id|default n\n"
            "/mode fast|relax|turbo|off\n"
            "/broadcast text"
        )
    return text


def balance(used: int, quota: int, *, unlimited: bool) -> str:
    if unlimited:
        return _("♾ You have no daily limit. Jobs today: {used}.").format(used=used)
    left = max(0, quota - used)
    return ngettext(
        "🎟 {left} job left today (used {used} of {quota}).",
        "🎟 {left} jobs left today (used {used} of {quota}).",
        left,
    ).format(left=left, used=used, quota=quota)


@dataclass(frozen=True, slots=True)
class SettingChoice:
    """One option of a setting: the stored value and how it is shown."""

    value: str
    label: str


def setting_value_label(key: str, value: str) -> str:
    if key == "document":
        return _("document") if value == "1" else _("photo")
    if key == "language":
        return {"en": "English", "zh_CN": "简体中文"}.get(value, _("automatic"))
    return value or _("default")


SETTING_NAMES: Mapping[str, str] = {
    "aspect": N_("Aspect ratio"),
    "version": N_("Version"),
    "speed": N_("Speed"),
    "stylize": N_("Stylize"),
    "document": N_("Send as"),
    "language": N_("Language"),
}


def settings(profile: UserProfile) -> str:
    values = {
        "aspect": profile.aspect,
        "version": profile.version,
        "speed": profile.speed,
        "stylize": profile.stylize,
        "document": "1" if profile.send_as_document else "",
        "language": profile.language,
    }
    lines = [_("⚙️ <b>Your settings</b>")]
    for key, name in SETTING_NAMES.items():
        lines.append(f"{_(name)}: <b>{esc(setting_value_label(key, values[key]))}</b>")
    lines.append("")
    lines.append(_("They are added to your prompts unless the prompt sets them itself."))
    return "\n".join(lines)


def setting_prompt(key: str) -> str:
    return _("Choose the {name}:").format(name=_(SETTING_NAMES[key]).lower())


def history(tasks: Sequence[Task]) -> str:
    if not tasks:
        return _("🗂 No jobs yet. Send a prompt to start!")
    lines = [_("🗂 <b>Your recent jobs</b>")]
    for number, task in enumerate(tasks, start=1):
        mark = {TaskStatus.SUCCESS: "✅", TaskStatus.FAILURE: "⚠️", TaskStatus.CANCEL: "🚫"}.get(
            task.status, "⏳"
        )
        what = shorten(task.prompt or task.prompt_en or "", HISTORY_PROMPT_PREVIEW) or job_title(
            task
        )
        lines.append(f"{number}. {mark} {job_title(task)}: {esc(what)}")
    return "\n".join(lines)


def history_gone() -> str:
    return _("That job is no longer in the history.")


def history_no_image() -> str:
    return _("That job has no image to show.")


# ----------------------------------------------------------------- admin
def stats(counts: Mapping[str, int], *, users: int, jobs_today: int) -> str:
    lines = [_("📊 <b>Statistics</b>")]
    lines.append(_("Users: {n}").format(n=users))
    lines.append(_("Jobs charged today: {n}").format(n=jobs_today))
    for status, count in counts.items():
        lines.append(f"{esc(status)}: {count}")
    return "\n".join(lines)


def accounts(health: Mapping[str, Any]) -> str:
    entries = health.get("accounts", [])
    if not entries:
        return _("No accounts are configured.")
    lines = [_("🛰 <b>Accounts</b>")]
    for entry in entries:
        reason = f" ({esc(str(entry['reason']))})" if entry.get("reason") else ""
        lines.append(
            _("{name}: {state}{reason} · running {running}/{core} · queued {queued}/{size}").format(
                name=esc(str(entry.get("name") or entry.get("id"))),
                state=esc(str(entry.get("state"))),
                reason=reason,
                running=entry.get("running", 0),
                core=entry.get("coreSize", 0),
                queued=entry.get("queued", 0),
                size=entry.get("queueSize", 0),
            )
        )
    return "\n".join(lines)


def queue(tasks: Sequence[tuple[Task, int | None]]) -> str:
    if not tasks:
        return _("📭 Nothing is waiting or running.")
    lines = [_("📬 <b>Unfinished jobs</b>")]
    for task, position in tasks:
        where = f"#{position}" if position is not None else esc(task.status.value)
        prompt = esc(shorten(task.prompt, QUEUE_PROMPT_PREVIEW))
        lines.append(f"{esc(task.id)} · {where} · {job_title(task)}: {prompt}")
    return "\n".join(lines)


def usage(command: str) -> str:
    return _("Usage: {command}").format(command=esc(command))


def user_banned(user_id: int) -> str:
    return _("🚫 User {id} is banned.").format(id=user_id)


def user_unbanned(user_id: int) -> str:
    return _("✅ User {id} is no longer banned.").format(id=user_id)


def quota_set(target: str, quota: int) -> str:
    return _("🎟 Daily quota of {target} is now {quota}.").format(target=esc(target), quota=quota)


def mode_set(mode: str) -> str:
    return _("⚡ Jobs now run in {mode} mode unless a user chose otherwise.").format(mode=esc(mode))


def broadcast_done(sent: int, failed: int) -> str:
    return _("📣 Broadcast sent to {sent} users ({failed} failed).").format(
        sent=sent, failed=failed
    )
