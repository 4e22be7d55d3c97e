"""Vary (Region): the iframe modal and the editor's ``POST /inpaint/api/submit-job``."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field

from mjcore.sim.images import image_size
from mjcore.sim.midjourney.actions import JobActions
from mjcore.sim.midjourney.interactions import InteractionRequest, OpenModal
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.state import Json, StoredMessage

IFRAME_EVENT = "INTERACTION_IFRAME_MODAL_CREATE"
IFRAME_PREFIX = "MJ::iframe::"
IFRAME_TOKEN_BYTES = 48
MODAL_SIZE_LARGE = 2


@dataclass(slots=True)
class VaryRegion:
    """The Vary (Region) editors that are open, by iframe token."""

    replies: Replies
    actions: JobActions
    # iframe token -> open editor
    editors: dict[str, OpenModal] = field(default_factory=dict, init=False)

    def open(self, req: InteractionRequest, parent: JobRecord, source: StoredMessage) -> None:
        """Show the region editor for image ``parent`` of ``source``."""
        token = secrets.token_urlsafe(IFRAME_TOKEN_BYTES)
        custom_id = f"{IFRAME_PREFIX}{token}"
        self.editors[token] = OpenModal.opened_by(req, source, "inpaint", custom_id, parent)
        fields = {"iframe_path": f"/inpaint/?custom_id={token}", "modal_size": MODAL_SIZE_LARGE}
        self.replies.show_modal(req, IFRAME_EVENT, custom_id, "Vary Region", fields)

    async def submit(self, token: str, body: Json) -> tuple[int, Json]:
        """``POST /inpaint/api/submit-job`` on the discordsays host: status and JSON body."""
        token = token.removeprefix(IFRAME_PREFIX)
        editor = self.editors.get(token)
        if editor is None or editor.job is None:
            return 404, {"success": False, "error": "unknown job"}
        if image_size(_decoded_mask(body)) is None:
            return 400, {"success": False, "error": "invalid mask"}
        del self.editors[token]
        prompt = str(body.get("prompt") or "").strip()
        self.actions.vary_region(editor.opener, editor.job, prompt)
        return 200, {"success": True}


def _decoded_mask(body: Json) -> bytes:
    """The mask PNG of a submission (a data URL or bare base64); empty when unreadable."""
    mask = str(body.get("mask", ""))
    try:
        return base64.b64decode(mask.split(",")[-1], validate=True)
    except (binascii.Error, ValueError):
        return b""
