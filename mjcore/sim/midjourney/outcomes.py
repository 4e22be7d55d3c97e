"""Answers other than a result: prompt markers, account states, queue notices and appeals.

Prompt markers (exact, case-sensitive words in the prompt) that choose an outcome:

- ``SIM_BANNED``: "Banned prompt detected" error embed (with our nonce); job failed.
- an unknown ``--param``: "Invalid parameter" embed listing the unknown parameters; job failed.
- ``SIM_APPEAL``: ephemeral "Action needed to continue" with an Appeal button; pressing Appeal
  runs the job (the start message replies to the moderation message).
- ``SIM_ERROR``: plain-text error content ("There was an error processing your request. ...").
- ``SIM_SILENT``: no answer at all; INTERACTION_FAILURE reason 2 after the ack deadline.
- ``SIM_VANISH``: "Waiting to start", then that message is deleted and no result ever comes.
- ``SIM_FILTERED``: progress runs, then "Request cancelled due to output filters"; job failed.

Account states (``Faults.set_account_state``) answer every job request with an error embed:
``pending_mod`` ("Pending mod message", with an Acknowledged button), ``blocked`` ("Blocked"),
``subscription_required`` ("Subscription required"), ``credits_exhausted`` ("Credits exhausted",
fast and turbo jobs only).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from mjcore.sim import components as ui
from mjcore.sim.config import SimConfig
from mjcore.sim.midjourney.interactions import InteractionRequest
from mjcore.sim.midjourney.records import JobRecord, fail_job
from mjcore.sim.midjourney.replies import Replies
from mjcore.sim.midjourney.runs import JobRun
from mjcore.sim.rewrite import unknown_params
from mjcore.sim.state import Json

MARKER_BANNED = "SIM_BANNED"
MARKER_APPEAL = "SIM_APPEAL"
MARKER_ERROR = "SIM_ERROR"
MARKER_SILENT = "SIM_SILENT"
MARKER_VANISH = "SIM_VANISH"
MARKER_FILTERED = "SIM_FILTERED"

TOKEN_BYTES = 8  # random part of Appeal and Acknowledged button ids

PLAIN_ERROR_TEXT = (
    "There was an error processing your request. Please try again later. "
    "Your trace: `aspirate-giveaway-smuggler`"
)
BANNED_DESCRIPTION = (
    "Sorry! Our AI moderator thinks this prompt is probably against our community standards.\n\n"
    "Please review our current community standards:\n\n**ALLOWED**\n- Any image up to PG-13 rating "
    "involving fiction, fantasy, mythology.\n- Real images that may be seen as respectful or "
    "light-hearted parodies, satire, caricatures\n- Imaginary or exaggerated real-life scenarios, "
    "including absurd or humorous situations.\n\n**NOT ALLOWED**\n- Disrespectful, harmful, "
    "misleading public figures/events portrayals or potential to mislead.\n- Hate speech, "
    "explicit or real-world violence.\n- Nudity or unconsented overtly sexualized public figures."
    "\n- Imagery that might be considered culturally insensitive\n\nThis AI system isn't perfect. "
    "If you find it rejecting something innocent please press the **Notify developers** button "
    "and we will review it and try to further improve our performance. Thank you for your help!"
)
APPEAL_DESCRIPTION = (
    "Sorry! Our AI moderators feel your prompt might be against our community standards.\n\n"
    '        If you think this is a mistake, please press the "Appeal" button below and we will '
    "send it to a more sophisticated AI to double-check the result."
)
QUEUED_DESCRIPTION = (
    "Your job will start as soon as one of your running jobs finishes. "
    "You can check your queue with /info."
)
QUEUE_FULL_DESCRIPTION = (
    "Your job queue is full. Please wait for a job to finish first, then resubmit this one."
)
FILTERED_TITLE = "Request cancelled due to output filters"
FILTERED_DESCRIPTION = "Sorry! Your image was filtered out by our output moderation."
ACCOUNT_STATES: dict[str, tuple[str, str]] = {
    "pending_mod": (
        "Pending mod message",
        "You have a pending mod message. Please read and acknowledge it before continuing.",
    ),
    "blocked": (
        "Blocked",
        "You have been blocked from accessing Midjourney. "
        "Contact support if you think this is a mistake.",
    ),
    "subscription_required": (
        "Subscription required",
        "To use Midjourney you will need an active subscription. Please visit "
        "https://www.midjourney.com/account to subscribe.",
    ),
    "credits_exhausted": (
        "Credits exhausted",
        "You have run out of fast hours. "
        "You can purchase more at https://www.midjourney.com/account "
        "or switch to /relax mode.",
    ),
}


def imagine_footer(job: JobRecord) -> str:
    """The footer of notices about a job: the command that asked for it."""
    return f"/imagine {job.final_prompt}"


@dataclass(frozen=True, slots=True)
class Refusals:
    """Refuses jobs the account state, a marker or a bad parameter rules out."""

    config: SimConfig
    replies: Replies

    def refuse(self, req: InteractionRequest, job: JobRecord) -> bool:
        """Answer a refused job and fail it; True when refused."""
        footer = imagine_footer(job)
        state = req.user.account_state
        if state in ACCOUNT_STATES and not (state == "credits_exhausted" and job.mode == "relaxed"):
            return self._refuse_account(req, job, state)
        if MARKER_BANNED in job.prompt:
            self.replies.error(req, "Banned prompt detected", BANNED_DESCRIPTION, footer)
            return fail_job(job, "Banned prompt detected")
        unknown = unknown_params(job.prompt)
        if unknown:
            listed = ", ".join(unknown)
            description = f"Unrecognized parameter(s): `{listed}`"
            self.replies.error(req, "Invalid parameter", description, footer)
            return fail_job(job, "Invalid parameter")
        if MARKER_ERROR in job.prompt:
            self.replies.response(req, content=PLAIN_ERROR_TEXT)
            return fail_job(job, "error")
        return MARKER_SILENT in job.prompt and fail_job(job, "no answer")

    def _refuse_account(self, req: InteractionRequest, job: JobRecord, state: str) -> bool:
        title, description = ACCOUNT_STATES[state]
        rows: list[Json] = []
        if state == "pending_mod":
            token = secrets.token_urlsafe(TOKEN_BYTES)
            acknowledge = ui.button(
                f"MJ::Mod::Acknowledge::{token}", label="Acknowledged", style=ui.STYLE_SUCCESS
            )
            rows = [ui.row(acknowledge)]
        embed = self.replies.embed(title, description, self.config.error_color)
        self.replies.response(
            req, embeds=[embed], rows=rows, ephemeral=self.config.ephemeral_errors
        )
        return fail_job(job, title)


@dataclass(slots=True)
class Appeals:
    """Jobs held behind "Action needed to continue" until their Appeal button is pressed."""

    config: SimConfig
    replies: Replies
    held: dict[str, JobRun] = field(default_factory=dict, init=False)  # appeal token -> held job

    def hold(self, run: JobRun) -> None:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.held[token] = run
        embed = self.replies.embed(
            "Action needed to continue",
            APPEAL_DESCRIPTION,
            self.config.error_color,
            imagine_footer(run.job),
        )
        appeal = ui.button(f"MJ::Prompts::Appeal::{token}", label="Appeal", style=ui.STYLE_PRIMARY)
        self.replies.response(run.req, embeds=[embed], rows=[ui.row(appeal)], ephemeral=True)

    def take(self, token: str) -> JobRun | None:
        """The job held under ``token`` (once)."""
        return self.held.pop(token, None)
