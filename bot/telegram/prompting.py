"""Pure prompt helpers: user preferences as ``--params``, blend dimensions from a caption."""

from __future__ import annotations

import re

from bot.telegram.users import UserProfile
from mjcore.translate.prompt import normalize_dashes

_PARAM_RE = re.compile(r"(?:^|\s)--([A-Za-z]+)")
_ASPECT_PARAMS = frozenset({"ar", "aspect"})
_VERSION_PARAMS = frozenset({"v", "version", "niji"})
_STYLIZE_PARAMS = frozenset({"s", "stylize"})
_SPEED_PARAMS = frozenset({"fast", "relax", "turbo"})
_NIJI = "niji"
BLEND_WORDS = {
    "portrait": "PORTRAIT",
    "2:3": "PORTRAIT",
    "square": "SQUARE",
    "1:1": "SQUARE",
    "landscape": "LANDSCAPE",
    "3:2": "LANDSCAPE",
}
DEFAULT_BLEND = "SQUARE"


def params_in(prompt: str) -> set[str]:
    """Names of the ``--params`` a prompt already has (phone dashes repaired first)."""
    return {name.lower() for name in _PARAM_RE.findall(normalize_dashes(prompt))}


def with_preferences(prompt: str, profile: UserProfile, *, default_speed: str = "") -> str:
    """``prompt`` with the user's settings appended, except where the prompt sets them itself."""
    present = params_in(prompt)
    extra: list[str] = []
    if profile.aspect and not present & _ASPECT_PARAMS:
        extra.append(f"--ar {profile.aspect}")
    if profile.version and not present & _VERSION_PARAMS:
        if profile.version.startswith(_NIJI):
            extra.append(f"--{profile.version}")
        else:
            extra.append(f"--v {profile.version}")
    if profile.stylize and not present & _STYLIZE_PARAMS:
        extra.append(f"--s {profile.stylize}")
    speed = profile.speed or default_speed
    if speed and not present & _SPEED_PARAMS:
        extra.append(f"--{speed}")
    return " ".join([prompt.strip(), *extra])


def blend_dimensions(args: str | None) -> str:
    """``/blend portrait`` → ``PORTRAIT``; anything unknown → square."""
    word = (args or "").strip().lower()
    return BLEND_WORDS.get(word, DEFAULT_BLEND)
