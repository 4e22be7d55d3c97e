"""The translator seam: Chinese prompt text in, English out."""

from __future__ import annotations

from typing import Protocol


class Translator(Protocol):
    """Translates Chinese text to English.

    Implementations keep line breaks (one output line per input line) where they can and raise
    :class:`~mjcore.errors.TranslateError` on failure.
    """

    async def translate(self, text: str) -> str: ...


class NullTranslator:
    """A translator that returns the text unchanged (translation switched off)."""

    async def translate(self, text: str) -> str:
        return text
