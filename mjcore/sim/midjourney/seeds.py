"""The ✉️ reaction on a result: the bot DMs the job's prompt, id and seed."""

from __future__ import annotations

from dataclasses import dataclass

from mjcore.sim.bus import MessageBus
from mjcore.sim.midjourney.ledger import JobLedger
from mjcore.sim.midjourney.replies import bot_message
from mjcore.sim.state import MESSAGE_DEFAULT, MJ_BOT_USER, SimState, StoredMessage, UserRecord

SEED_EMOJI = "✉️"


@dataclass(frozen=True, slots=True)
class SeedReplies:
    """Answers ✉️ reactions on results with a DM carrying the seed."""

    state: SimState
    bus: MessageBus
    ledger: JobLedger

    def on_reaction(self, user: UserRecord, message: StoredMessage, emoji: str) -> None:
        if emoji != SEED_EMOJI:
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
