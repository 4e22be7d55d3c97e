"""Client properties (IDENTIFY ``properties``, ``X-Super-Properties``) derived from a browser UA."""

from __future__ import annotations

import base64
import json
import re

from mjcore.discord.payloads import ClientProperties

# Web client build sent in IDENTIFY; Discord accepts stale builds, recent ones look like a browser.
CLIENT_BUILD_NUMBER = 397417
REFERER = "https://www.midjourney.com"
REFERRING_DOMAIN = "www.midjourney.com"

# (browser name, UA token carrying its version), checked in order: Edge and Opera also say Chrome,
# Chrome also says Safari.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/([\d.]+)")),
    ("Opera", re.compile(r"\bOPR/([\d.]+)")),
    ("Firefox", re.compile(r"\bFirefox/([\d.]+)")),
    ("Chrome", re.compile(r"\b(?:Chrome|CriOS)/([\d.]+)")),
    ("Safari", re.compile(r"\bVersion/([\d.]+).*\bSafari/")),
)
_OPERATING_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Android", "Android"),
    ("Mac OS X", "Mac OS X"),
    ("Macintosh", "Mac OS X"),
    ("CrOS", "Chrome OS"),
    ("Linux", "Linux"),
)
_DEFAULT_BROWSER = "Chrome"


def browser_of(user_agent: str) -> tuple[str, str]:
    """``(browser, version)`` named in a UA; an unknown UA counts as Chrome without a version."""
    for name, pattern in _BROWSERS:
        match = pattern.search(user_agent)
        if match:
            return name, match.group(1)
    return _DEFAULT_BROWSER, ""


def os_of(user_agent: str) -> str:
    """Operating system named in a UA string, ``""`` when unknown."""
    for token, name in _OPERATING_SYSTEMS:
        if token in user_agent:
            return name
    return ""


def client_properties(
    user_agent: str, *, locale: str, build_number: int = CLIENT_BUILD_NUMBER
) -> ClientProperties:
    """The ``properties`` a browser session on discord.com sends for this UA."""
    browser, version = browser_of(user_agent)
    return {
        "browser": browser,
        "browser_user_agent": user_agent,
        "browser_version": version,
        "client_build_number": build_number,
        "client_event_source": None,
        "device": "",
        "os": os_of(user_agent),
        "referer": REFERER,
        "referrer_current": "",
        "referring_domain": REFERRING_DOMAIN,
        "referring_domain_current": "",
        "release_channel": "stable",
        "system_locale": locale,
    }


def super_properties(properties: ClientProperties) -> str:
    """``X-Super-Properties`` header value: base64 of the compact JSON properties."""
    raw = json.dumps(properties, separators=(",", ":")).encode()
    return base64.b64encode(raw).decode("ascii")
