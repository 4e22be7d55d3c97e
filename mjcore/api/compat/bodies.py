"""Reading request bodies the way express/FastAPI clients send them: JSON or url-encoded forms."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


class BodyError(ValueError):
    """The body claims a format it does not have (e.g. broken JSON)."""


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_mapping(request: Request) -> dict[str, Any]:
    """The body as a mapping: JSON objects and url-encoded forms; anything else is empty.

    A JSON body that is not an object counts as empty (express's ``req.body`` would be the
    array, which has no named fields either).
    """
    kind = media_type(request)
    if kind != JSON_TYPE and not kind.endswith("+json") and kind != FORM_TYPE:
        return {}
    raw = await request.body()
    if not raw.strip():
        return {}
    if kind == FORM_TYPE:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BodyError(f"the body is not valid JSON: {exc}") from exc
    return value if isinstance(value, dict) else {}


async def read_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object (a url-encoded form is taken too); ``BodyError`` otherwise."""
    raw = await request.body()
    if media_type(request) == FORM_TYPE:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if not raw.strip():
        raise BodyError("the body is empty: send a JSON object")
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BodyError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BodyError("the body must be a JSON object")
    return value


def query_mapping(request: Request) -> dict[str, str]:
    """Query parameters, the first value of each name."""
    out: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, value)
    return out
