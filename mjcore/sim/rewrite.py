"""How the Midjourney bot echoes a prompt (pure functions).

Rules reproduced: whitespace collapsed; every ``http(s)://`` link becomes
``<https://s.mj.run/XXXXXXXXXXX>`` (links already in that form stay); ``--v 7`` / ``--version 7``
gain ``.0`` (also 6); ``--niji 6`` is kept; parameters at their default value are dropped
(``--q 1``, ``--stylize 100``, ``--chaos 0``, ...); an em dash ``—`` is not a parameter marker, so
``—v 7`` stays exactly as written.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

SHORT_LINK_HOST = "https://s.mj.run/"
SHORT_LINK_LENGTH = 11
FILENAME_WORDS_MAX = 60

_LINK = re.compile(r"<?(https?://[^\s<>]+)>?")
_SHORT_LINK = re.compile(r"<https://s\.mj\.run/[A-Za-z0-9_-]+>")
_PARAM_START = re.compile(r"(?<!\S)--([A-Za-z][\w-]*)")
_NON_FILENAME = re.compile(r"[^A-Za-z0-9._-]")

KNOWN_PARAMS = frozenset(
    {
        "ar", "aspect", "v", "version", "niji", "q", "quality", "s", "stylize", "c", "chaos",
        "w", "weird", "seed", "sameseed", "stop", "style", "tile", "no", "iw", "cref", "cw",
        "sref", "sw", "sv", "p", "personalize", "profile", "r", "repeat", "fast", "relax",
        "turbo", "draft", "exp", "oref", "ow", "video", "motion", "raw", "hd", "zoom", "bs",
        "end", "loop", "public", "stealth", "creative", "test", "testp", "upbeta", "uplight",
        "upanime", "batch_size",
    }
)  # fmt: skip

# parameter (either spelling) -> value that Midjourney treats as the default and drops
DEFAULT_VALUES: dict[str, str] = {
    "q": "1",
    "quality": "1",
    "s": "100",
    "stylize": "100",
    "c": "0",
    "chaos": "0",
    "w": "0",
    "weird": "0",
    "ar": "1:1",
    "aspect": "1:1",
}
WHOLE_VERSIONS = frozenset({"6", "7"})
MODES = {"fast": "fast", "relax": "relaxed", "turbo": "turbo"}


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    value: str

    def render(self) -> str:
        return f"--{self.name} {self.value}" if self.value else f"--{self.name}"


@dataclass(frozen=True, slots=True)
class SplitPrompt:
    text: str
    params: tuple[Param, ...]


def short_link(url: str) -> str:
    """The ``s.mj.run`` link Midjourney shows for ``url`` (stable per URL)."""
    digest = hashlib.sha256(url.encode()).digest()
    code = base64.urlsafe_b64encode(digest).decode()[:SHORT_LINK_LENGTH]
    return f"<{SHORT_LINK_HOST}{code}>"


def split_prompt(prompt: str) -> SplitPrompt:
    """Split into the text part and ``--name value`` parameters, in order."""
    matches = list(_PARAM_START.finditer(prompt))
    if not matches:
        return SplitPrompt(prompt.strip(), ())
    text = prompt[: matches[0].start()].strip()
    params = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(prompt)
        value = " ".join(prompt[match.end() : end].split())
        params.append(Param(match.group(1), value))
    return SplitPrompt(text, tuple(params))


def unknown_params(prompt: str) -> list[str]:
    return [p.name for p in split_prompt(prompt).params if p.name.lower() not in KNOWN_PARAMS]


def _rewrite_links(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if _SHORT_LINK.fullmatch(whole):
            return whole
        return short_link(match.group(1))

    return _LINK.sub(replace, text)


def _normalise(param: Param) -> Param | None:
    name = param.name.lower()
    if DEFAULT_VALUES.get(name) == param.value:
        return None
    if name in ("v", "version") and param.value in WHOLE_VERSIONS:
        return Param(param.name, f"{param.value}.0")
    return param


def rewrite_prompt(prompt: str, *, suffix: str = "") -> str:
    """The prompt as the bot echoes it between ``**``."""
    collapsed = " ".join(prompt.split())
    split = split_prompt(_rewrite_links(collapsed))
    present = {p.name.lower() for p in split.params}
    extra = [p for p in split_prompt(suffix).params if p.name.lower() not in present]
    kept = [n for p in (*split.params, *extra) if (n := _normalise(p)) is not None]
    parts = [split.text] if split.text else []
    parts.extend(p.render() for p in kept)
    return " ".join(parts)


def param_value(prompt: str, *names: str) -> str | None:
    """Value of the last parameter named any of ``names``."""
    found = None
    wanted = {n.lower() for n in names}
    for param in split_prompt(prompt).params:
        if param.name.lower() in wanted:
            found = param.value
    return found


def aspect_ratio(prompt: str) -> tuple[int, int]:
    value = param_value(prompt, "ar", "aspect") or "1:1"
    match = re.fullmatch(r"(\d+):(\d+)", value.strip())
    if not match or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        return (1, 1)
    return (int(match.group(1)), int(match.group(2)))


def model_family(prompt: str, default: str = "7") -> str:
    """``"v7"``, ``"v6r1"``, ``"v6"`` or ``"v5"``: selects the upscaled-image buttons."""
    niji = param_value(prompt, "niji")
    version = param_value(prompt, "v", "version")
    raw = (niji if niji is not None else version) or default
    raw = raw.strip() or default
    if raw.startswith("7"):
        return "v7"
    if raw.startswith("6.1"):
        return "v6r1"
    if raw.startswith("6"):
        return "v6"
    return "v5"


def job_mode(prompt: str, default: str) -> str:
    """``fast`` / ``relaxed`` / ``turbo``: a ``--fast``/``--relax``/``--turbo`` flag wins."""
    mode = default
    for param in split_prompt(prompt).params:
        mode = MODES.get(param.name.lower(), mode)
    return mode


def filename_words(prompt: str) -> str:
    """Prompt words as they appear in result filenames (links and parameters removed)."""
    text = _SHORT_LINK.sub(" ", _rewrite_links(split_prompt(prompt).text))
    words = [w for w in (_NON_FILENAME.sub("", word) for word in text.split()) if w]
    kept: list[str] = []
    for word in words:
        if len("_".join([*kept, word])) > FILENAME_WORDS_MAX:
            break
        kept.append(word)
    return "_".join(kept)


def result_filename(username: str, prompt: str, job_id: str, extension: str = "png") -> str:
    """``<username>_<prompt words>_<job uuid>.png``."""
    user = _NON_FILENAME.sub("", username.replace(" ", "_"))
    return f"{user}_{filename_words(prompt)}_{job_id}.{extension}"
