from __future__ import annotations

import re

import pytest

from mjcore.sim.rewrite import (
    aspect_ratio,
    filename_words,
    job_mode,
    model_family,
    result_filename,
    rewrite_prompt,
    short_link,
    unknown_params,
)


@pytest.mark.parametrize(
    ("prompt", "echoed"),
    [
        ("a red cat --v 7", "a red cat --v 7.0"),
        ("a red cat --version 7", "a red cat --version 7.0"),
        ("a red cat --v 6", "a red cat --v 6.0"),
        ("a red cat --v 6.1", "a red cat --v 6.1"),
        ("a red cat --v 5.2", "a red cat --v 5.2"),
        ("anime girl --niji 6", "anime girl --niji 6"),
        ("cat --q 1 --stylize 100 --s 100 --chaos 0 --ar 3:2", "cat --ar 3:2"),
        ("cat --s 750", "cat --s 750"),
        ("cat —v 7", "cat —v 7"),
        ("  spaced    out   prompt  ", "spaced out prompt"),
        ("cat --no red,  blue --ar 1:1", "cat --no red, blue"),
    ],
)
def test_rewrite(prompt: str, echoed: str) -> None:
    assert rewrite_prompt(prompt) == echoed


def test_links_become_short_links() -> None:
    url = "https://example.com/a/cat.png?x=1"
    echoed = rewrite_prompt(f"{url} a cat --sref https://example.com/s.png")
    code = re.fullmatch(
        r"<https://s\.mj\.run/([A-Za-z0-9_-]{11})> a cat --sref <https://s\.mj\.run/[A-Za-z0-9_-]{11}>",
        echoed,
    )
    assert code is not None
    assert short_link(url) == f"<https://s.mj.run/{code.group(1)}>"
    assert rewrite_prompt(echoed) == echoed  # already short links stay


def test_settings_suffix_is_appended_unless_present() -> None:
    assert rewrite_prompt("cat", suffix="--v 7") == "cat --v 7.0"
    assert rewrite_prompt("cat --v 6", suffix="--v 7") == "cat --v 6.0"


def test_unknown_params() -> None:
    assert unknown_params("cat --ar 2:3 --foo 1 --use_raw") == ["foo", "use_raw"]
    assert unknown_params("cat —foo") == []


def test_model_family_and_mode() -> None:
    assert model_family("cat") == "v7"
    assert model_family("cat --v 6.1") == "v6r1"
    assert model_family("cat --v 6.0") == "v6"
    assert model_family("cat --v 5.2") == "v5"
    assert model_family("cat --niji 6") == "v6"
    assert job_mode("cat --relax", "fast") == "relaxed"
    assert job_mode("cat", "turbo") == "turbo"


def test_aspect_ratio() -> None:
    assert aspect_ratio("cat --ar 16:9") == (16, 9)
    assert aspect_ratio("cat --aspect 2:3") == (2, 3)
    assert aspect_ratio("cat --ar nonsense") == (1, 1)


def test_result_filenames() -> None:
    job = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"
    assert (
        result_filename("april39", "Sea, waves, background image, realistic.", job)
        == f"april39_Sea_waves_background_image_realistic._{job}.png"
    )
    assert (
        result_filename("HelenAnderson", "<https://s.mj.run/abcdefghijk> --v 7.0", job)
        == f"HelenAnderson__{job}.png"
    )
    long = "high definition photo of a modern powder bathroom in a luxury hotel with marble"
    words = filename_words(long)
    assert (
        len(words) <= 60 and words.startswith("high_definition_photo") and not words.endswith("_")
    )
