from __future__ import annotations

from mjcore.midjourney.info import parse_info

DESCRIPTION = (
    "**Subscription**: Standard (Active monthly, renews next on <t:1893456000>)\n"
    "**Job Mode**: Relaxed\n"
    "**Visibility Mode**: Public\n"
    "**Fast Time Remaining**: 2.87/15.0 hours (19.13%)\n"
    "**Lifetime Usage**: 1519 images (37.12 hours)\n"
    "\n"
    "**Queued Jobs (fast)**: 0\n"
    "**Running Jobs**: None"
)


def test_info_lines_become_a_dict() -> None:
    info = parse_info(DESCRIPTION)
    assert info["Job Mode"] == "Relaxed"
    assert info["Fast Time Remaining"] == "2.87/15.0 hours (19.13%)"
    assert info["Queued Jobs (fast)"] == "0"
    assert len(info) == 7
    assert parse_info("no info here") == {}


def test_numbered_prompts_and_zoom_checks() -> None:
    from mjcore.inputs import numbered_prompts, valid_zoom

    described = "1️⃣ a red cat --ar 4:3\n\n2️⃣ a cat, red\n\n3️⃣ cat\n\n4️⃣ feline --ar 1:1"
    assert numbered_prompts(described) == [
        "a red cat --ar 4:3",
        "a cat, red",
        "cat",
        "feline --ar 1:1",
    ]
    assert numbered_prompts("no prompts") == []
    assert valid_zoom("cat --zoom 1.5") and valid_zoom("cat --zoom 2")
    assert not valid_zoom("cat --zoom 2.5") and not valid_zoom("cat")
