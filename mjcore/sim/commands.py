"""The Midjourney and Niji slash-command table (ids and versions as captured in 2024-2026).

``rotate()`` gives every command a new version, as Midjourney does when it re-publishes its
commands; requests with an old version then get 400 / 50035 INVALID_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass

from mjcore.sim.state import (
    MJ_APPLICATION_ID,
    MJ_BOT_AVATAR,
    MJ_BOT_USER,
    NIJI_APPLICATION_ID,
    NIJI_BOT_USER,
    Json,
    SnowflakeGenerator,
)

OPTION_SUB_COMMAND = 1
OPTION_STRING = 3
OPTION_ATTACHMENT = 11
COMMAND_CHAT_INPUT = 1


@dataclass(slots=True)
class CommandSpec:
    name: str
    command_id: str
    version: str
    application_id: str
    description: str
    options: list[Json]
    popularity: int

    def payload(self) -> Json:
        return {
            "id": self.command_id,
            "type": COMMAND_CHAT_INPUT,
            "application_id": self.application_id,
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "dm_permission": True,
            "contexts": [0, 1, 2],
            "integration_types": [0, 1],
            "global_popularity_rank": self.popularity,
            "options": self.options,
            "description_localized": self.description,
            "name_localized": self.name,
        }


def _opt(kind: int, name: str, description: str, *, required: bool = False) -> Json:
    option: Json = {"type": kind, "name": name, "description": description}
    if required:
        option["required"] = True
    return option


_PROMPT = [_opt(OPTION_STRING, "prompt", "The prompt to imagine", required=True)]
_BLEND = [
    _opt(OPTION_ATTACHMENT, "image1", "First image to add to the blend", required=True),
    _opt(OPTION_ATTACHMENT, "image2", "Second image to add to the blend", required=True),
    _opt(
        OPTION_STRING,
        "dimensions",
        "The dimensions of the image. If not specified, the image will be square.",
    ),
    _opt(OPTION_ATTACHMENT, "image3", "Third image to add to the blend (optional)"),
    _opt(OPTION_ATTACHMENT, "image4", "Fourth image to add to the blend (optional)"),
    _opt(OPTION_ATTACHMENT, "image5", "Fifth image to add to the blend (optional)"),
]
_DESCRIBE = [
    _opt(OPTION_ATTACHMENT, "image", "The image to describe"),
    _opt(OPTION_STRING, "link", "The link to the image to describe"),
]
_SHORTEN = [_opt(OPTION_STRING, "prompt", "The prompt to shorten", required=True)]
_SHOW = [_opt(OPTION_STRING, "job_id", "The job ID of the job you want to show", required=True)]
_PREFER = [
    {
        "type": OPTION_SUB_COMMAND,
        "name": "remix",
        "description": "Toggle remix mode.",
        "options": [],
    },
]

# name, id, version, description, options, popularity
_MJ_COMMANDS: tuple[tuple[str, str, str, str, list[Json], int], ...] = (
    (
        "imagine",
        "938956540159881230",
        "1237876415471554623",
        "Create images with Midjourney",
        _PROMPT,
        1,
    ),
    (
        "blend",
        "1062880104792997970",
        "1237876415471554624",
        "Blend images together seamlessly!",
        _BLEND,
        5,
    ),
    (
        "describe",
        "1092492867185950852",
        "1237876415471554625",
        "Writes a prompt based on your image.",
        _DESCRIBE,
        3,
    ),
    (
        "info",
        "972289487818334209",
        "1237876415735660565",
        "View information about your profile.",
        [],
        4,
    ),
    ("fast", "972289487818334212", "1237876415735660572", "Switch to fast mode", [], 8),
    ("relax", "972289487818334213", "1237876415735660573", "Switch to relax mode", [], 7),
    ("turbo", "1124132684143271996", "1237876415790055474", "Switch to turbo mode", [], 12),
    (
        "settings",
        "1000850743479255081",
        "1493662068581077053",
        "View and adjust your personal settings.",
        [],
        2,
    ),
    (
        "shorten",
        "1121575372539039774",
        "1247736572414001223",
        "Analyzes and shortens a prompt.",
        _SHORTEN,
        9,
    ),
    (
        "show",
        "1169435442328911902",
        "1247736572414001224",
        "Shows the job view based on job id.",
        _SHOW,
        10,
    ),
    ("prefer", "984273800587776053", "1237876415790055476", "Set your preferences.", _PREFER, 11),
    ("stealth", "1065569343456419860", "1259937291770658936", "Switch to stealth mode", [], 14),
    ("public", "972289487818334211", "1237876415735660571", "Switch to public mode", [], 15),
)
_NIJI_COMMANDS: tuple[tuple[str, str, str, str, list[Json], int], ...] = (
    (
        "imagine",
        "1023054140580057099",
        "1248805223892254774",
        "Create images with niji・journey",
        _PROMPT,
        1,
    ),
    (
        "blend",
        "1061216934374424697",
        "1248805223892254775",
        "Blend images together seamlessly!",
        _BLEND,
        5,
    ),
    (
        "describe",
        "1092683500743831652",
        "1248805223892254776",
        "Writes a prompt based on your image.",
        _DESCRIBE,
        3,
    ),
    (
        "shorten",
        "1121575453916942376",
        "1248805223892254777",
        "Analyzes and shortens a prompt.",
        _SHORTEN,
        9,
    ),
    (
        "show",
        "1023054140580057101",
        "1248805223892254781",
        "Shows the job view based on job id.",
        _SHOW,
        10,
    ),
    (
        "info",
        "1023054140580057102",
        "1248805223892254782",
        "View information about your profile.",
        [],
        4,
    ),
    ("fast", "1023054140580057107", "1248805223925940261", "Switch to fast mode", [], 8),
    ("relax", "1023054140634579024", "1248805223925940262", "Switch to relax mode", [], 7),
    (
        "settings",
        "1023054140634579025",
        "1493662157915684906",
        "View and adjust your personal settings.",
        [],
        2,
    ),
)


def _application(bot_user: Json, name: str) -> Json:
    return {
        "id": bot_user["id"],
        "name": name,
        "description": "",
        "icon": MJ_BOT_AVATAR,
        "flags": 0,
        "bot_public": True,
        "bot": {k: bot_user[k] for k in ("id", "username", "discriminator", "public_flags", "bot")},
    }


class CommandTable:
    def __init__(self, snowflakes: SnowflakeGenerator) -> None:
        self._snowflakes = snowflakes
        self.commands: list[CommandSpec] = [
            CommandSpec(name, cid, version, app, desc, opts, rank)
            for app, table in (
                (MJ_APPLICATION_ID, _MJ_COMMANDS),
                (NIJI_APPLICATION_ID, _NIJI_COMMANDS),
            )
            for name, cid, version, desc, opts, rank in table
        ]
        self.index_version = snowflakes.next()

    def by_id(self, command_id: str, application_id: str) -> CommandSpec | None:
        for spec in self.commands:
            if spec.command_id == command_id and spec.application_id == application_id:
                return spec
        return None

    def by_name(self, name: str, application_id: str = MJ_APPLICATION_ID) -> CommandSpec:
        for spec in self.commands:
            if spec.name == name and spec.application_id == application_id:
                return spec
        raise KeyError(name)

    def rotate(self) -> None:
        for spec in self.commands:
            spec.version = self._snowflakes.next()
        self.index_version = self._snowflakes.next()

    def index(self, application_id: str | None = None) -> Json:
        apps = [
            _application(MJ_BOT_USER, "Midjourney Bot"),
            _application(NIJI_BOT_USER, "niji・journey Bot"),
        ]
        wanted = [s for s in self.commands if application_id in (None, s.application_id)]
        return {
            "applications": [a for a in apps if application_id in (None, a["id"])],
            "application_commands": [s.payload() for s in wanted],
            "version": self.index_version,
        }
