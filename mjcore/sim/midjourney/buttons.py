"""Button presses on the bot's messages, routed by custom id.

Buttons of a job's result (U, V, 🔄, upscales, zoom, pan, Vary Region) are acknowledged and
ignored when the message belongs to no known job. With remix mode on, V, 🔄 and pan open a
prompt modal first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mjcore.sim.config import SimConfig
from mjcore.sim.midjourney.account_commands import SETTINGS_PREFIX, AccountCommands
from mjcore.sim.midjourney.actions import JobActions
from mjcore.sim.midjourney.inpaint import VaryRegion
from mjcore.sim.midjourney.interactions import InteractionRequest
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.modals import Modals
from mjcore.sim.midjourney.outcomes import Appeals
from mjcore.sim.midjourney.prompt_commands import PromptCommands
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.runner import JobRunner

JobButton = Callable[[InteractionRequest, JobRecord], None]


@dataclass(frozen=True, slots=True)
class Buttons:
    """Routes a button press to the handler its custom id names."""

    config: SimConfig
    replies: Replies
    ledger: JobLedger
    runner: JobRunner
    actions: JobActions
    modals: Modals
    vary_region: VaryRegion
    appeals: Appeals
    prompts: PromptCommands
    account: AccountCommands

    def press(self, req: InteractionRequest) -> None:
        assert req.message is not None
        custom_id = str(req.data.get("custom_id", ""))
        parts = custom_id.split("::")
        job_button = self._job_button(custom_id, parts)
        if job_button is not None:
            parent = self.ledger.for_message(req.message)
            if parent is None:
                self.replies.ack(req)
            else:
                job_button(req, parent)
        elif custom_id.startswith("MJ::Prompts::Appeal::"):
            self._appeal(req, parts[3])
        elif custom_id.startswith("MJ::CancelJob::ByJobid::"):
            self.replies.ack(req)
            self.runner.cancel(req.user.user_id, parts[3])
        elif custom_id.startswith("MJ::Job::PicReader::"):
            self._picreader(req, parts[3])
        elif custom_id.startswith("MJ::Job::PromptAnalyzer::"):
            prompts = self.prompts.shortened.get(req.message.message_id, [])
            self.modals.open_prompt_analyzer(req, prompts, int(parts[3]))
        elif custom_id.startswith(SETTINGS_PREFIX):
            self.account.toggle_setting(req, custom_id)
        else:
            # 🔄 under /describe, bookmarks, acknowledgements and the rest: just acknowledged
            self.replies.ack(req)

    def _job_button(self, custom_id: str, parts: list[str]) -> JobButton | None:
        """The handler of a button on a job's result, or None for other buttons."""
        if custom_id.startswith("MJ::JOB::upsample::"):
            index = int(parts[3])
            return lambda req, parent: self.actions.upscale(req, parent, index, custom_id)
        if custom_id.startswith("MJ::JOB::variation::"):
            index = int(parts[3])
            return self._variation(index, strong=self.config.high_variability, mark=custom_id)
        if custom_id.startswith(("MJ::JOB::high_variation::", "MJ::JOB::low_variation::")):
            strong = parts[2] == "high_variation"
            return self._variation(1, strong=strong, mark=None)
        if custom_id.startswith("MJ::JOB::reroll::"):
            return self._remixable(
                self.modals.open_reroll,
                lambda req, parent: self.actions.reroll(req, parent, None),
            )
        if custom_id.startswith("MJ::JOB::upsample_"):
            return lambda req, parent: self.actions.upscale_hd(req, parent, parts[2])
        if custom_id.startswith("MJ::Outpaint::"):
            return self.actions.zoom
        if custom_id.startswith("MJ::CustomZoom::"):
            return self.modals.open_custom_zoom
        if custom_id.startswith("MJ::JOB::pan_"):
            direction = parts[2].removeprefix("pan_")
            return self._remixable(
                lambda req, parent: self.modals.open_pan(req, parent, direction),
                lambda req, parent: self.actions.pan(req, parent, direction, None),
            )
        if custom_id.startswith("MJ::Inpaint::"):
            return self._vary_region
        return None

    def _variation(self, index: int, *, strong: bool, mark: str | None) -> JobButton:
        """V1-V4 and Vary (Subtle/Strong); ``mark`` is the button to mark used."""
        return self._remixable(
            lambda req, parent: self.modals.open_remix(req, parent, index, strong=strong),
            lambda req, parent: self.actions.vary(req, parent, index, strong=strong, mark=mark),
        )

    @staticmethod
    def _remixable(open_modal: JobButton, start_job: JobButton) -> JobButton:
        """With remix mode on, ask for a new prompt first; else start the job at once."""

        def press(req: InteractionRequest, parent: JobRecord) -> None:
            handler = open_modal if req.user.remix else start_job
            handler(req, parent)

        return press

    def _vary_region(self, req: InteractionRequest, parent: JobRecord) -> None:
        assert req.message is not None
        self.vary_region.open(req, parent, req.message)

    def _appeal(self, req: InteractionRequest, token: str) -> None:
        held = self.appeals.take(token)
        if held is None:
            self.replies.ack(req)
        else:
            self.actions.appealed(req, held)

    def _picreader(self, req: InteractionRequest, which: str) -> None:
        """1️⃣-4️⃣ under /describe open a prompt modal; "Imagine all" runs all four."""
        assert req.message is not None
        prompts = self.prompts.described.get(req.message.message_id, [])
        if which != "all":
            self.modals.open_picreader(req, prompts, int(which))
            return
        self.replies.ack(req)
        for prompt in prompts:
            self.actions.imagine(req, prompt, nonce_on_start=False)
