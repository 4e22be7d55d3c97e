"""Node-style API shapes: parameter choice and checks, fetch ids, records per task status."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from mjcore.api.compat.node.records import (
    NodeInputError,
    NodeMeta,
    fetch_id,
    hash_from_uri,
    node_record,
    parse_index,
    parse_submit,
    submit_source,
)
from mjcore.models import Task, TaskAction, TaskStatus

URI = "http://h/compat/images/1/user_A_dog_adbd1ba4-f61e-4eac-9991-475799668483.png"
META = NodeMeta(
    id="8a2c5959-143b-46c5-adb6-242652ac8141",
    task_id="1700000000000001",
    action="IMAGINE",
    state="main",
    notify_hook="http://example.com/hook",
    creation_time=1684310737012,
)
TASK = Task(
    id="1700000000000001",
    action=TaskAction.IMAGINE,
    prompt="一只狗",
    prompt_en="A dog",
    submit_time=1684310737012,
)


def test_body_wins_only_when_it_has_an_action() -> None:
    query = {"action": "IMAGINE", "prompt": "q"}
    assert submit_source(query, {"action": "UPSCALE"}) == {"action": "UPSCALE"}
    assert submit_source(query, {"prompt": "from body"}) is query
    assert submit_source(query, {"action": ""}) is query


def test_parse_imagine_and_change() -> None:
    imagine = parse_submit({"action": "IMAGINE", "prompt": "A dog", "state": 3})
    assert imagine.action is TaskAction.IMAGINE and imagine.prompt == "A dog"
    assert imagine.state == 3 and imagine.index == "" and imagine.notify_hook == ""
    change = parse_submit({"action": "VARIATION", "taskId": "abc", "index": "2"})
    assert change.task_ref == "abc" and change.index == "2" and change.index_number == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"action": "ZOOM"},
        {"action": "imagine", "prompt": "x"},
        {"action": "IMAGINE"},
        {"action": "IMAGINE", "prompt": " "},
        {"action": "IMAGINE", "prompt": 5},
        {"action": "IMAGINE", "prompt": "x", "notifyHook": "javascript:alert(1)"},
        {"action": "IMAGINE", "prompt": "x", "state": [1]},
        {"action": "UPSCALE", "index": 1},
        {"action": "UPSCALE", "taskId": True, "index": 1},
        {"action": "UPSCALE", "taskId": "a"},
    ],
)
def test_parse_refuses(params: dict[str, Any]) -> None:
    with pytest.raises(NodeInputError):
        parse_submit(params)


@pytest.mark.parametrize(("raw", "number"), [(1, 1), ("4", 4), (" 3 ", 3), (2.0, 2)])
def test_index_accepts(raw: Any, number: int) -> None:
    assert parse_index(raw) == number


@pytest.mark.parametrize("raw", [0, 5, "", "abc", True, 1.5, "-1"])
def test_index_refuses(raw: Any) -> None:
    with pytest.raises(NodeInputError):
        parse_index(raw)


@pytest.mark.parametrize(
    ("query", "body", "expected"),
    [
        ({"_id": "q"}, {}, "q"),
        ({"_id": "q"}, {"id": "x", "_id": "b"}, "b"),  # the original's body branch
        ({}, {"_id": "b"}, "b"),  # superset: the body alone
        ({}, {"id": "only-id"}, "only-id"),
        ({"id": "qid"}, {}, "qid"),
        ({}, {}, None),
        ({"_id": ""}, {"_id": 5}, None),
    ],
)
def test_fetch_id(query: dict[str, Any], body: dict[str, Any], expected: str | None) -> None:
    assert fetch_id(query, body) == expected


def test_hash_from_uri_is_the_clients_rule() -> None:
    assert hash_from_uri(URI) == "adbd1ba4-f61e-4eac-9991-475799668483"


def test_not_started_record() -> None:
    record = node_record(replace(META, task_ref="parent"), TASK, None)
    assert record["status"] == "NOT_START"
    assert record["submitTime"] == "" and record["finishTime"] == ""
    assert record["uri"] == record["imageUrl"] == record["hash"] == record["content"] == ""
    assert record["progress"] == "" and record["taskId"] == "parent"
    assert record["prompt"] == "一只狗" and record["promptEn"] == "A dog"
    assert record["description"] == "/imagine A dog"
    assert record["creationTime"] == 1684310737012


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (TaskStatus.MODAL, "NOT_START"),
        (TaskStatus.SUBMITTED, "IN_PROGRESS"),
        (TaskStatus.IN_PROGRESS, "IN_PROGRESS"),
        (TaskStatus.FAILURE, "FAILURE"),
        (TaskStatus.CANCEL, "FAILURE"),
    ],
)
def test_status_mapping(status: TaskStatus, shown: str) -> None:
    task = replace(TASK, status=status, start_time=1684310738264, finish_time=1684310741027)
    record = node_record(META, task, URI)
    assert record["status"] == shown
    assert record["uri"] == "" and record["progress"] == ""
    if shown == "FAILURE":
        assert record["finishTime"] == 1684310741027
    else:
        assert record["finishTime"] == ""


def test_success_record() -> None:
    task = replace(
        TASK,
        status=TaskStatus.SUCCESS,
        start_time=1684310738264,
        finish_time=1684310741027,
        message_id="1108302168013938689",
        message_hash="adbd1ba4-f61e-4eac-9991-475799668483",
        final_prompt="A dog --v 7",
    )
    record = node_record(META, task, URI)
    assert record == {
        "_id": META.id,
        "index": "",
        "action": "IMAGINE",
        "prompt": "一只狗",
        "promptEn": "A dog",
        "taskId": "1108302168013938689",
        "uri": URI,
        "hash": "adbd1ba4-f61e-4eac-9991-475799668483",
        "content": "A dog --v 7",
        "progress": "done",
        "description": "/imagine A dog",
        "submitTime": 1684310738264,
        "finishTime": 1684310741027,
        "creationTime": 1684310737012,
        "state": "main",
        "notifyHook": "http://example.com/hook",
        "imageUrl": URI,
        "status": "SUCCESS",
    }


def test_meta_round_trips_through_json() -> None:
    meta = replace(META, index=2, state=True)
    assert NodeMeta.from_json(meta.to_json()) == meta
