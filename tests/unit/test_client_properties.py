"""Browser client properties derived from user agents (IDENTIFY and X-Super-Properties)."""

from __future__ import annotations

import base64
import json

import pytest

from mjcore.discord.properties import browser_of, client_properties, os_of, super_properties

CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/146.0.7680.165 Safari/537.36"
)
EDGE_WIN = CHROME_WIN + " Edg/146.0.3800.70"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.3 Safari/605.1.15"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/146.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.parametrize(
    ("ua", "browser", "version", "os"),
    [
        (CHROME_WIN, "Chrome", "146.0.7680.165", "Windows"),
        (EDGE_WIN, "Edge", "146.0.3800.70", "Windows"),
        (SAFARI_MAC, "Safari", "18.3", "Mac OS X"),
        (FIREFOX_LINUX, "Firefox", "128.0", "Linux"),
        (CHROME_ANDROID, "Chrome", "146.0.0.0", "Android"),
        ("curl/8.0", "Chrome", "", ""),
    ],
)
def test_browser_and_os_from_user_agent(ua, browser, version, os) -> None:
    assert browser_of(ua) == (browser, version)
    assert os_of(ua) == os


def test_super_properties_is_base64_json_of_the_properties() -> None:
    props = client_properties(SAFARI_MAC, locale="en-GB")
    decoded = json.loads(base64.b64decode(super_properties(props)))
    assert decoded == props
    assert decoded["system_locale"] == "en-GB"
    assert decoded["browser"] == "Safari"
