from __future__ import annotations

import pytest

from mjcore.translate import (
    NullTranslator,
    PromptParts,
    has_chinese,
    normalize_dashes,
    split_prompt,
    translate_prompt,
)

WORDS = {
    "一只猫": "a cat",
    "红色的狗": "a red dog",
    "狗": "dog",
    "狗, 红色的": "dog, red",
    "猫": "cat",
    "在月球上": "on the moon",
    "可爱的": "cute",
    "一只 cute 的猫": "a cute cat",
}


class DictTranslator:
    """Looks each line up in WORDS; records what it was asked."""

    def __init__(self, *, keep_lines: bool = True) -> None:
        self.keep_lines = keep_lines
        self.calls: list[str] = []

    async def translate(self, text: str) -> str:
        self.calls.append(text)
        lines = [WORDS.get(line, line) for line in text.split("\n")]
        return "\n".join(lines) if self.keep_lines else " ".join(lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("猫", True),
        ("a cat 在月球上", True),
        ("㐀", True),  # CJK extension A
        ("a cat", False),
        ("，。：", False),  # punctuation alone is not Chinese text
        ("ねこ", False),
        ("", False),
    ],
)
def test_has_chinese(text: str, expected: bool) -> None:
    assert has_chinese(text) is expected


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("cat —ar 16:9 —v 7", "cat --ar 16:9 --v 7"),  # em dash (iOS smart punctuation)
        ("cat –ar 16:9 –v 7", "cat --ar 16:9 --v 7"),  # en dash
        ("cat ——ar 16:9", "cat --ar 16:9"),  # Chinese IME double em dash
        ("cat －－ar 16:9", "cat --ar 16:9"),  # full-width hyphen-minus
        ("cat −−s 750", "cat --s 750"),  # minus sign
        ("cat -—v 6", "cat --v 6"),  # mixed
        ("cat —AR 16:9", "cat --AR 16:9"),  # case of the name is kept
        ("—ar 1:1 cat", "--ar 1:1 cat"),  # at the very start
        ("cat\n—v 7", "cat\n--v 7"),  # after a line break
        ("一只猫——ar 16:9", "一只猫 --ar 16:9"),  # glued to Chinese text: a space is added
        ("一只猫--ar 16:9", "一只猫 --ar 16:9"),
        ("猫，—v 6", "猫， --v 6"),
        ("cat —no dog", "cat --no dog"),
        ("cat —no 狗 —ar 1:1", "cat --no 狗 --ar 1:1"),
        # left alone
        ("cat --ar 16:9 --v 7", "cat --ar 16:9 --v 7"),
        ("well—known cat", "well—known cat"),  # dash inside a word
        ("cat — no dogs", "cat — no dogs"),  # prose dash followed by a space
        ("cat —nothing else", "cat —nothing else"),  # not a parameter name
        ("cat —now", "cat —now"),
        ("cat —v7", "cat —v7"),  # name glued to a digit is not a parameter
        ("cat -ar 2:3", "cat -ar 2:3"),  # single ASCII hyphen is the user's own
        ("cat ---ar 2:3", "cat ---ar 2:3"),
        ("x－－ar 1:1", "x－－ar 1:1"),  # glued to a Latin word
        ("red-blue —", "red-blue —"),
        ("", ""),
    ],
)
def test_normalize_dashes(prompt: str, expected: str) -> None:
    assert normalize_dashes(prompt) == expected
    assert normalize_dashes(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("prompt", "urls", "text", "params"),
    [
        ("一只猫", (), "一只猫", ""),
        ("一只猫 --ar 16:9 --v 7", (), "一只猫", "--ar 16:9 --v 7"),
        ("  一只猫   --ar 16:9  ", (), "一只猫", "--ar 16:9"),
        (
            "https://cdn.example.com/a.png?ex=6836daff&is=6835897f&hm=2afb&  一只猫 --iw 2",
            ("https://cdn.example.com/a.png?ex=6836daff&is=6835897f&hm=2afb&",),
            "一只猫",
            "--iw 2",
        ),
        (
            "https://a.example/x.png http://b.example/y.jpg#frag 猫",
            ("https://a.example/x.png", "http://b.example/y.jpg#frag"),
            "猫",
            "",
        ),
        (
            "<https://s.mj.run/pnvVhedeTbw> 猫 --v 6",
            ("<https://s.mj.run/pnvVhedeTbw>",),
            "猫",
            "--v 6",
        ),
        ("https://x.example/a.png猫", ("https://x.example/a.png",), "猫", ""),
        ("https://x.example/a.png，猫", ("https://x.example/a.png",), "，猫", ""),
        ("https://x.example/a.png --iw 2", ("https://x.example/a.png",), "", "--iw 2"),
        (
            "https://x.example/a.png https://x.example/b.png",
            ("https://x.example/a.png", "https://x.example/b.png"),
            "",
            "",
        ),
        # a URL after the text is text (Midjourney reads image prompts only at the start)
        ("猫 https://x.example/a.png", (), "猫 https://x.example/a.png", ""),
        (
            "猫 --sref https://x.example/s.png --cref https://x.example/c.png",
            (),
            "猫",
            "--sref https://x.example/s.png --cref https://x.example/c.png",
        ),
        ("猫 --no 狗 --ar 1:1", (), "猫", "--no 狗 --ar 1:1"),
        ("--ar 1:1", (), "", "--ar 1:1"),
        ("猫::2 狗::-0.5 --ar 1:1", (), "猫::2 狗::-0.5", "--ar 1:1"),
        ("a cat -- sleeping", (), "a cat -- sleeping", ""),  # '--' not followed by a name
        ("cat--ar 1:1", (), "cat--ar 1:1", ""),  # no whitespace before '--'
        ("猫\n狗 --ar 1:1", (), "猫\n狗", "--ar 1:1"),
        ("猫\n--ar 1:1\n--v 7", (), "猫", "--ar 1:1\n--v 7"),
        ("", (), "", ""),
    ],
)
def test_split_prompt(prompt: str, urls: tuple[str, ...], text: str, params: str) -> None:
    assert split_prompt(prompt) == PromptParts(urls=urls, text=text, params=params)


@pytest.mark.parametrize(
    "prompt",
    [
        "https://a.example/x.png?a=1&b=2 https://b.example/y.jpg 一只猫 --ar 16:9 --no 狗 --v 7",
        "<https://s.mj.run/a> cat::2 dog::1 --s 750",
        "一只猫",
        "--ar 1:1",
        "https://a.example/x.png --iw 2",
    ],
)
def test_join_round_trips_canonical_prompts(prompt: str) -> None:
    assert split_prompt(prompt).join() == prompt


@pytest.mark.parametrize(
    ("params", "values"),
    [
        ("", ()),
        ("--ar 1:1", ()),
        ("--no 狗", ("狗",)),
        ("--no 狗, 红色的 --v 7", ("狗, 红色的",)),
        ("--ar 1:1 --no dogs,cats", ("dogs,cats",)),
        ("--no 猫 --v 6 --no 狗  ", ("猫", "狗")),
        ("--NO 狗", ("狗",)),
        ("--no", ()),
        ("--no --ar 1:1", ()),
        ("--now 狗", ()),
        ("--sref https://x.example/no-dogs.png", ()),
    ],
)
def test_no_values(params: str, values: tuple[str, ...]) -> None:
    assert PromptParts(urls=(), text="", params=params).no_values == values


async def test_translate_prompt_keeps_urls_and_params_exact() -> None:
    translator = DictTranslator()
    prompt = (
        "https://a.example/x.png?a=1&b=%E7%8C%AB https://b.example/y.jpg "
        "一只猫 --ar 16:9 --sref https://c.example/s.png --no 狗, 红色的 --v 7"
    )
    result = await translate_prompt(prompt, translator)
    assert result == (
        "https://a.example/x.png?a=1&b=%E7%8C%AB https://b.example/y.jpg "
        "a cat --ar 16:9 --sref https://c.example/s.png --no dog, red --v 7"
    )
    assert translator.calls == ["一只猫\n狗, 红色的"]  # one call, text and --no value only


@pytest.mark.parametrize(
    ("prompt", "expected", "sent"),
    [
        ("一只猫", "a cat", ["一只猫"]),
        ("一只猫::2 红色的狗::-0.5", "a cat::2 a red dog::-0.5", ["一只猫\n红色的狗"]),
        ("猫:: 狗", "cat:: dog", ["猫\n狗"]),
        ("a cat::2 狗::1 --q 2", "a cat::2 dog::1 --q 2", ["狗"]),
        ("一只猫\n\n  在月球上", "a cat\n\n  on the moon", ["一只猫\n在月球上"]),
        ("一只 cute 的猫 --v 6", "a cute cat --v 6", ["一只 cute 的猫"]),
        ("cat --no 狗", "cat --no dog", ["狗"]),
        ("cat --no 猫 --ar 1:1 --no 狗", "cat --no cat --ar 1:1 --no dog", ["猫\n狗"]),
        ("一只猫 —ar 16:9 —no 狗", "a cat --ar 16:9 --no dog", ["一只猫\n狗"]),
        ("一只猫——ar 16:9", "a cat --ar 16:9", ["一只猫"]),
        ("https://x.example/a.png猫", "https://x.example/a.png cat", ["猫"]),
        ("cat --ar 16:9 --no dogs", "cat --ar 16:9 --no dogs", []),
        ("cat —ar 16:9", "cat --ar 16:9", []),  # no Chinese: only dashes repaired
        ("https://例子.example/a.png cat", "https://例子.example/a.png cat", []),
    ],
)
async def test_translate_prompt_table(prompt: str, expected: str, sent: list[str]) -> None:
    translator = DictTranslator()
    assert await translate_prompt(prompt, translator) == expected
    assert translator.calls == sent


async def test_translate_prompt_falls_back_to_one_call_per_line() -> None:
    translator = DictTranslator(keep_lines=False)  # merges lines: batch answer is unusable
    result = await translate_prompt("一只猫::2 红色的狗 --no 狗", translator)
    assert result == "a cat::2 a red dog --no dog"
    assert translator.calls == ["一只猫\n红色的狗\n狗", "一只猫", "红色的狗", "狗"]


async def test_null_translator_changes_nothing_but_dashes() -> None:
    assert await translate_prompt("一只猫 —ar 16:9", NullTranslator()) == "一只猫 --ar 16:9"
