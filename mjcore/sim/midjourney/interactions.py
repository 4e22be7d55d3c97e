"""Interactions as the bot receives them (validated ``POST /interactions``) and open modals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mjcore.sim.commands import CommandSpec
from mjcore.sim.gateway import GatewaySession
from mjcore.sim.midjourney.records import JobRecord
from mjcore.sim.state import Json, SimState, StoredMessage, UserRecord

INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_MODAL_SUBMIT = 5


@dataclass(frozen=True, slots=True)
class InteractionRequest:
    """A validated ``POST /interactions`` as the bot receives it."""

    interaction_id: str
    type: int
    nonce: str | None
    user: UserRecord
    channel_id: str
    guild_id: str | None
    application_id: str
    session_id: str | None
    data: Json
    targets: tuple[GatewaySession, ...]
    command: CommandSpec | None = None
    message: StoredMessage | None = None  # the message whose button was pressed
    modal: OpenModal | None = None  # the modal being submitted


@dataclass(slots=True)
class OpenModal:
    """A modal (or the Vary Region iframe) the bot showed and still waits for."""

    interaction_id: str
    user_id: str
    custom_id: str
    kind: str  # "remix", "reroll", "pan", "zoom", "picreader", "imagine", "inpaint"
    source: StoredMessage
    opener: InteractionRequest
    job: JobRecord | None = None
    index: int = 1
    extra: str = ""

    @classmethod
    def opened_by(
        cls,
        req: InteractionRequest,
        source: StoredMessage,
        kind: str,
        custom_id: str,
        job: JobRecord | None,
        *,
        index: int = 1,
        extra: str = "",
    ) -> OpenModal:
        return cls(
            interaction_id=req.interaction_id,
            user_id=req.user.user_id,
            custom_id=custom_id,
            kind=kind,
            source=source,
            opener=req,
            job=job,
            index=index,
            extra=extra,
        )


def option(req: InteractionRequest, name: str) -> Any:
    """The value of the slash-command option ``name``, or None."""
    for item in req.data.get("options", []) or []:
        if isinstance(item, dict) and item.get("name") == name:
            return item.get("value")
    return None


def command_name(req: InteractionRequest) -> str:
    """The command name as Midjourney echoes it (``prefer remix`` for subcommands)."""
    assert req.command is not None
    if req.command.name == "prefer":
        sub = next((o.get("name") for o in req.data.get("options", []) if isinstance(o, dict)), "")
        return f"prefer {sub}".strip()
    return req.command.name


def source_message(req: InteractionRequest) -> StoredMessage | None:
    """The message a button or modal answer refers to (None for slash commands)."""
    if req.message is not None:
        return req.message
    if req.modal is not None:
        return req.modal.source
    return None


def attached_files(state: SimState, req: InteractionRequest) -> dict[str, bytes]:
    """Uploaded attachment bytes by attachment id."""
    found: dict[str, bytes] = {}
    for attachment in req.data.get("attachments", []) or []:
        upload = state.uploads.get(str(attachment.get("uploaded_filename", "")))
        if upload is not None and upload.data is not None:
            found[str(attachment.get("id"))] = upload.data
    return found


def submitted_prompt(req: InteractionRequest) -> str:
    """The first text field of a modal submission, stripped."""
    values: dict[str, str] = {}
    for container in req.data.get("components", []) or []:
        for component in container.get("components", []) or []:
            if isinstance(component, dict) and "custom_id" in component:
                values[str(component["custom_id"])] = str(component.get("value", ""))
    return next(iter(values.values()), "").strip()
