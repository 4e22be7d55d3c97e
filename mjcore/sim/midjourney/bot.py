"""``MidjourneyBot``: the simulated bot's facade, taking interactions from the REST layer.

Lifecycle of ``/imagine`` (protocol §4.1): INTERACTION_CREATE (sent by the REST layer), then
MESSAGE_CREATE "**<P>** - <@U> (Waiting to start)" (type 20, our nonce, ``interaction`` and
``interaction_metadata``), INTERACTION_SUCCESS (order is a knob), MESSAGE_UPDATEs "(N%) (fast)"
with ``<uuid>_grid_0.webp`` previews, the final grid as a new MESSAGE_CREATE (type 0, no nonce),
then MESSAGE_DELETE of the progress message. Button jobs reply (type 19) to the message that
carried the button. Outcomes other than a result are described in ``outcomes``.
"""

from __future__ import annotations

from collections.abc import Callable

from mjcore.sim.bus import MessageBus
from mjcore.sim.cdn import Cdn
from mjcore.sim.commands import CommandTable
from mjcore.sim.config import SimConfig
from mjcore.sim.gateway import GatewayHub
from mjcore.sim.midjourney.account_commands import AccountCommands
from mjcore.sim.midjourney.actions import JobActions
from mjcore.sim.midjourney.buttons import Buttons
from mjcore.sim.midjourney.image_commands import ImageCommands
from mjcore.sim.midjourney.inpaint import VaryRegion
from mjcore.sim.midjourney.interactions import (
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    InteractionRequest,
    OpenModal,
)
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.modals import Modals
from mjcore.sim.midjourney.outcomes import Appeals, Refusals
from mjcore.sim.midjourney.prompt_commands import PromptCommands
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.results import Results
from mjcore.sim.midjourney.runner import JobRunner
from mjcore.sim.midjourney.seeds import SeedReplies
from mjcore.sim.midjourney.tasks import BotTasks
from mjcore.sim.state import Json, SimState, StoredMessage, UserRecord

UNKNOWN_COMMAND_TEXT = "This command is not available right now."

CommandHandler = Callable[[InteractionRequest], None]


class MidjourneyBot:
    """Takes interactions and reactions from the REST layer and wires the bot's parts."""

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
        self.tasks = BotTasks()
        self.replies = replies = Replies(state, config, hub, bus)
        self.ledger = JobLedger(state, config)
        results = Results(state, config, cdn, bus, replies)
        self.runner = JobRunner(config, bus, cdn, replies, results, self.tasks)
        refusals = Refusals(config, replies)
        appeals = Appeals(config, replies)
        actions = JobActions(
            state=state,
            config=config,
            replies=replies,
            ledger=self.ledger,
            refusals=refusals,
            runner=self.runner,
            results=results,
        )
        self.modal_forms = Modals(replies, actions)
        self.vary_region = VaryRegion(replies, actions)
        images = ImageCommands(
            state=state,
            config=config,
            cdn=cdn,
            replies=replies,
            ledger=self.ledger,
            refusals=refusals,
            appeals=appeals,
            runner=self.runner,
            results=results,
        )
        prompts = PromptCommands(
            state=state,
            config=config,
            bus=bus,
            cdn=cdn,
            commands=commands,
            replies=replies,
            ledger=self.ledger,
            runner=self.runner,
            tasks=self.tasks,
        )
        account = AccountCommands(config, bus, replies, self.ledger, self.runner)
        self.buttons = Buttons(
            config=config,
            replies=replies,
            ledger=self.ledger,
            runner=self.runner,
            actions=actions,
            modals=self.modal_forms,
            vary_region=self.vary_region,
            appeals=appeals,
            prompts=prompts,
            account=account,
        )
        self.seeds = SeedReplies(state, bus, self.ledger)
        self._commands: dict[str, CommandHandler] = {
            "imagine": images.imagine,
            "blend": images.blend,
            "describe": prompts.describe,
            "shorten": prompts.shorten,
            "show": images.show,
            "info": account.info,
            "fast": account.switch_mode,
            "relax": account.switch_mode,
            "turbo": account.switch_mode,
            "prefer": account.prefer,
            "settings": account.settings,
        }
        cdn.inpaint_handler = self.submit_inpaint

    # --- what the simulator and tests read ---------------------------------------------------
    @property
    def jobs(self) -> list[JobRecord]:
        return self.ledger.jobs

    @property
    def modals(self) -> dict[str, OpenModal]:
        """Open modals by the id of the interaction that opened them."""
        return self.modal_forms.waiting

    # --- lifecycle ---------------------------------------------------------------------------
    async def aclose(self) -> None:
        await self.tasks.aclose()

    def pause(self) -> None:
        self.tasks.pause()

    def resume(self) -> None:
        self.tasks.resume()

    async def wait_idle(self, timeout: float) -> None:
        await self.runner.wait_idle(timeout)

    # --- input -------------------------------------------------------------------------------
    def accept(self, req: InteractionRequest) -> None:
        """Called by the REST layer after INTERACTION_CREATE went out."""
        self.tasks.spawn(self.replies.watch_ack(req))
        self.tasks.spawn(self._handle(req))

    async def _handle(self, req: InteractionRequest) -> None:
        if self.config.bot_times_out:
            return
        if req.type == INTERACTION_COMMAND:
            self._on_command(req)
        elif req.type == INTERACTION_COMPONENT:
            self.buttons.press(req)
        elif req.type == INTERACTION_MODAL_SUBMIT:
            self.modal_forms.submit(req)

    def _on_command(self, req: InteractionRequest) -> None:
        assert req.command is not None
        handler = self._commands.get(req.command.name)
        if handler is None:
            self.replies.response(req, content=UNKNOWN_COMMAND_TEXT, ephemeral=True)
            return
        handler(req)

    def on_reaction(self, user: UserRecord, message: StoredMessage, emoji: str) -> None:
        self.seeds.on_reaction(user, message, emoji)

    async def submit_inpaint(self, token: str, body: Json) -> tuple[int, Json]:
        """``POST /inpaint/api/submit-job`` on the discordsays host."""
        return await self.vary_region.submit(token, body)
