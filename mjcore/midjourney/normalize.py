"""Prompt keys: make a submitted prompt and Midjourney's echo of it compare equal.

Midjourney rewrites what it echoes: links become ``<https://s.mj.run/…>``, ``--v 7`` becomes
``--v 7.0``, default parameters (``--q 1``, ``--s 100``…) vanish, ``—`` becomes ``--`` and
personalization codes are replaced (``--p m7318…`` → ``--p 77724z8``). ``prompt_key`` folds all of
that away. It is the last resort of matching: nonces, interaction ids and job uuids come first.
"""

from __future__ import annotations

import re

__all__ = ["prompt_key"]

URL_PLACEHOLDER = "<url>"

_URL_RE = re.compile(r"<?https?://[^\s<>]+>?", re.IGNORECASE)
_DASHES_RE = re.compile(r"[\u2012\u2013\u2014\u2015\u2212]+")  # figure/en/em dash, bar, minus
_PARAM_NAME_RE = re.compile(r"^--([a-z][a-z0-9_]*)$")
_NUMBER_RE = re.compile(r"^\d+\.\d+$")

# long spellings -> the short name Midjourney echoes
_ALIASES = {
    "aspect": "ar",
    "chaos": "c",
    "personalize": "p",
    "profile": "p",
    "quality": "q",
    "repeat": "r",
    "stylize": "s",
    "version": "v",
    "weird": "w",
}
# parameters at their default value say nothing
_DEFAULTS = {
    "ar": "1:1",
    "c": "0",
    "q": "1",
    "r": "1",
    "s": "100",
    "stop": "100",
    "w": "0",
}
# parameters whose value Midjourney replaces with its own code
_OPAQUE_VALUES = frozenset({"p"})


def prompt_key(prompt: str) -> str:
    """A comparison key for ``prompt``: equal keys mean "Midjourney's echo of the same prompt"."""
    text = _DASHES_RE.sub("--", prompt).casefold()
    text = _URL_RE.sub(f" {URL_PLACEHOLDER} ", text)
    words: list[str] = []
    params: list[tuple[str, list[str]]] = []
    for token in text.split():
        name = _PARAM_NAME_RE.match(token)
        if name:
            params.append((_ALIASES.get(name[1], name[1]), []))
        elif params:
            params[-1][1].append(token)
        else:
            words.append(token)
    kept = sorted(
        f"--{name} {value}".rstrip()
        for name, value in (_param(name, values) for name, values in params)
        if _DEFAULTS.get(name) != value
    )
    return " ".join([*words, *kept])


def _param(name: str, values: list[str]) -> tuple[str, str]:
    if name in _OPAQUE_VALUES:
        return name, ""
    return name, " ".join(_number(v) for v in values)


def _number(value: str) -> str:
    """``7.0`` -> ``7``, ``0.50`` -> ``0.5``; other values unchanged."""
    if _NUMBER_RE.match(value):
        return value.rstrip("0").rstrip(".")
    return value
