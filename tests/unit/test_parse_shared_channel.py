"""Whose job a bot message is about, in a channel several users share (``self_user_id``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mjcore.midjourney.messages import MessageKind
from mjcore.midjourney.parse import parse_event

FIXTURES = Path(__file__).parent / "fixtures" / "discord"
US = "1125350768803848263"
OTHER = "42"


def progress(
    metadata_user: str | None, interaction_user: str | None, content: str
) -> dict[str, Any]:
    """The recorded progress message with the users and content given (``None``: no holder)."""
    data: dict[str, Any] = json.loads((FIXTURES / "imagine_progress.json").read_text("utf-8"))["d"]
    data["content"] = content
    for key, user in (("interaction_metadata", metadata_user), ("interaction", interaction_user)):
        if user is None:
            del data[key]
        else:
            data[key]["user"]["id"] = user
    return data


JOB = "**cat** - <@{}> (31%) (fast)"


@pytest.mark.parametrize(
    ("metadata_user", "interaction_user", "content", "ours"),
    [
        (US, US, JOB.format(US), True),
        (US, OTHER, JOB.format(US), True),  # we are named by one of the two: ours
        (OTHER, US, JOB.format(US), True),
        (US, US, JOB.format(OTHER), False),  # ... and the content must not mention only others
        (OTHER, OTHER, JOB.format(US), False),  # interaction users decide before the content
        (OTHER, None, JOB.format(US), False),
        (None, OTHER, JOB.format(US), False),
        (None, None, JOB.format(US), True),  # no interaction: the mention decides
        (None, None, JOB.format(OTHER), False),
        (None, None, f"**cat** - <@{OTHER}> and <@{US}> (31%) (fast)", True),
        (None, None, "**cat** - (31%) (fast)", True),  # nobody mentioned: kept
        (None, None, "cat is ready", True),
    ],
)
def test_whose_job(
    metadata_user: str | None, interaction_user: str | None, content: str, ours: bool
) -> None:
    data = progress(metadata_user, interaction_user, content)
    msg = parse_event("MESSAGE_UPDATE", data, self_user_id=US)
    assert (msg is not None) is ours
    # without self_user_id every message is kept, and reads the same as when it is ours
    everyone = parse_event("MESSAGE_UPDATE", data)
    assert everyone is not None
    if msg is not None:
        assert msg == everyone


def test_interaction_fields_come_from_the_metadata_first() -> None:
    data = progress(US, OTHER, JOB.format(US))
    data["interaction_metadata"]["id"] = "1"
    data["interaction_metadata"]["name"] = "imagine"
    data["interaction"]["id"] = "2"
    data["interaction"]["name"] = "blend"
    msg = parse_event("MESSAGE_UPDATE", data, self_user_id=US)
    assert msg is not None and (msg.interaction_id, msg.interaction_name) == ("1", "imagine")
    del data["interaction_metadata"]["name"]  # a holder without a name: the next one has it
    msg = parse_event("MESSAGE_UPDATE", data, self_user_id=US)
    assert msg is not None and (msg.interaction_id, msg.interaction_name) == ("1", "blend")
    assert msg.kind is MessageKind.PROGRESS and msg.progress == 31
