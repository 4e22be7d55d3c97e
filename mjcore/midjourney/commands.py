"""Interaction payloads for ``POST /interactions`` and the slash-command index they need.

Shapes are the ones real clients send (user-account API v9):

- type 2 (application command): ``/imagine``, ``/describe``, ``/blend``, ``/shorten``, ``/show``,
  ``/info``, ``/fast``, ``/relax``, ``/turbo``, ``/settings``;
- type 3 (message component): pressing a button (``message_flags`` = the flags of the message
  carrying it, 64 for ephemeral ones);
- type 5 (modal submit): ``data.id`` = the id of the interaction that opened the modal.

Every payload carries a fresh ``nonce`` and the real gateway ``session_id``: Discord routes the
``INTERACTION_*`` events and ephemeral replies only to the session named in the request.

Command ids and versions are data: Midjourney re-publishes its commands now and then and a stale
version fails with 50035 ``INTERACTION_APPLICATION_COMMAND_INVALID_VERSION``. ``CommandIndex``
starts from the last known table and is refreshed from ``GET …/application-command-index``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, NotRequired, TypedDict

from mjcore.midjourney.bots import MJ_BOT_ID, NIJI_BOT_ID, application_id_for
from mjcore.models import BotType

__all__ = [
    "BLEND_DIMENSIONS",
    "AttachmentRef",
    "Command",
    "CommandData",
    "CommandIndex",
    "CommandInteraction",
    "CommandOption",
    "ComponentData",
    "ComponentInteraction",
    "InteractionContext",
    "ModalData",
    "ModalSubmitInteraction",
    "blend",
    "button",
    "describe",
    "describe_link",
    "imagine",
    "modal_submit",
    "shorten",
    "show",
    "simple",
]

# interaction types
APPLICATION_COMMAND: Final = 2
MESSAGE_COMPONENT: Final = 3
MODAL_SUBMIT: Final = 5
# application command / option / component types
CHAT_INPUT = 1
OPTION_STRING = 3
OPTION_ATTACHMENT = 11
COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
COMPONENT_TEXT_INPUT = 4

ANALYTICS_SLASH_UI = "slash_ui"
_SLASH_UI_COMMANDS = frozenset({"info", "settings", "show"})
SIMPLE_COMMANDS = frozenset({"info", "fast", "relax", "turbo", "settings"})
BLEND_DIMENSIONS = ("--ar 2:3", "--ar 1:1", "--ar 3:2")  # portrait, square, landscape
BLEND_MIN_IMAGES = 2
BLEND_MAX_IMAGES = 5


# --- payload shapes ------------------------------------------------------------------------------


class AttachmentRef(TypedDict):
    id: str
    filename: str
    uploaded_filename: str


class CommandOption(TypedDict):
    type: int
    name: str
    value: str | int


class CommandData(TypedDict):
    version: str
    id: str
    name: str
    type: int
    options: list[CommandOption]
    attachments: list[AttachmentRef]


class CommandInteraction(TypedDict):
    type: Literal[2]
    application_id: str
    guild_id: NotRequired[str]
    channel_id: str
    session_id: str
    nonce: str
    data: CommandData
    analytics_location: NotRequired[str]


class ComponentData(TypedDict):
    component_type: int
    custom_id: str


class ComponentInteraction(TypedDict):
    type: Literal[3]
    application_id: str
    guild_id: NotRequired[str]
    channel_id: str
    message_id: str
    message_flags: int
    session_id: str
    nonce: str
    data: ComponentData


class TextInputValue(TypedDict):
    type: int
    custom_id: str
    value: str


class TextInputRow(TypedDict):
    type: int
    components: list[TextInputValue]


class ModalData(TypedDict):
    id: str
    custom_id: str
    components: list[TextInputRow]


class ModalSubmitInteraction(TypedDict):
    type: Literal[5]
    application_id: str
    guild_id: NotRequired[str]
    channel_id: str
    session_id: str
    nonce: str
    data: ModalData


# --- command index -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Command:
    """One slash command of one bot, as ``/interactions`` needs it."""

    id: str
    version: str
    application_id: str
    name: str


# Last known ids/versions (command index captured 2024-08; Niji 2024-06; settings 2026-04).
_DEFAULT_COMMANDS = {
    MJ_BOT_ID: (
        ("imagine", "938956540159881230", "1237876415471554623"),
        ("blend", "1062880104792997970", "1237876415471554624"),
        ("describe", "1092492867185950852", "1237876415471554625"),
        ("shorten", "1121575372539039774", "1247736572414001223"),
        ("show", "1169435442328911902", "1247736572414001224"),
        ("info", "972289487818334209", "1237876415735660565"),
        ("settings", "1000850743479255081", "1493662068581077053"),
        ("fast", "972289487818334212", "1237876415735660572"),
        ("relax", "972289487818334213", "1237876415735660573"),
        ("turbo", "1124132684143271996", "1237876415790055474"),
        ("prefer", "984273800587776053", "1237876415790055476"),
        ("stealth", "1065569343456419860", "1259937291770658936"),
        ("public", "972289487818334211", "1237876415735660571"),
    ),
    NIJI_BOT_ID: (
        ("imagine", "1023054140580057099", "1248805223892254774"),
        ("blend", "1061216934374424697", "1248805223892254775"),
        ("describe", "1092683500743831652", "1248805223892254776"),
        ("shorten", "1121575453916942376", "1248805223892254777"),
        ("show", "1023054140580057101", "1248805223892254781"),
        ("info", "1023054140580057102", "1248805223892254782"),
        ("settings", "1023054140634579025", "1493662157915684906"),
        ("fast", "1023054140580057107", "1248805223925940261"),
        ("relax", "1023054140634579024", "1248805223925940262"),
    ),
}


class CommandIndex:
    """Slash commands by ``(application id, name)``. Immutable; ``merged`` builds a new one."""

    __slots__ = ("_commands",)

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: Mapping[tuple[str, str], Command] = MappingProxyType(
            {(c.application_id, c.name): c for c in commands}
        )

    @classmethod
    def default(cls, bot: BotType | None = None) -> CommandIndex:
        """The built-in table for ``bot`` (both bots when ``None``)."""
        app_ids = list(_DEFAULT_COMMANDS) if bot is None else [application_id_for(bot)]
        return cls(
            Command(command_id, version, app_id, name)
            for app_id in app_ids
            for name, command_id, version in _DEFAULT_COMMANDS[app_id]
        )

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> CommandIndex:
        """Parse an ``application-command-index`` answer (``application_commands[]``).

        Entries without id, version, name or application id are skipped; when one bot has two
        commands of the same name, the slash command (type 1) wins over menu commands.
        """
        found: dict[tuple[str, str], tuple[bool, Command]] = {}
        for raw in data.get("application_commands") or ():
            if not isinstance(raw, Mapping):
                continue
            fields = [raw.get(k) for k in ("id", "version", "application_id", "name")]
            if not all(isinstance(f, str) and f for f in fields):
                continue
            command = Command(*(str(f) for f in fields))
            is_slash = raw.get("type", CHAT_INPUT) == CHAT_INPUT
            key = (command.application_id, command.name)
            if key not in found or (is_slash and not found[key][0]):
                found[key] = (is_slash, command)
        return cls(command for _, command in found.values())

    def get(self, name: str, application_id: str = MJ_BOT_ID) -> Command | None:
        return self._commands.get((application_id, name))

    def require(self, name: str, application_id: str = MJ_BOT_ID) -> Command:
        """The command, or ``KeyError`` naming what is missing."""
        command = self.get(name, application_id)
        if command is None:
            raise KeyError(f"no command {name!r} for application {application_id}")
        return command

    def merged(self, newer: CommandIndex) -> CommandIndex:
        """This index with every command of ``newer`` replacing its namesake."""
        return CommandIndex([*self, *newer])

    def for_application(self, application_id: str) -> dict[str, Command]:
        return {c.name: c for c in self if c.application_id == application_id}

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CommandIndex):
            return NotImplemented
        return dict(self._commands) == dict(other._commands)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CommandIndex({len(self)} commands)"


# --- builders ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InteractionContext:
    """Where an interaction is sent from: the account's channel and live gateway session.

    ``guild_id`` is ``None`` in a DM channel (the payload then has no ``guild_id``).
    """

    guild_id: str | None
    channel_id: str
    session_id: str
    application_id: str = MJ_BOT_ID

    def __post_init__(self) -> None:
        if not self.session_id:
            raise ValueError("an interaction needs the gateway session_id")
        if not self.channel_id:
            raise ValueError("an interaction needs a channel_id")


def imagine(ctx: InteractionContext, cmd: Command, prompt: str, nonce: str) -> CommandInteraction:
    return _command(ctx, cmd, nonce, [_string("prompt", prompt)])


def describe(
    ctx: InteractionContext, cmd: Command, uploaded_filename: str, filename: str, nonce: str
) -> CommandInteraction:
    """``/describe`` of an image uploaded with the cloud-upload flow."""
    attachment = AttachmentRef(id="0", filename=filename, uploaded_filename=uploaded_filename)
    option = CommandOption(type=OPTION_ATTACHMENT, name="image", value=0)
    return _command(ctx, cmd, nonce, [option], [attachment])


def describe_link(
    ctx: InteractionContext, cmd: Command, link: str, nonce: str
) -> CommandInteraction:
    """``/describe`` of an image URL."""
    return _command(ctx, cmd, nonce, [_string("link", link)])


def blend(
    ctx: InteractionContext,
    cmd: Command,
    uploads: Sequence[tuple[str, str]],
    dimensions: str,
    nonce: str,
) -> CommandInteraction:
    """``/blend`` of 2–5 uploaded images given as ``(filename, uploaded_filename)`` pairs."""
    if not BLEND_MIN_IMAGES <= len(uploads) <= BLEND_MAX_IMAGES:
        raise ValueError(f"blend takes {BLEND_MIN_IMAGES} to {BLEND_MAX_IMAGES} images")
    if dimensions not in BLEND_DIMENSIONS:
        raise ValueError(f"blend dimensions must be one of {BLEND_DIMENSIONS}")
    attachments = [
        AttachmentRef(id=str(i), filename=filename, uploaded_filename=uploaded)
        for i, (filename, uploaded) in enumerate(uploads)
    ]
    options = [
        CommandOption(type=OPTION_ATTACHMENT, name=f"image{i + 1}", value=i)
        for i in range(len(uploads))
    ]
    options.append(_string("dimensions", dimensions))
    return _command(ctx, cmd, nonce, options, attachments)


def shorten(ctx: InteractionContext, cmd: Command, prompt: str, nonce: str) -> CommandInteraction:
    return _command(ctx, cmd, nonce, [_string("prompt", prompt)])


def show(
    ctx: InteractionContext, cmd: Command, job_id: str, nonce: str, *, in_dm: bool = True
) -> CommandInteraction:
    """``/show <job uuid>``; sent in the DM channel with the bot (no ``guild_id``) by default."""
    payload = _command(ctx, cmd, nonce, [_string("job_id", job_id)])
    if in_dm:
        payload.pop("guild_id", None)
    return payload


def simple(ctx: InteractionContext, cmd: Command, nonce: str) -> CommandInteraction:
    """A command without options: ``/info``, ``/fast``, ``/relax``, ``/turbo``, ``/settings``."""
    if cmd.name not in SIMPLE_COMMANDS:
        raise ValueError(f"/{cmd.name} is not a command without options")
    return _command(ctx, cmd, nonce, [])


def button(
    ctx: InteractionContext, message_id: str, message_flags: int, custom_id: str, nonce: str
) -> ComponentInteraction:
    """Press button ``custom_id`` on message ``message_id`` (whose flags are ``message_flags``)."""
    _check_nonce(nonce)
    payload = ComponentInteraction(
        type=MESSAGE_COMPONENT,
        application_id=ctx.application_id,
        channel_id=ctx.channel_id,
        message_id=message_id,
        message_flags=message_flags,
        session_id=ctx.session_id,
        nonce=nonce,
        data=ComponentData(component_type=COMPONENT_BUTTON, custom_id=custom_id),
    )
    if ctx.guild_id is not None:
        payload["guild_id"] = ctx.guild_id
    return payload


def modal_submit(
    ctx: InteractionContext,
    modal_interaction_id: str,
    modal_custom_id: str,
    input_custom_id: str,
    value: str,
    nonce: str,
) -> ModalSubmitInteraction:
    """Submit a modal (remix, custom zoom, describe/shorten → imagine) with one text value."""
    _check_nonce(nonce)
    text_input = TextInputValue(type=COMPONENT_TEXT_INPUT, custom_id=input_custom_id, value=value)
    payload = ModalSubmitInteraction(
        type=MODAL_SUBMIT,
        application_id=ctx.application_id,
        channel_id=ctx.channel_id,
        session_id=ctx.session_id,
        nonce=nonce,
        data=ModalData(
            id=modal_interaction_id,
            custom_id=modal_custom_id,
            components=[TextInputRow(type=COMPONENT_ACTION_ROW, components=[text_input])],
        ),
    )
    if ctx.guild_id is not None:
        payload["guild_id"] = ctx.guild_id
    return payload


def _string(name: str, value: str) -> CommandOption:
    return CommandOption(type=OPTION_STRING, name=name, value=value)


def _command(
    ctx: InteractionContext,
    cmd: Command,
    nonce: str,
    options: list[CommandOption],
    attachments: list[AttachmentRef] | None = None,
) -> CommandInteraction:
    _check_nonce(nonce)
    if cmd.application_id != ctx.application_id:
        raise ValueError(
            f"/{cmd.name} belongs to application {cmd.application_id}, "
            f"the interaction is for {ctx.application_id}"
        )
    payload = CommandInteraction(
        type=APPLICATION_COMMAND,
        application_id=ctx.application_id,
        channel_id=ctx.channel_id,
        session_id=ctx.session_id,
        nonce=nonce,
        data=CommandData(
            version=cmd.version,
            id=cmd.id,
            name=cmd.name,
            type=CHAT_INPUT,
            options=options,
            attachments=attachments or [],
        ),
    )
    if ctx.guild_id is not None:
        payload["guild_id"] = ctx.guild_id
    if cmd.name in _SLASH_UI_COMMANDS:
        payload["analytics_location"] = ANALYTICS_SLASH_UI
    return payload


def _check_nonce(nonce: str) -> None:
    if not nonce:
        raise ValueError("an interaction needs a nonce")
