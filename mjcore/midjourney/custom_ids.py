"""Midjourney button custom ids: what a button does, whether it opens a modal, which modal.

Known formats (``<uuid>`` is the job id of the message that carries the button)::

    MJ::JOB::<kind>::<index>::<uuid>[::SOLO]   upsample*, variation, low_/high_variation, reroll,
                                               pan_<dir>, animate_*, video_virtual_upscale, ...
    MJ::Outpaint::<50|75>::<index>::<uuid>::SOLO   Zoom Out 2x / 1.5x
    MJ::CustomZoom::[<index>::]<uuid>              Custom Zoom (modal)
    MJ::Inpaint::<index>::<uuid>::SOLO             Vary (Region) (iframe modal)
    MJ::Job::PicReader::<1-4|all>                  describe result -> imagine (modal)
    MJ::Picread::Retry                             describe again
    MJ::Job::PromptAnalyzer::<1-5>                 shorten result -> imagine (modal)
    MJ::BOOKMARK::<uuid>                           favourite
    MJ::CancelJob::ByJobid::<uuid>                 cancel a running job
    MJ::Prompts::Appeal::<token>                   appeal a moderation decision
    MJ::Settings::<name>[::...]                    /settings toggles and selects
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mjcore.models import TaskAction

__all__ = [
    "ButtonAction",
    "classify",
    "description_for",
    "modal_input_id",
    "remix_modal_for",
]

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

_JOB_RE = re.compile(
    rf"^MJ::JOB::(?P<kind>[A-Za-z0-9_]+)::(?P<index>\d+)::(?P<job>{_UUID})(?:::(?P<suffix>\w+))?$"
)
_OUTPAINT_RE = re.compile(
    rf"^MJ::Outpaint::(?P<zoom>\d+)::(?P<index>\d+)::(?P<job>{_UUID})(?:::SOLO)?$"
)
_CUSTOM_ZOOM_RE = re.compile(rf"^MJ::CustomZoom::(?:(?P<index>\d+)::)?(?P<job>{_UUID})$")
_INPAINT_RE = re.compile(rf"^MJ::Inpaint::(?P<index>\d+)::(?P<job>{_UUID})(?:::SOLO)?$")
_PIC_READER_RE = re.compile(r"^MJ::Job::PicReader::(?P<which>\d+|all)$")
_PIC_READ_RETRY = "MJ::Picread::Retry"
_PROMPT_ANALYZER_RE = re.compile(r"^MJ::Job::PromptAnalyzer::(?P<index>\d+)$")
_BOOKMARK_RE = re.compile(rf"^MJ::BOOKMARK::(?P<job>{_UUID})$")
_CANCEL_RE = re.compile(rf"^MJ::CancelJob::ByJobid::(?P<job>{_UUID})$")
_APPEAL_RE = re.compile(r"^MJ::Prompts::Appeal::(?P<token>\S+)$")
_SETTINGS_RE = re.compile(r"^MJ::Settings::(?P<name>\w+)(?:::\S*)?$")
_LINK_RE = re.compile(r"^https?://\S+$")

_VARIATION_KINDS = frozenset({"variation", "low_variation", "high_variation"})
_PAN_PREFIX = "pan_"
_UPSCALE_PREFIX = "upsample"
_REROLL = "reroll"
_HIGH_VARIATION = "high_variation"
_ZOOM_LABELS = {50: "2x", 75: "1.5x"}
_UPSCALE_LABELS = {
    "upsample_max": "Upscale to Max",
    "upsample_v5_2x": "Upscale (2x)",
    "upsample_v5_4x": "Upscale (4x)",
}
_FIXED_LABELS = {
    "high_variation": "Vary (Strong)",
    "low_variation": "Vary (Subtle)",
    "reroll": "Reroll",
    "animate_high": "Animate (High motion)",
    "animate_low": "Animate (Low motion)",
    "animate_high_extend": "Extend (High motion)",
    "animate_low_extend": "Extend (Low motion)",
    "CustomZoom": "Custom Zoom",
    "Inpaint": "Vary (Region)",
    "PicReadRetry": "Describe again",
    "BOOKMARK": "Favourite",
    "CancelJob": "Cancel Job",
    "Appeal": "Appeal",
    "link": "Open link",
}

# modal custom id prefix -> the custom id of its text input
_MODAL_INPUTS = (
    ("MJ::RemixModal::", "MJ::RemixModal::new_prompt"),
    ("MJ::PanModal::", "MJ::PanModal::prompt"),
    ("MJ::ImagineModal::", "MJ::ImagineModal::new_prompt"),
    ("MJ::OutpaintCustomZoomModal::", "MJ::OutpaintCustomZoomModal::prompt"),
    ("MJ::Picreader::Modal::", "MJ::Picreader::Modal::PromptField"),
    ("MJ::OutpaintModal::", "MJ::OutpaintModal::new_prompt"),
    ("MJ::AnimateModal::", "MJ::AnimateModal::prompt"),
)


@dataclass(frozen=True, slots=True)
class ButtonAction:
    """What pressing one button does.

    ``kind`` is the custom id's own word (``upsample``, ``upsample_v7_2x_subtle``, ``Outpaint``,
    ``CustomZoom``, ``pan_left``, ``PicReader``, ``BOOKMARK``, ...). ``value`` carries the extra
    part some formats have: the Outpaint zoom (``"50"``), the appeal token, the settings name.
    """

    custom_id: str
    action: TaskAction
    kind: str
    index: int | None = None
    job_id: str | None = None
    needs_modal: bool = False  # always opens a modal (or the Vary (Region) iframe)
    modal_if_remix: bool = False  # opens a modal when the account has Remix mode on
    supported: bool = True  # False: pressing it produces no task (favourite, "Imagine all", links)
    value: str | None = None

    @property
    def description(self) -> str:
        """A short human name for the button ("Upscale 1", "Vary (Strong)", "Pan Left")."""
        return _describe(self)


def classify(custom_id: str) -> ButtonAction:
    """Classify a button custom id; ``ValueError`` for a format Midjourney is not known to use."""
    if m := _JOB_RE.match(custom_id):
        return _job_button(custom_id, m)
    if m := _OUTPAINT_RE.match(custom_id):
        return ButtonAction(
            custom_id,
            TaskAction.ZOOM,
            "Outpaint",
            index=int(m["index"]),
            job_id=m["job"].lower(),
            value=m["zoom"],
        )
    if m := _CUSTOM_ZOOM_RE.match(custom_id):
        index = int(m["index"]) if m["index"] else None
        return ButtonAction(
            custom_id,
            TaskAction.ZOOM,
            "CustomZoom",
            index=index,
            job_id=m["job"].lower(),
            needs_modal=True,
        )
    if m := _INPAINT_RE.match(custom_id):
        return ButtonAction(
            custom_id,
            TaskAction.INPAINT,
            "Inpaint",
            index=int(m["index"]),
            job_id=m["job"].lower(),
            needs_modal=True,
        )
    if m := _PIC_READER_RE.match(custom_id):
        if m["which"] == "all":
            return ButtonAction(custom_id, TaskAction.IMAGINE, "PicReader", supported=False)
        return ButtonAction(
            custom_id, TaskAction.IMAGINE, "PicReader", index=int(m["which"]), needs_modal=True
        )
    if custom_id == _PIC_READ_RETRY:
        return ButtonAction(custom_id, TaskAction.ACTION, "PicReadRetry")
    if m := _PROMPT_ANALYZER_RE.match(custom_id):
        return ButtonAction(
            custom_id,
            TaskAction.IMAGINE,
            "PromptAnalyzer",
            index=int(m["index"]),
            needs_modal=True,
        )
    if m := _BOOKMARK_RE.match(custom_id):
        return ButtonAction(
            custom_id, TaskAction.ACTION, "BOOKMARK", job_id=m["job"].lower(), supported=False
        )
    if m := _CANCEL_RE.match(custom_id):
        return ButtonAction(custom_id, TaskAction.ACTION, "CancelJob", job_id=m["job"].lower())
    if m := _APPEAL_RE.match(custom_id):
        return ButtonAction(custom_id, TaskAction.ACTION, "Appeal", value=m["token"])
    if m := _SETTINGS_RE.match(custom_id):
        return ButtonAction(custom_id, TaskAction.ACTION, "Settings", value=m["name"])
    if _LINK_RE.match(custom_id):
        return ButtonAction(custom_id, TaskAction.ACTION, "link", supported=False)
    raise ValueError(f"unknown Midjourney custom id: {custom_id!r}")


def description_for(custom_id: str) -> str:
    """A short human name for the button with ``custom_id`` (``ValueError`` when unknown)."""
    return classify(custom_id).description


def remix_modal_for(
    button: ButtonAction, *, message_id: str | None = None, high_variability: bool = True
) -> tuple[str, str]:
    """``(modal custom id, text input custom id)`` of the modal ``button`` opens.

    ``message_id`` is the message carrying the button (reroll and shorten modals are named after
    it). ``high_variability`` decides between strong and subtle for plain V1–V4 presses (the
    account's /settings choice). Raises ``ValueError`` for buttons that open no type-5 modal
    (Vary (Region) opens an iframe instead).
    """
    kind = button.kind
    if kind in _VARIATION_KINDS and button.job_id is not None:
        strong = kind == _HIGH_VARIATION or (kind == "variation" and high_variability)
        modal = f"MJ::RemixModal::{button.job_id}::{button.index}::{int(strong)}"
        return modal, modal_input_id(modal)
    if kind.startswith(_PAN_PREFIX) and button.job_id is not None:
        direction = kind.removeprefix(_PAN_PREFIX)
        modal = f"MJ::PanModal::{direction}::{button.job_id}::{button.index}"
        return modal, modal_input_id(modal)
    if kind == "CustomZoom" and button.job_id is not None:
        modal = f"MJ::OutpaintCustomZoomModal::{button.job_id}"
        return modal, modal_input_id(modal)
    if kind == "PicReader" and button.index is not None:
        modal = f"MJ::Picreader::Modal::{button.index}"
        return modal, modal_input_id(modal)
    if kind in (_REROLL, "PromptAnalyzer"):
        if message_id is None:
            raise ValueError(f"the {kind} modal is named after its message: message_id needed")
        modal = f"MJ::ImagineModal::{message_id}"
        return modal, modal_input_id(modal)
    raise ValueError(f"{button.custom_id!r} opens no modal")


def modal_input_id(modal_custom_id: str) -> str:
    """The custom id of the prompt text input inside the modal ``modal_custom_id``."""
    for prefix, input_id in _MODAL_INPUTS:
        if modal_custom_id.startswith(prefix):
            return input_id
    raise ValueError(f"unknown Midjourney modal: {modal_custom_id!r}")


def _job_button(custom_id: str, m: re.Match[str]) -> ButtonAction:
    kind = m["kind"]
    index: int | None = int(m["index"])
    job_id = m["job"].lower()
    if kind.startswith(_UPSCALE_PREFIX):
        return ButtonAction(custom_id, TaskAction.UPSCALE, kind, index=index, job_id=job_id)
    if kind == _REROLL:
        index = None  # reroll always names image 0: the whole grid
        action = TaskAction.REROLL
    elif kind in _VARIATION_KINDS:
        action = TaskAction.VARIATION
    elif kind.startswith(_PAN_PREFIX):
        action = TaskAction.PAN
    else:
        return ButtonAction(custom_id, TaskAction.ACTION, kind, index=index, job_id=job_id)
    return ButtonAction(custom_id, action, kind, index=index, job_id=job_id, modal_if_remix=True)


def _describe(button: ButtonAction) -> str:
    kind = button.kind
    if kind == "upsample":
        return f"Upscale {button.index}"
    if kind in _UPSCALE_LABELS:
        return _UPSCALE_LABELS[kind]
    if kind.startswith(_UPSCALE_PREFIX):
        for variant in ("subtle", "creative"):
            if kind.endswith(f"_{variant}"):
                return f"Upscale ({variant.capitalize()})"
        return "Upscale"
    if kind == "variation":
        return f"Variation {button.index}"
    if kind.startswith(_PAN_PREFIX):
        return f"Pan {kind.removeprefix(_PAN_PREFIX).capitalize()}"
    if kind == "Outpaint":
        zoom = int(button.value or 0)
        return f"Zoom Out {_ZOOM_LABELS.get(zoom, f'({zoom}%)')}"
    if kind == "PicReader":
        return "Imagine all" if button.index is None else f"Imagine prompt {button.index}"
    if kind == "PromptAnalyzer":
        return f"Imagine shortened prompt {button.index}"
    if kind == "Settings":
        return f"Settings: {button.value}"
    if kind == "video_virtual_upscale":
        return f"Upscale video {button.index}"
    if kind in _FIXED_LABELS:
        return _FIXED_LABELS[kind]
    words = kind.replace("_", " ").strip().capitalize()
    return words if button.index is None else f"{words} {button.index}"
