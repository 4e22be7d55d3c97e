"""Prompt keys (last-resort matching) and job ids from image URLs."""

from __future__ import annotations

import pytest

from mjcore.midjourney.hashes import find_uuid, job_id_from_url
from mjcore.midjourney.normalize import prompt_key

# (what we submitted, what Midjourney echoed) - the pairs must compare equal
SAME: list[tuple[str, str]] = [
    # anchors A.4: the submitted prompt and the finalPrompt of a real task
    ("dog playing ball --v 7 --p m7318879261434052637", "dog playing ball --v 7.0 --p 77724z8"),
    ("cat --version 7", "cat --v 7.0"),
    ("cat --v 6.1", "cat --v 6.10"),
    (
        "https://cdn.discordapp.com/attachments/1/2/a.png cat",
        "<https://s.mj.run/pnvVhedeTbw> cat",
    ),
    (
        "https://example.com/a.png https://example.com/b.png --v 5.1",
        "<https://s.mj.run/JWu6jaL1D-8> <https://s.mj.run/QhfnQY-l68o> --v 5.1",
    ),
    ("cat --q 1 --s 100", "cat"),
    ("cat --stylize 100 --chaos 0 --quality 1", "cat"),
    ("cat --weird 0 --stop 100 --repeat 1 --aspect 1:1", "cat"),
    ("cat —ar 16:9 —v 7", "cat --ar 16:9 --v 7.0"),
    ("cat –no dogs", "cat --no dogs"),
    ("  A   Red\tCat  ", "a red cat"),
    ("cat --ar 16:9 --s 250", "cat --s 250 --ar 16:9"),
    ("cat --aspect 16:9 --stylize 250", "cat --ar 16:9 --s 250"),
    ("cat --iw 0.50", "cat --iw 0.5"),
    ("cat --sref https://example.com/s.png", "cat --sref <https://s.mj.run/abc>"),
    ("cat --tile", "cat   --tile"),
    ("cat --personalize", "cat --p xyz"),
]

DIFFERENT: list[tuple[str, str]] = [
    ("cat", "dog"),
    ("cat --v 7", "cat --v 6"),
    ("cat --ar 16:9", "cat --ar 9:16"),
    ("cat --s 250", "cat"),
    ("cat --no dogs", "cat --no birds"),
    ("red cat", "cat red"),
    ("cat --tile", "cat"),
    ("a cat https://x.io/a.png", "a cat"),
]


@pytest.mark.parametrize(("ours", "echo"), SAME)
def test_echo_has_the_same_key(ours: str, echo: str) -> None:
    assert prompt_key(ours) == prompt_key(echo)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_prompts_differ(a: str, b: str) -> None:
    assert prompt_key(a) != prompt_key(b)


def test_key_shape() -> None:
    assert prompt_key("<https://s.mj.run/x> A Cat --S 250 --AR 3:2 --v 7.0 --q 1") == (
        "<url> a cat --ar 3:2 --s 250 --v 7"
    )
    assert prompt_key("") == ""
    assert prompt_key("--v 7") == "--v 7"
    assert prompt_key("a -- b") == "a -- b"


# --- job ids ------------------------------------------------------------------------------------

HM = "2afb6f0c3f6d4d2a9b1e7c5d8a0b3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b48dc"
URLS: list[tuple[str, str | None]] = [
    (
        "https://cdn.discordapp.com/attachments/1116666992993259573/1118549875865427998/"
        "april39_Sea_waves_background_image_realistic._89bd8e05-eda9-4d6e-9b77-1ef4293398ca.png",
        "89bd8e05-eda9-4d6e-9b77-1ef4293398ca",
    ),
    (
        "https://cdn.discordapp.com/attachments/1153358180429070356/1154350823397150782/"
        f"5545fc38-0922-45f4-9f99-6909ff74f645_grid_0.webp?ex=6512a3c0&is=65115240&hm={HM}&",
        "5545fc38-0922-45f4-9f99-6909ff74f645",
    ),
    (
        "https://cdn.discordapp.com/attachments/1/2/lzn9819_dog_playing_ball_"
        f"0ddb91a0-af46-4ae9-8e8e-c271074eb6e6.png?ex=6836daff&is=6835897f&hm={HM}&",
        "0ddb91a0-af46-4ae9-8e8e-c271074eb6e6",
    ),
    (
        "https://cdn.midjourney.com/6243686b-7ab1-4174-a9fe-527cca66a829/0_0.png",
        "6243686b-7ab1-4174-a9fe-527cca66a829",
    ),
    (
        "https://cdn.midjourney.com/video/6243686b-7ab1-4174-a9fe-527cca66a829/0_1.mp4",
        "6243686b-7ab1-4174-a9fe-527cca66a829",
    ),
    (
        "https://cdn.discordapp.com/attachments/1/2/6243686b-7ab1-4174-a9fe-527cca66a829_0_0.png",
        "6243686b-7ab1-4174-a9fe-527cca66a829",
    ),
    (
        "https://cdn.discordapp.com/attachments/1/2/6243686b-7ab1-4174-a9fe-527cca66a829_0.mp4",
        "6243686b-7ab1-4174-a9fe-527cca66a829",
    ),
    (
        "https://cdn.discordapp.com/ephemeral-attachments/1/2/"
        f"0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b_0_step_4.jpeg?ex=6836daff&is=6835897f&hm={HM}&",
        "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b",
    ),
    (
        "HelenAnderson__BF52EE6C-0000-4000-8000-000000000000.png",
        "bf52ee6c-0000-4000-8000-000000000000",
    ),
    (
        "https://cdn.discordapp.com/ephemeral-attachments/1092492867185950852/1377952966417453166/"
        f"1748599984985576.jpg?ex=683ad634&is=683984b4&hm={HM}&",
        None,
    ),
    ("", None),
    ("https://cdn.discordapp.com/attachments/1/2/grid.png", None),
]


@pytest.mark.parametrize(("url", "job_id"), URLS)
def test_job_id_from_url(url: str, job_id: str | None) -> None:
    assert job_id_from_url(url) == job_id


def test_the_file_name_wins_over_directories() -> None:
    url = (
        "https://cdn.midjourney.com/11111111-1111-4111-8111-111111111111/"
        "user_cat_22222222-2222-4222-8222-222222222222.png"
    )
    assert job_id_from_url(url) == "22222222-2222-4222-8222-222222222222"


def test_find_uuid() -> None:
    assert find_uuid("**Job ID**: 6243686B-7AB1-4174-A9FE-527CCA66A829") == (
        "6243686b-7ab1-4174-a9fe-527cca66a829"
    )
    assert find_uuid("6243686b-7ab1-4174-a9fe-527cca66a8290") is None  # 13 hex digits at the end
    assert find_uuid("nothing") is None
