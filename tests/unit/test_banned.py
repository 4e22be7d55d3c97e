from __future__ import annotations

from pathlib import Path

import pytest

from mjcore.banned import BannedWords


@pytest.fixture
def banned() -> BannedWords:
    return BannedWords(["gore", "nude", "blood bath", "self-harm", "血腥"])


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a cat on the moon", None),
        ("a Nude statue", "Nude"),
        ("NUDE", "NUDE"),
        ("gore, horror", "gore"),
        ("(gore)", "gore"),
        ("goreous sunset", None),  # whole words only
        ("allgore", None),
        ("a blood bath", "blood bath"),
        ("a Blood   Bath", "Blood   Bath"),  # any whitespace inside a phrase
        ("a blood sample", None),
        ("self-harm awareness poster", "self-harm"),
        ("很血腥的场面", "血腥"),  # Chinese words match without word boundaries
        # first hit in prompt order, reported as written
        ("nude and gore", "nude"),
        ("Gore and nude", "Gore"),
    ],
)
def test_check_whole_words_case_insensitive(
    banned: BannedWords, prompt: str, expected: str | None
) -> None:
    assert banned.check(prompt) == expected


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("cat --sref https://example.com/nude.png", None),
        ("https://example.com/gore.png a cat --ar 1:1", None),
        ("cat --style gore", None),
        ("cat --no Gore, dogs", "Gore"),
        ("cat --no dogs --v 6 --no nude", "nude"),
        ("cat —no gore", "gore"),  # phone dash repaired before the --no value is found
        ("nude --ar 16:9", "nude"),
    ],
)
def test_check_reads_text_and_no_values_only(
    banned: BannedWords, prompt: str, expected: str | None
) -> None:
    assert banned.check(prompt) == expected


def test_empty_list_bans_nothing() -> None:
    assert BannedWords([]).check("anything nude") is None
    assert len(BannedWords(["", "  "])) == 0


def test_load_file_skips_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("\ufeff# comment\n\n  Zombie \nblood   bath\n#nude\n", encoding="utf-8")
    banned = BannedWords.load(path)
    assert banned.words == frozenset({"zombie", "blood bath"})
    assert banned.check("a zombie walk") == "zombie"
    assert banned.check("a nude walk") is None


def test_load_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        BannedWords.load(tmp_path / "missing.txt")


def test_builtin_list_is_real() -> None:
    banned = BannedWords.load()
    assert 100 <= len(banned) <= 250
    assert all(word == word.strip().lower() and not word.startswith("#") for word in banned.words)
    assert banned.check("a naked woman, photorealistic") == "naked"
    assert banned.check("decapitated knight") == "decapitated"
    assert banned.check("a cute cat on the moon, watercolor --ar 16:9 --v 7") is None
    assert banned.check("Classic landscape, Essex countryside, assessment") is None
