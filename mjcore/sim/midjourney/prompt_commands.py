"""``/describe`` and ``/shorten``: prompts offered under numbered buttons."""

from __future__ import annotations

from dataclasses import dataclass, field

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.commands import CommandTable
from mjcore.sim.config import SimConfig
from mjcore.sim.images import PNG, image_size, single_image
from mjcore.sim.midjourney.interactions import InteractionRequest, attached_files, option
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.records import STATUS_DONE, STATUS_RUNNING, JobRecord, fail_job
from mjcore.sim.midjourney.replies import Replies, rich_embed
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.midjourney.tasks import BotTasks
from mjcore.sim.state import FLAG_LOADING, SimState, StoredMessage

DIGITS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
DESCRIBE_STYLES = (
    "a flat field of {colour} colour, minimalist abstract composition, clean gradients",
    "an abstract colour study dominated by {colour}, soft light, modern art print",
    "{colour} monochrome background texture, smooth matte finish, studio lighting",
    "a simple {colour} poster with geometric calm, muted tones, high resolution",
)
LINKED_IMAGE_SIZE = (512, 512)  # /describe of a link describes a generated image this size
COLOUR_SAMPLE_BYTES = 64
SHORTENED_PROMPTS = 5
IMPORTANT_TOKENS = 5
SHORTEN_FOOTER = "Click on a button to imagine one of the shortened prompts"


def numbered(prompts: list[str]) -> str:
    """Prompts as Midjourney lists them: ``1️⃣ <prompt>`` separated by blank lines."""
    return "\n\n".join(f"{DIGITS[i]} {p}" for i, p in enumerate(prompts))


@dataclass(slots=True)
class PromptCommands:
    """Handlers of ``/describe`` and ``/shorten``; remembers the prompts each message offers."""

    state: SimState
    config: SimConfig
    bus: MessageBus
    cdn: Cdn
    commands: CommandTable
    replies: Replies
    ledger: JobLedger
    runner: JobRunner
    tasks: BotTasks
    # describe message id -> prompts
    described: dict[str, list[str]] = field(default_factory=dict, init=False)
    # shorten message id -> prompts
    shortened: dict[str, list[str]] = field(default_factory=dict, init=False)

    def describe(self, req: InteractionRequest) -> None:
        """A deferred ("thinking") response, edited with four prompts a moment later."""
        files = attached_files(self.state, req)
        data = files.get(str(option(req, "image")))
        link = option(req, "link")
        job = self.ledger.new_job(req, "describe", str(link or ""), final_prompt="")
        if data is None and not link:
            self.replies.error(req, "Invalid request", "Please provide an image or a link.", None)
            fail_job(job, "Invalid request")
            return
        if data is None:
            data = single_image(job.job_id, LINKED_IMAGE_SIZE)
        size = image_size(data)
        if size is None:
            self.replies.error(req, "Invalid image", "The image could not be read.", None)
            fail_job(job, "Invalid image")
            return
        deferred = self.replies.response(req, flags=FLAG_LOADING)
        job.progress_message_id = deferred.message_id
        job.status = STATUS_RUNNING
        work = self.tasks.spawn(self._finish_describe(job, deferred, data, size))
        self.runner.track_side_work(work)

    async def _finish_describe(
        self, job: JobRecord, message: StoredMessage, data: bytes, size: tuple[int, int]
    ) -> None:
        await self.tasks.step(self.config.start_delay_seconds)
        colour = "deep" if sum(data[:COLOUR_SAMPLE_BYTES]) % 2 else "vivid"
        ratio = f"{size[0]}:{size[1]}"
        prompts = [style.format(colour=colour) + f" --ar {ratio}" for style in DESCRIBE_STYLES]
        self.described[message.message_id] = prompts
        description = numbered(prompts)
        stored = self.cdn.add_file(
            self.commands.by_name("describe").command_id,
            f"{job.job_id}.png",
            data,
            PNG,
            ephemeral=True,
            job_id=job.job_id,
        )
        attachment = self.cdn.attachment(stored)
        image = {
            "url": attachment["url"],
            "proxy_url": attachment["proxy_url"],
            "width": size[0],
            "height": size[1],
            "content_type": PNG,
            "flags": 0,
        }
        picks = [
            ui.button(f"MJ::Job::PicReader::{i + 1}", emoji=DIGITS[i])
            for i in range(len(DESCRIBE_STYLES))
        ]
        rows = [
            ui.row(*picks, ui.button("MJ::Picread::Retry", emoji="🔄")),
            ui.row(ui.button("MJ::Job::PicReader::all", label="Imagine all", emoji="🎉")),
        ]
        job.final_prompt = description
        embed = rich_embed(description, image=image)
        self.bus.edit(
            message, {"flags": 0, "embeds": [embed], "components": self.replies.rows(rows)}
        )
        job.result_message_id = message.message_id
        job.status = STATUS_DONE

    def shorten(self, req: InteractionRequest) -> None:
        prompt = str(option(req, "prompt") or "")
        job = self.ledger.new_job(req, "shorten", prompt)
        words = [w for w in prompt.split() if not w.startswith("--")] or ["image"]
        prompts = [" ".join(words[: max(1, len(words) - i)]) for i in range(SHORTENED_PROMPTS)]
        tokens = "\n".join(f"{w} 🔸" for w in words[:IMPORTANT_TOKENS])
        description = f"## Important tokens\n{tokens}\n## Shortened prompts\n{numbered(prompts)}"
        embed = rich_embed(description, footer=SHORTEN_FOOTER)
        picks = (
            ui.button(f"MJ::Job::PromptAnalyzer::{i + 1}", emoji=DIGITS[i])
            for i in range(SHORTENED_PROMPTS)
        )
        rows = [
            ui.row(*picks),
            ui.row(ui.button("MJ::Job::PromptAnalyzerExtended", label="Show Details")),
        ]
        message = self.replies.response(req, embeds=[embed], rows=rows)
        self.shortened[message.message_id] = prompts
        job.final_prompt = description
        job.result_message_id = message.message_id
        job.status = STATUS_DONE
