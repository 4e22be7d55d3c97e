"""Modals: remix, reroll, pan and custom zoom prompts, /describe and /shorten picks, and
their submissions."""

from __future__ import annotations

from dataclasses import dataclass, field

from mjcore.sim import components as ui
from mjcore.sim.midjourney.actions import JobActions
from mjcore.sim.midjourney.interactions import (
    InteractionRequest,
    OpenModal,
    source_message,
    submitted_prompt,
)
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.midjourney.replies import Replies

MODAL_EVENT = "INTERACTION_MODAL_CREATE"
ZOOM_PARAMETER = "--zoom"
CUSTOM_ZOOM_PREFILL = "--zoom 2"


def pick(prompts: list[str], index: int) -> str:
    """The 1-based ``index``-th prompt, or "" when there is none."""
    return prompts[index - 1] if 0 < index <= len(prompts) else ""


@dataclass(slots=True)
class Modals:
    """Opens prompt modals and routes their answers to ``JobActions``."""

    replies: Replies
    actions: JobActions
    # opening interaction id -> modal
    waiting: dict[str, OpenModal] = field(default_factory=dict, init=False)

    # --- opening ---------------------------------------------------------------------------
    def open_remix(
        self, req: InteractionRequest, parent: JobRecord, index: int, *, strong: bool
    ) -> None:
        custom_id = f"MJ::RemixModal::{parent.job_id}::{index}::{1 if strong else 0}"
        self._open(
            req,
            "remix",
            custom_id,
            "Remix Prompt",
            "MJ::RemixModal::new_prompt",
            "New prompt for image",
            parent,
            index=index,
            extra="1" if strong else "0",
        )

    def open_reroll(self, req: InteractionRequest, parent: JobRecord) -> None:
        assert req.message is not None
        custom_id = f"MJ::ImagineModal::{req.message.message_id}"
        self._open(
            req, "reroll", custom_id, "Imagine", "MJ::ImagineModal::new_prompt", "Prompt", parent
        )

    def open_pan(self, req: InteractionRequest, parent: JobRecord, direction: str) -> None:
        custom_id = f"MJ::PanModal::{direction}::{parent.job_id}::1"
        self._open(
            req, "pan", custom_id, "Pan", "MJ::PanModal::prompt", "Prompt", parent, extra=direction
        )

    def open_custom_zoom(self, req: InteractionRequest, parent: JobRecord) -> None:
        self._open(
            req,
            "zoom",
            f"MJ::OutpaintCustomZoomModal::{parent.job_id}",
            "Zoom Out",
            "MJ::OutpaintCustomZoomModal::prompt",
            "Zoom Prompt",
            parent,
            value=f"{parent.final_prompt} {CUSTOM_ZOOM_PREFILL}",
        )

    def open_picreader(self, req: InteractionRequest, prompts: list[str], index: int) -> None:
        """1️⃣-4️⃣ under /describe: the chosen prompt, editable before it runs."""
        self._open(
            req,
            "picreader",
            f"MJ::Picreader::Modal::{index}",
            "Imagine This!",
            "MJ::Picreader::Modal::PromptField",
            "Prompt",
            None,
            index=index,
            value=pick(prompts, index),
        )

    def open_prompt_analyzer(self, req: InteractionRequest, prompts: list[str], index: int) -> None:
        """1️⃣-5️⃣ under /shorten: the chosen prompt, editable before it runs."""
        assert req.message is not None
        self._open(
            req,
            "imagine",
            f"MJ::ImagineModal::{req.message.message_id}",
            "Imagine This!",
            "MJ::ImagineModal::new_prompt",
            "Prompt",
            None,
            index=index,
            value=pick(prompts, index),
        )

    def _open(
        self,
        req: InteractionRequest,
        kind: str,
        custom_id: str,
        title: str,
        field_id: str,
        field_label: str,
        parent: JobRecord | None,
        *,
        index: int = 1,
        extra: str = "",
        value: str | None = None,
    ) -> None:
        source = source_message(req)
        assert source is not None
        self.waiting[req.interaction_id] = OpenModal.opened_by(
            req, source, kind, custom_id, parent, index=index, extra=extra
        )
        prefill = value if value is not None else (parent.final_prompt if parent else "")
        fields = {"components": [ui.text_input_row(field_id, field_label, prefill)]}
        self.replies.show_modal(req, MODAL_EVENT, custom_id, title, fields)

    # --- submitting ------------------------------------------------------------------------
    def submit(self, req: InteractionRequest) -> None:
        modal = req.modal
        assert modal is not None
        self.waiting.pop(modal.interaction_id, None)
        prompt = submitted_prompt(req)
        parent = modal.job
        if modal.kind == "zoom":
            if ZOOM_PARAMETER not in prompt:
                description = "Custom zoom requires a `--zoom` value between 1 and 2."
                self.replies.error(req, "Invalid parameter", description, None)
            elif parent is None:
                self.replies.ack(req)
            else:
                self.actions.zoom(req, parent, prompt)
        elif modal.kind == "remix" and parent is not None:
            self.actions.remix(req, parent, modal.index, prompt, strong=modal.extra == "1")
        elif modal.kind == "reroll" and parent is not None:
            self.actions.reroll(req, parent, prompt)
        elif modal.kind == "pan":
            if parent is None:
                self.replies.ack(req)
            else:
                self.actions.pan(req, parent, modal.extra, prompt)
        else:  # picreader / imagine (shorten): a fresh imagine
            self.actions.imagine(req, prompt, nonce_on_start=True)
