"""Prompt translation: the Translator seam, Baidu, and prompt splitting."""

from __future__ import annotations

from mjcore.translate.baidu import BaiduTranslateError, BaiduTranslator, sign
from mjcore.translate.base import NullTranslator, Translator
from mjcore.translate.prompt import (
    PromptParts,
    has_chinese,
    normalize_dashes,
    split_prompt,
    translate_prompt,
)

__all__ = [
    "BaiduTranslateError",
    "BaiduTranslator",
    "NullTranslator",
    "PromptParts",
    "Translator",
    "has_chinese",
    "normalize_dashes",
    "sign",
    "split_prompt",
    "translate_prompt",
]
