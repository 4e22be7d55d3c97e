"""``/info``, ``/fast``, ``/relax``, ``/turbo``, ``/prefer remix`` and the ``/settings`` panel."""

from __future__ import annotations

from dataclasses import dataclass

from mjcore.sim import components as ui
from mjcore.sim.bus import MessageBus
from mjcore.sim.config import SimConfig
from mjcore.sim.midjourney.interactions import InteractionRequest, command_name
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.records import STATUS_DONE, STATUS_RUNNING
from mjcore.sim.midjourney.replies import Replies, rich_embed
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.state import FLAG_EPHEMERAL, FLAG_LOADING, Json, UserRecord

MODE_REPLIES = {
    "fast": "Done! Your jobs will now be processed in fast mode. You can switch back with /relax",
    "relax": (
        "Done! Your jobs now do not consume fast-hours, but might take a little longer. "
        "You can always switch back with /fast"
    ),
    "turbo": "Done! Your jobs will now be processed in turbo mode. You can switch back with /fast",
}
MODE_TITLES = {"fast": "Fast", "relax": "Relaxed", "relaxed": "Relaxed", "turbo": "Turbo"}
REMIX_ON = "Remix mode turned on! You can disable it by running `/prefer remix` again."
REMIX_OFF = "Remix mode turned off! You can enable it by running `/prefer remix` again."
SETTINGS_PREFIX = "MJ::Settings::"
MODE_SETTINGS = ("MJ::Settings::TurboMode", "MJ::Settings::FastMode", "MJ::Settings::RelaxMode")


@dataclass(frozen=True, slots=True)
class AccountCommands:
    """Handlers of the account commands and of the settings panel's buttons."""

    config: SimConfig
    bus: MessageBus
    replies: Replies
    ledger: JobLedger
    runner: JobRunner

    def info(self, req: InteractionRequest) -> None:
        """A deferred ephemeral response, edited with the account's queue and usage."""
        deferred = self.replies.response(req, flags=FLAG_LOADING, ephemeral=True)
        user = req.user
        embed = rich_embed("\n".join(self._info_lines(user)), title=f"Your info - {user.username}")
        self.bus.edit(deferred, {"flags": FLAG_EPHEMERAL, "embeds": [embed]})

    def _info_lines(self, user: UserRecord) -> list[str]:
        queue = self.runner.slots_of(user.user_id).queue
        jobs = self.ledger.jobs
        mine = [j for j in jobs if j.user_id == user.user_id and j.status == STATUS_DONE]
        running = ", ".join(
            j.job_id for j in jobs if j.user_id == user.user_id and j.status == STATUS_RUNNING
        )
        queued_fast = sum(1 for r in queue if r.job.mode != "relaxed")
        queued_relax = len(queue) - queued_fast
        visibility = "Stealth" if self.config.stealth else "Public"
        return [
            "**Subscription**: Standard (Active monthly, renews next on <t:1893456000>)",
            f"**Job Mode**: {MODE_TITLES.get(user.mode, 'Fast')}",
            f"**Visibility Mode**: {visibility}",
            "**Fast Time Remaining**: 14.52/15.0 hours (96.80%)",
            f"**Lifetime Usage**: {len(mine)} images (0.48 hours)",
            "**Relaxed Usage**: 0 images (0.00 hours)",
            "",
            f"**Queued Jobs (fast)**: {queued_fast}",
            f"**Queued Jobs (relax)**: {queued_relax}",
            f"**Running Jobs**: {running or 'None'}",
        ]

    def switch_mode(self, req: InteractionRequest) -> None:
        """``/fast``, ``/relax`` and ``/turbo``."""
        assert req.command is not None
        name = req.command.name
        req.user.mode = name
        self.replies.response(req, content=MODE_REPLIES[name], ephemeral=True)

    def prefer(self, req: InteractionRequest) -> None:
        """``/prefer remix`` toggles remix mode; other preferences are not simulated."""
        if command_name(req) != "prefer remix":
            text = "This preference is not available right now."
            self.replies.response(req, content=text, ephemeral=True)
            return
        req.user.remix = not req.user.remix
        text = REMIX_ON if req.user.remix else REMIX_OFF
        self.replies.response(req, content=text, ephemeral=True)

    def settings(self, req: InteractionRequest) -> None:
        rows = self._settings_rows(req.user)
        text = "Adjust your settings here."
        self.replies.response(req, content=text, rows=rows, ephemeral=True)

    def toggle_setting(self, req: InteractionRequest, custom_id: str) -> None:
        """A button of the settings panel: flip it and redraw the panel."""
        assert req.message is not None
        user = req.user
        if custom_id == "MJ::Settings::RemixMode":
            user.remix = not user.remix
        elif custom_id.startswith("MJ::Settings::HighVariabilityMode"):
            self.config.high_variability = not self.config.high_variability
        elif custom_id in MODE_SETTINGS:
            user.mode = custom_id.removeprefix(SETTINGS_PREFIX).removesuffix("Mode").lower()
        self.replies.ack(req)
        self.bus.edit(req.message, {"components": self.replies.rows(self._settings_rows(user))})

    def _settings_rows(self, user: UserRecord) -> list[Json]:
        return [
            ui.row(
                _toggle("MJ::Settings::RemixMode", "Remix mode", user.remix),
                _toggle(
                    "MJ::Settings::HighVariabilityMode::1",
                    "High Variation Mode",
                    self.config.high_variability,
                ),
            ),
            ui.row(
                _toggle("MJ::Settings::TurboMode", "Turbo mode", user.mode == "turbo"),
                _toggle("MJ::Settings::FastMode", "Fast mode", user.mode == "fast"),
                _toggle("MJ::Settings::RelaxMode", "Relax mode", user.mode in ("relax", "relaxed")),
            ),
        ]


def _toggle(custom_id: str, label: str, on: bool) -> Json:
    style = ui.STYLE_SUCCESS if on else ui.STYLE_SECONDARY
    return ui.button(custom_id, label=label, style=style)
