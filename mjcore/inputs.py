"""Checking what callers give the engine: prompts, images, modal text. Pure except translation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from mjcore.errors import BannedPromptError, ValidationError
from mjcore.media import InputImage, inspect_image
from mjcore.models import Task
from mjcore.translate.base import Translator
from mjcore.translate.prompt import has_chinese, normalize_dashes, translate_prompt

MAX_PROMPT_LENGTH = 8192
MAX_IMAGE_PROMPTS = 5
BLEND_DIMENSIONS = {"PORTRAIT": "--ar 2:3", "SQUARE": "--ar 1:1", "LANDSCAPE": "--ar 3:2"}
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
ZOOM_PARAMETER = re.compile(r"--zoom\s+(?P<value>\d+(?:\.\d+)?)\b")


class BannedWordCheck(Protocol):
    def check(self, prompt_en: str) -> str | None: ...


async def prepare_prompt(
    prompt: str, translator: Translator, banned: BannedWordCheck | None
) -> tuple[str, str]:
    """(prompt, English prompt): dashes repaired, Chinese translated, banned words refused."""
    prompt = normalize_dashes(prompt.strip())
    if not prompt:
        raise ValidationError("prompt must not be empty")
    if len(prompt) > MAX_PROMPT_LENGTH:
        raise ValidationError(f"prompt is longer than {MAX_PROMPT_LENGTH} characters")
    prompt_en = prompt
    if has_chinese(prompt):
        prompt_en = await translate_prompt(prompt, translator)
    if banned is not None:
        word = banned.check(prompt_en)
        if word is not None:
            raise BannedPromptError(
                "prompt contains a banned word", banned_word=word, prompt_en=prompt_en
            )
    return prompt, prompt_en


def check_images(images: Sequence[bytes], *, least: int = 0, most: int) -> list[InputImage]:
    if not least <= len(images) <= most:
        raise ValidationError(f"between {least} and {most} images are needed, got {len(images)}")
    return [inspect_image(data) for data in images]


def valid_zoom(prompt: str) -> bool:
    found = ZOOM_PARAMETER.search(prompt)
    return found is not None and 1.0 <= float(found["value"]) <= 2.0


def numbered_prompts(text: str) -> list[str]:
    """The prompts of a describe or shorten result ("1️⃣ …\\n\\n2️⃣ …")."""
    parts: list[str] = []
    for line in re.split(r"\n\s*\n|\n", text):
        line = line.strip()
        for cap in KEYCAPS:
            if line.startswith(cap):
                parts.append(line.removeprefix(cap).strip())
    return parts


def default_modal_value(kind: str, index: int | None, parent: Task | None) -> str:
    """What Midjourney pre-fills the modal with: the picked prompt or the parent's prompt."""
    if parent is None:
        return ""
    if kind in ("PicReader", "PromptAnalyzer") and index is not None:
        prompts = numbered_prompts(parent.final_prompt or "")
        if 1 <= index <= len(prompts):
            return prompts[index - 1]
        return ""
    return parent.final_prompt or parent.prompt_en
