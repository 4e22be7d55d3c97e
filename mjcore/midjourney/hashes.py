"""Midjourney job ids ("message hashes") found in attachment URLs.

Every image Midjourney posts names its job uuid somewhere in the URL:

- final images ``<user>_<prompt words>_<uuid>.png`` (the stem after the last ``_``);
- progress previews ``<uuid>_grid_0.webp`` and steps ``<uuid>_<i>_step_<n>.jpeg``;
- ``<uuid>_0_0.png`` and ``<uuid>_0.mp4`` (videos);
- ``https://cdn.midjourney.com/<uuid>/0_0.png`` (the uuid is a directory).

Signed CDN query strings (``?ex=…&is=…&hm=…&``) are ignored.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = ["UUID_RE", "find_uuid", "job_id_from_url"]

UUID_RE = re.compile(
    r"(?<![0-9a-fA-F])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?![0-9a-fA-F])"
)
# ``http(s)://<netloc><path>?<query>#<fragment>``: the path of the plain URLs Discord sends,
# read without the general parser (which ``_path`` falls back to for anything unusual)
_HTTP_URL_RE = re.compile(r"https?://(?P<netloc>[^/?#]*)(?P<path>[^?#]*)")


def find_uuid(text: str) -> str | None:
    """The first uuid in ``text``, lower-cased."""
    found = UUID_RE.search(text)
    return found.group(0).lower() if found else None


def job_id_from_url(url: str) -> str | None:
    """The Midjourney job uuid an image URL names, or ``None`` when it names none.

    The file name wins over the directories (the last uuid in it, as ``<user>_<prompt>_<uuid>``
    ends with it); a uuid directory (``cdn.midjourney.com/<uuid>/0_0.png``) is the fallback.
    """
    if not url:
        return None
    path = unquote(_path(url))
    directory, _, filename = path.rpartition("/")
    in_name = UUID_RE.findall(filename)
    if in_name:
        return str(in_name[-1]).lower()
    in_dirs = UUID_RE.findall(directory)
    if in_dirs:
        return str(in_dirs[-1]).lower()
    return None


def _path(url: str) -> str:
    """``urlsplit(url).path``; plain ASCII http(s) URLs take a single regex match."""
    plain = _HTTP_URL_RE.match(url)
    if plain is not None:
        netloc = plain["netloc"]
        if (
            netloc.isascii()
            and "[" not in netloc
            and "]" not in netloc
            and "\t" not in url  # urlsplit drops tabs and line breaks anywhere in a URL
            and "\r" not in url
            and "\n" not in url
        ):
            return plain["path"]
    try:
        return urlsplit(url).path
    except ValueError:  # e.g. an unbalanced "[" in the host: a URL that names nothing
        return ""
