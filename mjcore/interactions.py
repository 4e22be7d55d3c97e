"""What to send Discord for a task: the interaction payload of each action. No I/O.

One ``InteractionBuilder`` per account: it knows the account's channels, the live gateway
session (asked on every build: after a new IDENTIFY it is a different one) and the command index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mjcore.errors import MjError, ValidationError
from mjcore.midjourney import commands
from mjcore.midjourney.bots import application_id_for
from mjcore.midjourney.custom_ids import modal_input_id
from mjcore.models import AccountConfig, BotType, Task, TaskAction

Payload = dict[str, Any]
Upload = tuple[str, str]  # (filename, uploaded_filename)


class InteractionBuilder:
    def __init__(self, config: AccountConfig, session_id: Callable[[], str | None]) -> None:
        self.config = config
        self.commands = commands.CommandIndex.default()
        self._session_id = session_id

    def context(self, bot: BotType, *, dm: bool = False) -> commands.InteractionContext:
        channel = self.config.dm_channel_id if dm else self.config.channel_id
        if channel is None:
            raise ValidationError(f"account {self.config.id} has no dm_channel_id")
        return commands.InteractionContext(
            guild_id=None if dm else self.config.guild_id,
            channel_id=channel,
            session_id=self._session_id() or "",
            application_id=application_id_for(bot),
        )

    def _command(self, name: str, application_id: str) -> commands.Command:
        try:
            return self.commands.require(name, application_id)
        except KeyError as exc:
            raise MjError(f"Midjourney offers no /{name} command to this account") from exc

    def for_task(self, task: Task, nonce: str, uploads: Sequence[Upload] = ()) -> Payload:
        """The interaction that starts ``task``: a button press or a slash command."""
        if task.custom_id is not None and task.referenced_message_id is not None:
            return self.button(
                task, task.referenced_message_id, task.message_flags, task.custom_id, nonce
            )
        ctx = self.context(task.bot_type)
        app = ctx.application_id
        if task.action is TaskAction.IMAGINE:
            cmd = self._command("imagine", app)
            return dict(commands.imagine(ctx, cmd, task.prompt_en, nonce))
        if task.action is TaskAction.DESCRIBE and uploads:
            filename, uploaded = uploads[0]
            cmd = self._command("describe", app)
            return dict(commands.describe(ctx, cmd, uploaded, filename, nonce))
        if task.action is TaskAction.BLEND and len(uploads) >= 2:
            cmd = self._command("blend", app)
            dimensions = task.extra_value("dimensions") or "--ar 1:1"
            return dict(commands.blend(ctx, cmd, list(uploads), dimensions, nonce))
        if task.action is TaskAction.SHORTEN:
            cmd = self._command("shorten", app)
            return dict(commands.shorten(ctx, cmd, task.prompt_en, nonce))
        raise MjError(f"cannot build an interaction for {task.action}", task_id=task.id)

    def button(
        self, task: Task, message_id: str, message_flags: int, custom_id: str, nonce: str
    ) -> Payload:
        ctx = self.context(task.bot_type)
        return dict(commands.button(ctx, message_id, message_flags, custom_id, nonce))

    def modal(
        self, task: Task, modal_interaction_id: str, modal_custom_id: str, value: str, nonce: str
    ) -> Payload:
        """Answer an opened modal with ``value`` (``ValueError`` for an unknown modal)."""
        input_id = modal_input_id(modal_custom_id)
        ctx = self.context(task.bot_type)
        return dict(
            commands.modal_submit(
                ctx, modal_interaction_id, modal_custom_id, input_id, value, nonce
            )
        )

    def show(self, task: Task, job_id: str, nonce: str) -> Payload:
        """``/show <job>`` in the account's DM channel (image seed)."""
        ctx = self.context(task.bot_type, dm=True)
        cmd = self._command("show", ctx.application_id)
        return dict(commands.show(ctx, cmd, job_id, nonce))

    def command(self, name: str, nonce: str, bot: BotType = BotType.MID_JOURNEY) -> Payload:
        """An option-less command: info, fast, relax, turbo."""
        ctx = self.context(bot)
        cmd = self._command(name, ctx.application_id)
        return dict(commands.simple(ctx, cmd, nonce))
