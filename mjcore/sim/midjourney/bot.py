"""The simulated Midjourney bot: jobs, their message scripts and their outcomes.

Lifecycle of ``/imagine`` (protocol §4.1): INTERACTION_CREATE (sent by the REST layer), then
MESSAGE_CREATE "**<P>** - <@U> (Waiting to start)" (type 20, our nonce, ``interaction`` and
``interaction_metadata``), INTERACTION_SUCCESS (order is a knob), MESSAGE_UPDATEs "(N%) (fast)"
with ``<uuid>_grid_0.webp`` previews, the final grid as a new MESSAGE_CREATE (type 0, no nonce),
then MESSAGE_DELETE of the progress message. Button jobs reply (type 19) to the message that
carried the button. Outcomes other than a result are described in ``outcomes``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from collections.abc import Callable
from typing import Any

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.commands import CommandTable
from mjcore.sim.config import SimConfig
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.images import (
    image_size,
)
from mjcore.sim.midjourney.account_commands import AccountCommands
from mjcore.sim.midjourney.image_commands import ImageCommands
from mjcore.sim.midjourney.interactions import (
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InteractionRequest,
    OpenModal,
    source_message,
    submitted_prompt,
)
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.outcomes import Appeals, Refusals
from mjcore.sim.midjourney.prompt_commands import PromptCommands
from mjcore.sim.midjourney.records import (
    STATUS_DONE,
    STATUS_FAILED,
    JobRecord,
)
from mjcore.sim.midjourney.replies import Replies, bot_message
from mjcore.sim.midjourney.results import Results
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.midjourney.runs import JobRun
from mjcore.sim.midjourney.tasks import BotTasks
from mjcore.sim.rewrite import (
    model_family,
    rewrite_prompt,
)
from mjcore.sim.state import (
    MESSAGE_DEFAULT,
    MESSAGE_REPLY,
    MJ_BOT_USER,
    Json,
    SimState,
    StoredMessage,
    UserRecord,
)

log = logging.getLogger(__name__)

HD_SCALE = 2


class MidjourneyBot:
    def __init__(
        self,
        state: SimState,
        config: SimConfig,
        hub: GatewayHub,
        bus: MessageBus,
        cdn: Cdn,
        commands: CommandTable,
    ) -> None:
        self.state = state
        self.config = config
        self.hub = hub
        self.bus = bus
        self.cdn = cdn
        self.commands = commands
        self.replies = Replies(state, config, hub, bus)
        self.tasks = BotTasks()
        self.ledger = JobLedger(state, config)
        self.results = Results(state, config, cdn, bus, self.replies)
        self.runner = JobRunner(config, bus, cdn, self.replies, self.results, self.tasks)
        self.refusals = Refusals(config, self.replies)
        self.appeals = Appeals(config, self.replies)
        self.modals: dict[str, OpenModal] = {}
        self.iframes: dict[str, OpenModal] = {}
        images = ImageCommands(
            state=state,
            config=config,
            cdn=cdn,
            replies=self.replies,
            ledger=self.ledger,
            refusals=self.refusals,
            appeals=self.appeals,
            runner=self.runner,
            results=self.results,
        )
        self.prompts = PromptCommands(
            state=state,
            config=config,
            bus=bus,
            cdn=cdn,
            commands=commands,
            replies=self.replies,
            ledger=self.ledger,
            runner=self.runner,
            tasks=self.tasks,
        )
        self.account = AccountCommands(config, bus, self.replies, self.ledger, self.runner)
        self._commands: dict[str, Callable[[InteractionRequest], None]] = {
            "imagine": images.imagine,
            "blend": images.blend,
            "describe": self.prompts.describe,
            "shorten": self.prompts.shorten,
            "show": images.show,
            "info": self.account.info,
            "fast": self.account.switch_mode,
            "relax": self.account.switch_mode,
            "turbo": self.account.switch_mode,
            "prefer": self.account.prefer,
            "settings": self.account.settings,
        }
        cdn.inpaint_handler = self.submit_inpaint

    @property
    def jobs(self) -> list[JobRecord]:
        return self.ledger.jobs

    async def aclose(self) -> None:
        await self.tasks.aclose()

    def pause(self) -> None:
        self.tasks.pause()

    def resume(self) -> None:
        self.tasks.resume()

    async def wait_idle(self, timeout: float) -> None:
        await self.runner.wait_idle(timeout)

    # --- interaction entry -----------------------------------------------------------------
    def accept(self, req: InteractionRequest) -> None:
        """Called by the REST layer after INTERACTION_CREATE went out."""
        self.tasks.spawn(self.replies.watch_ack(req))
        self.tasks.spawn(self._handle(req))

    async def _handle(self, req: InteractionRequest) -> None:
        if self.config.bot_times_out:
            return
        if req.type == INTERACTION_COMMAND:
            await self._on_command(req)
        elif req.type == INTERACTION_COMPONENT:
            await self._on_component(req)
        elif req.type == INTERACTION_MODAL_SUBMIT:
            await self._on_modal_submit(req)

    # --- slash commands --------------------------------------------------------------------
    async def _on_command(self, req: InteractionRequest) -> None:
        assert req.command is not None
        handler = self._commands.get(req.command.name)
        if handler is None:
            text = "This command is not available right now."
            self.replies.response(req, content=text, ephemeral=True)
            return
        handler(req)

    # --- components ------------------------------------------------------------------------
    async def _on_component(self, req: InteractionRequest) -> None:
        assert req.message is not None
        custom_id = str(req.data.get("custom_id", ""))
        parts = custom_id.split("::")
        parent = self.ledger.for_message(req.message)
        if custom_id.startswith("MJ::JOB::upsample::"):
            self._upscale(req, parent, int(parts[3]), custom_id)
        elif custom_id.startswith("MJ::JOB::variation::"):
            self._variation(
                req, parent, int(parts[3]), strong=self.config.high_variability, mark=custom_id
            )
        elif custom_id.startswith(("MJ::JOB::high_variation::", "MJ::JOB::low_variation::")):
            self._variation(req, parent, 1, strong=parts[2] == "high_variation", mark=None)
        elif custom_id.startswith("MJ::JOB::reroll::"):
            self._reroll(req, parent)
        elif custom_id.startswith("MJ::JOB::upsample_"):
            self._upscale_hd(req, parent, parts[2])
        elif custom_id.startswith("MJ::Outpaint::"):
            self._zoom(req, parent, parts[2])
        elif custom_id.startswith("MJ::CustomZoom::"):
            self._open_custom_zoom(req, parent)
        elif custom_id.startswith("MJ::JOB::pan_"):
            self._pan(req, parent, parts[2].removeprefix("pan_"))
        elif custom_id.startswith("MJ::Inpaint::"):
            self._open_inpaint(req, parent)
        elif custom_id.startswith("MJ::Prompts::Appeal::"):
            self._appeal(req, parts[3])
        elif custom_id.startswith("MJ::CancelJob::ByJobid::"):
            self._cancel(req, parts[3])
        elif custom_id.startswith("MJ::Job::PicReader::"):
            self._picreader(req, parts[3])
        elif custom_id == "MJ::Picread::Retry":
            self._retry_describe(req)
        elif custom_id.startswith("MJ::Job::PromptAnalyzer::"):
            self._open_prompt_modal(
                req, self.prompts.shortened.get(req.message.message_id, []), int(parts[3])
            )
        elif custom_id.startswith("MJ::Settings::"):
            self.account.toggle_setting(req, custom_id)
        else:
            # bookmark, acknowledgements and anything else: the bot just acknowledges
            self.replies.ack(req)

    def _upscale(
        self, req: InteractionRequest, parent: JobRecord | None, index: int, custom_id: str
    ) -> None:
        assert req.message is not None
        if parent is None:
            self.replies.ack(req)
            return
        job = self.ledger.new_job(
            req,
            "upscale",
            parent.final_prompt,
            parent=parent,
            index=index,
            final_prompt=parent.final_prompt,
        )
        user = self.state.users[job.user_id]
        attachment = self.results.file(job, "single", user)
        family = model_family(job.final_prompt)
        rows = ui.upscaled_rows(job.job_id, family, video=self.config.video_buttons)
        content = f"**{job.final_prompt}** - Image #{index} <@{job.user_id}>"
        message = self.replies.response(
            req, content=content, attachments=[attachment], rows=rows, mention=True
        )
        job.result_message_id = message.message_id
        job.status = STATUS_DONE
        self.replies.mark_used(req.message, custom_id)
        log.info("upscale done [job:%s parent:%s index:%d]", job.job_id, parent.job_id, index)

    def _button_run(
        self, req: InteractionRequest, job: JobRecord, label: str, **kwargs: Any
    ) -> JobRun:
        return JobRun(
            job=job,
            req=req,
            label=label,
            reply_to=source_message(req),
            final_type=MESSAGE_REPLY,
            nonce_on_start=self.config.nonce_on_component_jobs,
            **kwargs,
        )

    def _variation(
        self,
        req: InteractionRequest,
        parent: JobRecord | None,
        index: int,
        *,
        strong: bool,
        mark: str | None,
    ) -> None:
        assert req.message is not None
        if parent is None:
            self.replies.ack(req)
            return
        if req.user.remix:
            custom_id = f"MJ::RemixModal::{parent.job_id}::{index}::{1 if strong else 0}"
            self._open_modal(
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
            return
        job = self.ledger.new_job(
            req,
            "variation",
            parent.final_prompt,
            parent=parent,
            index=index,
            final_prompt=parent.final_prompt,
        )
        if self.refusals.refuse(req, job):
            return
        label = "Variations (Strong) by " if strong else "Variations (Subtle) by "
        if mark is not None:
            self.replies.mark_used(req.message, mark)
        self.runner.submit(self._button_run(req, job, label))

    def _reroll(self, req: InteractionRequest, parent: JobRecord | None) -> None:
        assert req.message is not None
        if parent is None:
            self.replies.ack(req)
            return
        if req.user.remix:
            custom_id = f"MJ::ImagineModal::{req.message.message_id}"
            self._open_modal(
                req,
                "reroll",
                custom_id,
                "Imagine",
                "MJ::ImagineModal::new_prompt",
                "Prompt",
                parent,
            )
            return
        job = self.ledger.new_job(
            req, "reroll", parent.prompt, parent=parent, final_prompt=parent.final_prompt
        )
        if self.refusals.refuse(req, job):
            return
        run = self._button_run(req, job, "")
        run.final_type = MESSAGE_DEFAULT
        self.runner.submit(run)

    def _upscale_hd(self, req: InteractionRequest, parent: JobRecord | None, action: str) -> None:
        if parent is None:
            self.replies.ack(req)
            return
        job = self.ledger.new_job(
            req,
            "upscale_hd",
            parent.final_prompt,
            parent=parent,
            index=1,
            final_prompt=parent.final_prompt,
        )
        if self.refusals.refuse(req, job):
            return
        kind = "Subtle" if action.endswith("subtle") else "Creative"
        if action.startswith("upsample_v5_"):
            kind = action.removeprefix("upsample_v5_")
        final = "Upscaled by " if action.startswith("upsample_v7") else f"Upscaled ({kind}) by "
        run = self._button_run(
            req, job, "Upscaling by ", final_label=final, result="single", scale=HD_SCALE
        )
        self.runner.submit(run)

    def _zoom(
        self,
        req: InteractionRequest,
        parent: JobRecord | None,
        amount: str,
        prompt: str | None = None,
    ) -> None:
        if parent is None:
            self.replies.ack(req)
            return
        final = rewrite_prompt(prompt) if prompt is not None else parent.final_prompt
        job = self.ledger.new_job(
            req, "zoom", prompt or parent.prompt, parent=parent, index=1, final_prompt=final
        )
        if self.refusals.refuse(req, job):
            return
        self.runner.submit(self._button_run(req, job, "Zoom Out by "))

    def _pan(
        self,
        req: InteractionRequest,
        parent: JobRecord | None,
        direction: str,
        prompt: str | None = None,
    ) -> None:
        if parent is None:
            self.replies.ack(req)
            return
        if req.user.remix and prompt is None:
            custom_id = f"MJ::PanModal::{direction}::{parent.job_id}::1"
            self._open_modal(
                req,
                "pan",
                custom_id,
                "Pan",
                "MJ::PanModal::prompt",
                "Prompt",
                parent,
                extra=direction,
            )
            return
        final = rewrite_prompt(prompt) if prompt is not None else parent.final_prompt
        job = self.ledger.new_job(
            req, "pan", prompt or parent.prompt, parent=parent, index=1, final_prompt=final
        )
        if self.refusals.refuse(req, job):
            return
        self.runner.submit(self._button_run(req, job, f"Pan {direction.capitalize()} by "))

    def _appeal(self, req: InteractionRequest, token: str) -> None:
        run = self.appeals.take(token)
        if run is None:
            self.replies.ack(req)
            return
        held = run.job
        job = self.ledger.new_job(req, held.kind, held.prompt, final_prompt=held.final_prompt)
        held.status = STATUS_FAILED
        held.error = "appealed"
        job.parent_job_id = held.job_id
        self.runner.submit(JobRun(job=job, req=req, nonce_on_start=True))

    def _cancel(self, req: InteractionRequest, job_id: str) -> None:
        self.replies.ack(req)
        self.runner.cancel(req.user.user_id, job_id)

    # --- modals ----------------------------------------------------------------------------
    def _open_modal(
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
        self.modals[req.interaction_id] = OpenModal.opened_by(
            req, source, kind, custom_id, parent, index=index, extra=extra
        )
        prefill = value if value is not None else (parent.final_prompt if parent else "")
        fields = {"components": [ui.text_input_row(field_id, field_label, prefill)]}
        self.replies.show_modal(req, "INTERACTION_MODAL_CREATE", custom_id, title, fields)

    def _open_custom_zoom(self, req: InteractionRequest, parent: JobRecord | None) -> None:
        if parent is None:
            self.replies.ack(req)
            return
        self._open_modal(
            req,
            "zoom",
            f"MJ::OutpaintCustomZoomModal::{parent.job_id}",
            "Zoom Out",
            "MJ::OutpaintCustomZoomModal::prompt",
            "Zoom Prompt",
            parent,
            value=f"{parent.final_prompt} --zoom 2",
        )

    def _picreader(self, req: InteractionRequest, which: str) -> None:
        assert req.message is not None
        prompts = self.prompts.described.get(req.message.message_id, [])
        if which == "all":
            self.replies.ack(req)
            for prompt in prompts:
                job = self.ledger.new_job(req, "imagine", prompt)
                if not self.refusals.refuse(req, job):
                    self.runner.submit(JobRun(job=job, req=req, nonce_on_start=False))
            return
        index = int(which)
        value = prompts[index - 1] if 0 < index <= len(prompts) else ""
        self._open_modal(
            req,
            "picreader",
            f"MJ::Picreader::Modal::{index}",
            "Imagine This!",
            "MJ::Picreader::Modal::PromptField",
            "Prompt",
            None,
            index=index,
            value=value,
        )

    def _retry_describe(self, req: InteractionRequest) -> None:
        self.replies.ack(req)

    def _open_prompt_modal(self, req: InteractionRequest, prompts: list[str], index: int) -> None:
        assert req.message is not None
        value = prompts[index - 1] if 0 < index <= len(prompts) else ""
        self._open_modal(
            req,
            "imagine",
            f"MJ::ImagineModal::{req.message.message_id}",
            "Imagine This!",
            "MJ::ImagineModal::new_prompt",
            "Prompt",
            None,
            index=index,
            value=value,
        )

    async def _on_modal_submit(self, req: InteractionRequest) -> None:
        modal = req.modal
        assert modal is not None
        self.modals.pop(modal.interaction_id, None)
        prompt = submitted_prompt(req)
        parent = modal.job
        if modal.kind == "zoom":
            if "--zoom" not in prompt:
                self.replies.error(
                    req,
                    "Invalid parameter",
                    "Custom zoom requires a `--zoom` value between 1 and 2.",
                    None,
                )
                return
            self._zoom(req, parent, "custom", prompt=prompt)
        elif modal.kind == "remix" and parent is not None:
            job = self.ledger.new_job(req, "variation", prompt, parent=parent, index=modal.index)
            if self.refusals.refuse(req, job):
                return
            label = "Remix (Strong) by " if modal.extra == "1" else "Remix (Subtle) by "
            self.runner.submit(self._button_run(req, job, label))
        elif modal.kind == "reroll" and parent is not None:
            job = self.ledger.new_job(req, "reroll", prompt, parent=parent)
            if self.refusals.refuse(req, job):
                return
            run = self._button_run(req, job, "Remix by ")
            run.final_type = MESSAGE_DEFAULT
            self.runner.submit(run)
        elif modal.kind == "pan":
            self._pan(req, parent, modal.extra, prompt=prompt)
        else:  # picreader / imagine (shorten): a fresh imagine
            job = self.ledger.new_job(req, "imagine", prompt)
            if self.refusals.refuse(req, job):
                return
            self.runner.submit(JobRun(job=job, req=req, final_type=MESSAGE_DEFAULT))

    # --- Vary (Region) ---------------------------------------------------------------------
    def _open_inpaint(self, req: InteractionRequest, parent: JobRecord | None) -> None:
        source = source_message(req)
        if parent is None or source is None:
            self.replies.ack(req)
            return
        token = secrets.token_urlsafe(48)
        custom_id = f"MJ::iframe::{token}"
        self.iframes[token] = OpenModal.opened_by(req, source, "inpaint", custom_id, parent)
        fields = {"iframe_path": f"/inpaint/?custom_id={token}", "modal_size": 2}
        self.replies.show_modal(
            req, "INTERACTION_IFRAME_MODAL_CREATE", custom_id, "Vary Region", fields
        )

    async def submit_inpaint(self, token: str, body: Json) -> tuple[int, Json]:
        """``POST /inpaint/api/submit-job`` on the discordsays host."""
        token = token.removeprefix("MJ::iframe::")
        modal = self.iframes.get(token)
        if modal is None or modal.job is None:
            return 404, {"success": False, "error": "unknown job"}
        mask = str(body.get("mask", ""))
        try:
            decoded = base64.b64decode(mask.split(",")[-1], validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if image_size(decoded) is None:
            return 400, {"success": False, "error": "invalid mask"}
        del self.iframes[token]
        parent = modal.job
        prompt = str(body.get("prompt") or "").strip()
        req = modal.opener
        final = rewrite_prompt(prompt) if prompt else parent.final_prompt
        job = self.ledger.new_job(
            req, "inpaint", prompt or parent.prompt, parent=parent, index=1, final_prompt=final
        )
        label = (
            "Remix (Region) by "
            if prompt and final != parent.final_prompt
            else "Variations (Region) by "
        )
        run = self._button_run(req, job, label)
        run.nonce_on_start = False
        self.runner.submit(run)
        return 200, {"success": True}

    # --- seeds (✉️ reaction) ---------------------------------------------------------------
    def on_reaction(self, user: UserRecord, message: StoredMessage, emoji: str) -> None:
        if emoji != "✉️":
            return
        job = self.ledger.for_message(message)
        account = self.state.accounts.get(user.user_id)
        if job is None or account is None:
            return
        content = f"**{job.final_prompt}**\n**Job ID**: {job.job_id}\n**seed** {job.seed}"
        message_id = self.state.snowflakes.next()
        payload = bot_message(
            message_id,
            account.dm_channel_id,
            dict(MJ_BOT_USER),
            content=content,
            type_=MESSAGE_DEFAULT,
        )
        self.bus.post(payload)
