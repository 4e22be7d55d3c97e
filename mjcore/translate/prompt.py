"""Prompt preparation: dash repair, URL / text / ``--params`` splitting, translation.

A Midjourney prompt has three parts, in this order::

    <image URLs...> <text> <--param value ...>

Only the text (and the values of ``--no``) is natural language. URLs and other parameters must
reach Midjourney byte for byte, so they are never handed to a translator.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from mjcore.translate.base import Translator

log = logging.getLogger(__name__)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
# CJK symbols and punctuation, full-width forms (``，``, ``：``, ``－``).
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
# Han ideographs, CJK symbols/punctuation and full-width forms: text after which an IME user
# writes a parameter without a space (``一只猫——ar 16:9``).
# The full-width hyphen (U+FF0D) is left out: it is one of the dashes.
_CJK_CONTEXT = f"{_HAN}\u3000-\u303f\uff01-\uff0c\uff0e-\uffef"

# Dash look-alikes produced by phone keyboards ("smart punctuation") and Chinese IMEs.
_UNICODE_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_MAX_DASH_RUN = 3

# Parameter names Midjourney understands (current and retired). Only a dash run followed by
# one of these is rewritten, so prose such as "—nothing" or "—now" is left alone.
MJ_PARAMETERS = frozenset(
    {
        "ar", "aspect", "bs", "c", "chaos", "cref", "creative", "cw", "draft", "end", "exp",
        "fast", "hd", "iw", "loop", "motion", "niji", "no", "oref", "ow", "p", "personalize",
        "profile", "public", "q", "quality", "r", "raw", "relax", "repeat", "s", "sameseed",
        "seed", "sref", "stealth", "stop", "style", "stylize", "sv", "sw", "test", "testp",
        "tile", "turbo", "upanime", "upbeta", "uplight", "v", "version", "video", "w", "weird",
        "zoom",
    }
)  # fmt: skip

_DASH_PARAM_RE = re.compile(
    rf"(?:^|(?<=\s)|(?<=[{_CJK_CONTEXT}]))"
    rf"(?P<dashes>[-{_UNICODE_DASHES}]{{1,{_MAX_DASH_RUN}}})"
    r"(?P<name>[A-Za-z]+)(?![A-Za-z0-9_])"
)

# Start of the parameter tail: ``--name`` at the start of the prompt or after whitespace.
_PARAMS_START_RE = re.compile(r"(?:^|(?<=\s))--[A-Za-z]")
# A leading image URL, optionally in Discord's ``<...>`` embed-suppressing brackets.
# The host may be an internationalised name; the path ends where CJK text is glued to it.
# The host may be an internationalised name; the path ends where CJK text is glued to it
# (``https://x/a.png猫``), otherwise a URL ends at whitespace.
_URL_TOKEN_RE = re.compile(
    rf"(?:<https?://[^\s>]+>|https?://[^\s/?#<>]+(?:[/?#][^\s{_HAN}{_CJK_PUNCT}]*)?)"
    rf"(?=\s|$|[{_HAN}{_CJK_PUNCT}])",
    re.IGNORECASE,
)
# The value of one ``--no``: everything up to the next ``--name`` or the end of the tail.
_NO_VALUE_RE = re.compile(
    r"(?:^|(?<=\s))--no\s+(?!--[A-Za-z])(?P<value>\S(?:.*?\S)??)(?=\s+--[A-Za-z]|\s*\Z)",
    re.IGNORECASE | re.DOTALL,
)
# Multi-prompt separators and weights (``cat::2 dog::-0.5``) stay out of translation.
_WEIGHT_RE = re.compile(r"::-?(?:\d+(?:\.\d*)?|\.\d+)?")


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains at least one Han ideograph."""
    return _HAN_RE.search(text) is not None


def normalize_dashes(prompt: str) -> str:
    """Turn phone/IME dash look-alikes in front of a parameter name back into ``--``.

    ``cat —ar 16:9 –v 7`` becomes ``cat --ar 16:9 --v 7`` and ``一只猫——ar 16:9`` becomes
    ``一只猫 --ar 16:9``. Dashes inside words (``well—known``), dashes in prose (``cat — no``)
    and dashes before unknown names (``—nothing``) are left as they are.
    """

    def repair(match: re.Match[str]) -> str:
        dashes, name = match["dashes"], match["name"]
        if name.lower() not in MJ_PARAMETERS:
            return match[0]
        ascii_only = set(dashes) == {"-"}
        start = match.start()
        after_cjk = start > 0 and not prompt[start - 1].isspace()
        if ascii_only and (len(dashes) != 2 or not after_cjk):
            return match[0]
        separator = " " if after_cjk else ""
        return f"{separator}--{name}"

    return _DASH_PARAM_RE.sub(repair, prompt)


@dataclass(frozen=True, slots=True)
class PromptParts:
    """A prompt cut into leading image URLs, free text and the ``--params`` tail.

    ``urls`` are kept as written (including ``<...>`` brackets); ``params`` starts with ``--``
    or is empty. ``join()`` puts the parts back with single spaces between them.
    """

    urls: tuple[str, ...]
    text: str
    params: str

    @property
    def no_values(self) -> tuple[str, ...]:
        """The values of every ``--no`` in the tail (translatable, unlike other params)."""
        return tuple(m["value"] for m in _NO_VALUE_RE.finditer(self.params))

    def join(self) -> str:
        """The prompt again: URLs, text and params separated by single spaces."""
        return " ".join(part for part in (*self.urls, self.text, self.params) if part)


def split_prompt(prompt: str) -> PromptParts:
    """Split ``prompt`` into leading URLs, text and the ``--params`` tail.

    Leading URLs are whitespace-separated ``http(s)://`` tokens before any text; the tail starts
    at the first ``--name`` that begins the prompt or follows whitespace and runs to the end.
    Whitespace around the parts is dropped; whitespace inside the text is kept.
    """
    rest = prompt.strip()
    urls: list[str] = []
    while match := _URL_TOKEN_RE.match(rest):
        urls.append(match[0])
        rest = rest[match.end() :].lstrip()
    params = ""
    if match := _PARAMS_START_RE.search(rest):
        params = rest[match.start() :]
        rest = rest[: match.start()]
    return PromptParts(urls=tuple(urls), text=rest.strip(), params=params)


@dataclass(frozen=True, slots=True)
class _Unit:
    """One line of natural language to translate, located inside a piece of the prompt."""

    core: str
    lead: str
    trail: str


def _line_unit(line: str) -> _Unit | None:
    core = line.strip()
    if not has_chinese(core):
        return None
    lead = line[: len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()) :]
    return _Unit(core=core, lead=lead, trail=trail)


async def _translate_all(cores: list[str], translator: Translator) -> list[str]:
    """Translate ``cores`` with one call when the translator keeps lines, else one call each."""
    if len(cores) == 1:
        return [(await translator.translate(cores[0])).strip()]
    joined = await translator.translate("\n".join(cores))
    lines = joined.split("\n")
    if len(lines) == len(cores):
        return [line.strip() for line in lines]
    log.debug(
        "translator merged lines [sent:%d got:%d]; translating one by one", len(cores), len(lines)
    )
    return [(await translator.translate(core)).strip() for core in cores]


def _pieces(text: str) -> list[str]:
    """Split ``text`` into alternating language pieces and ``::`` weight separators."""
    pieces: list[str] = []
    position = 0
    for match in _WEIGHT_RE.finditer(text):
        pieces.extend((text[position : match.start()], match[0]))
        position = match.end()
    pieces.append(text[position:])
    return pieces


async def translate_prompt(prompt: str, translator: Translator) -> str:
    """Translate the Chinese parts of ``prompt`` to English, keeping URLs and params exact.

    The prompt is first passed through :func:`normalize_dashes`. A prompt without Chinese comes
    back unchanged otherwise. Only text lines (between ``::`` weights) and ``--no`` values that
    contain Chinese are sent, in one call when the translator preserves line breaks.
    :class:`~mjcore.errors.TranslateError` from the translator propagates.
    """
    prompt = normalize_dashes(prompt)
    if not has_chinese(prompt):
        return prompt
    parts = split_prompt(prompt)

    # Collect every translatable line as (where it lives, unit) and translate them together.
    text_pieces = _pieces(parts.text)
    slots: list[tuple[str, int, int, _Unit]] = []
    text_lines = [piece.split("\n") for piece in text_pieces]
    for piece_index, lines in enumerate(text_lines):
        if piece_index % 2:  # odd pieces are weight separators
            continue
        for line_index, line in enumerate(lines):
            if unit := _line_unit(line):
                slots.append(("text", piece_index, line_index, unit))
    no_matches = list(_NO_VALUE_RE.finditer(parts.params))
    for no_index, match in enumerate(no_matches):
        value = match["value"]
        if has_chinese(value):
            slots.append(("no", no_index, 0, _Unit(core=value, lead="", trail="")))
    if not slots:
        return prompt

    translated = await _translate_all([unit.core for *_, unit in slots], translator)
    no_values: dict[int, str] = {}
    for (kind, index, line_index, unit), english in zip(slots, translated, strict=True):
        if kind == "text":
            text_lines[index][line_index] = f"{unit.lead}{english}{unit.trail}"
        else:
            no_values[index] = english

    text = "".join(
        piece if index % 2 else "\n".join(text_lines[index])
        for index, piece in enumerate(text_pieces)
    )
    params = parts.params
    for no_index in sorted(no_values, reverse=True):
        match = no_matches[no_index]
        params = params[: match.start("value")] + no_values[no_index] + params[match.end("value") :]
    return PromptParts(urls=parts.urls, text=text.strip(), params=params).join()
