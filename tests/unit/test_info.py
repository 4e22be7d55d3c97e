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
