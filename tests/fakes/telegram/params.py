"""Method parameters as Telegram reads them: query string, form, multipart or JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from .errors import bad_request, cant_parse_json

JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "reply_parameters",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reaction",
        "message_ids",
    }
)
TRUE_WORDS: Final = frozenset({"true", "1", "yes"})


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    data: bytes


@dataclass(slots=True)
class Params:
    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            return None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in TRUE_WORDS

    def decoded(self, name: str, what: str) -> Any:
        """A JSON-serialized parameter, decoded (JSON bodies may carry it decoded already)."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(cant_parse_json(what)) from exc

    def logged(self) -> dict[str, Any]:
        """Values for the call log: JSON fields decoded where possible."""
        out: dict[str, Any] = {}
        for name, value in self.values.items():
            if name in JSON_FIELDS and isinstance(value, str):
                try:
                    out[name] = json.loads(value)
                except ValueError:
                    out[name] = value
            else:
                out[name] = value
        return out
