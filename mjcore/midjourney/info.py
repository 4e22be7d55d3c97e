"""``/info`` embeds: "**Key**: value" lines into a dict. Pure."""

from __future__ import annotations

import re

_LINE = re.compile(r"^\*\*(?P<key>[^*]+)\*\*:\s*(?P<value>.*)$")


def parse_info(description: str) -> dict[str, str]:
    """``{"Subscription": "...", "Job Mode": "Fast", "Fast Time Remaining": "...", ...}``."""
    info: dict[str, str] = {}
    for line in description.splitlines():
        found = _LINE.match(line.strip())
        if found:
            info[found["key"].strip()] = found["value"].strip()
    return info
