"""Banned-word pre-check on the (translated) prompt.

A word matches as a whole word, case-insensitively (``gore`` matches ``Gore,`` but not
``Gorey``); a phrase matches with any whitespace between its words; a word written in Chinese
matches anywhere, since Chinese has no spaces between words. Only the prompt text and the
``--no`` values are checked: image URLs and other parameters (``--sref`` codes, file names)
are not language and would give false hits. ``--no`` values are checked because Midjourney's
own filter reads them too.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from importlib import resources

from mjcore.translate.prompt import has_chinese, normalize_dashes, split_prompt

log = logging.getLogger(__name__)

BUILTIN_RESOURCE = ("mjcore", "data/banned_words.txt")
COMMENT_PREFIX = "#"


def _word_pattern(word: str) -> str:
    body = r"\s+".join(re.escape(part) for part in word.split())
    if has_chinese(word):
        return body
    return rf"(?<!\w){body}(?!\w)"


class BannedWords:
    """A set of banned words and the compiled matcher for them."""

    __slots__ = ("_pattern", "_words")

    def __init__(self, words: Iterable[str]) -> None:
        cleaned = {" ".join(word.split()).lower() for word in words}
        cleaned.discard("")
        self._words = frozenset(cleaned)
        # Longest first, so a phrase wins over a word it starts with.
        ordered = sorted(self._words, key=lambda word: (-len(word), word))
        self._pattern = (
            re.compile("|".join(_word_pattern(word) for word in ordered), re.IGNORECASE)
            if ordered
            else None
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> BannedWords:
        """Read one word per line from ``path`` (the built-in list when ``None``).

        Blank lines and lines starting with ``#`` are skipped.
        """
        if path is None:
            package, name = BUILTIN_RESOURCE
            text = resources.files(package).joinpath(name).read_text(encoding="utf-8-sig")
        else:
            with open(path, encoding="utf-8-sig") as file:
                text = file.read()
        words = [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith(COMMENT_PREFIX)
        ]
        banned = cls(words)
        log.info("banned words loaded [count:%d source:%s]", len(banned), path or "built-in")
        return banned

    @property
    def words(self) -> frozenset[str]:
        """The words, lower-cased and with single spaces inside phrases."""
        return self._words

    def __len__(self) -> int:
        return len(self._words)

    def check(self, prompt_en: str) -> str | None:
        """The first banned word in ``prompt_en``, as written there, or ``None``."""
        if self._pattern is None:
            return None
        parts = split_prompt(normalize_dashes(prompt_en))
        for text in (parts.text, *parts.no_values):
            if match := self._pattern.search(text):
                return match[0]
        return None
