"""Message text: UTF-16 lengths, entity detection and the HTML / Markdown parse modes.

Telegram measures text and entity offsets in UTF-16 code units, trims surrounding
whitespace and rejects malformed markup with "can't parse entities".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final

from .errors import ApiError, bad_request, cant_parse_entities
from .wire import MessageEntityJson

COMMAND_RE: Final = re.compile(r"(?<![^\s])/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,32}))?")
MENTION_RE: Final = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{4,32})\b")
URL_RE: Final = re.compile(r"\bhttps?://[^\s<>\"']+")
URL_TRAILING_PUNCTUATION: Final = ".,;:!?)]}'\""

HTML_SIMPLE_TAGS: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
}
MARKDOWN_V2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
MAX_ESCAPABLE_CODEPOINT: Final = 126


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, Telegram's unit for lengths and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class FormattedText:
    text: str
    entities: tuple[MessageEntityJson, ...] = ()


def detect_entities(text: str) -> tuple[MessageEntityJson, ...]:
    """Entities a Telegram client attaches to typed text: commands, mentions, links."""
    found: list[MessageEntityJson] = []
    for kind, pattern in (("bot_command", COMMAND_RE), ("mention", MENTION_RE)):
        for match in pattern.finditer(text):
            found.append(_entity(text, kind, match.start(), match.end()))
    for match in URL_RE.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in URL_TRAILING_PUNCTUATION:
            end -= 1
        found.append(_entity(text, "url", match.start(), end))
    found.sort(key=lambda entity: entity["offset"])
    return tuple(found)


def _entity(text: str, kind: str, start: int, end: int) -> MessageEntityJson:
    return {
        "type": kind,
        "offset": utf16_len(text[:start]),
        "length": utf16_len(text[start:end]),
    }


def entity_text(text: str, entity: MessageEntityJson) -> str:
    """The part of ``text`` an entity covers."""
    encoded = text.encode("utf-16-le")
    start = entity["offset"] * 2
    return encoded[start : start + entity["length"] * 2].decode("utf-16-le")


def format_text(
    text: str, parse_mode: str | None, entities: tuple[MessageEntityJson, ...] | None
) -> FormattedText:
    """Apply ``parse_mode`` (or explicit entities), then trim like Telegram does."""
    if entities is not None:
        parsed = FormattedText(text, entities)
    elif parse_mode is None or parse_mode == "":
        parsed = FormattedText(text)
    else:
        mode = parse_mode.lower()
        if mode == "html":
            parsed = parse_html(text)
        elif mode == "markdownv2":
            parsed = _MarkdownParser(text, v2=True).parse()
        elif mode == "markdown":
            parsed = _MarkdownParser(text, v2=False).parse()
        else:
            raise bad_request("Bad Request: unsupported parse_mode")
    return _trim(parsed)


def _trim(formatted: FormattedText) -> FormattedText:
    text = formatted.text
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    limit = utf16_len(result)
    entities: list[MessageEntityJson] = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - shift)
        end = min(limit, entity["offset"] + entity["length"] - shift)
        if end > start:
            moved: MessageEntityJson = {**entity, "offset": start, "length": end - start}
            entities.append(moved)
    return FormattedText(result, tuple(entities))


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


class _HtmlParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for match in re.finditer("\n", source):
            self.line_starts.append(match.end())
        self.parts: list[str] = []
        self.length = 0
        self.stack: list[tuple[str, int, MessageEntityJson]] = []
        self.entities: list[MessageEntityJson] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self.source, self.line_starts[line - 1] + column)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        entity: MessageEntityJson
        if tag in HTML_SIMPLE_TAGS:
            entity = {"type": HTML_SIMPLE_TAGS[tag], "offset": self.length, "length": 0}
            language = values.get("class", "")
            if tag == "code" and language.startswith("language-") and self._inside("pre"):
                self._set_pre_language(language.removeprefix("language-"))
        elif tag == "span" and values.get("class") == "tg-spoiler":
            entity = {"type": "spoiler", "offset": self.length, "length": 0}
        elif tag == "a":
            entity = {"type": "text_link", "offset": self.length, "length": 0}
            entity["url"] = values.get("href", "")
        elif tag == "blockquote":
            kind = "expandable_blockquote" if "expandable" in values else "blockquote"
            entity = {"type": kind, "offset": self.length, "length": 0}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "offset": self.length, "length": 0}
            entity["custom_emoji_id"] = values.get("emoji-id", "")
        else:
            raise bad_request(
                cant_parse_entities(
                    f'Unsupported start tag "{tag}" at byte offset {self._offset()}'
                )
            )
        self.stack.append((tag, self._offset(), entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise bad_request(
            cant_parse_entities(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        )

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise bad_request(
                cant_parse_entities(f"Unexpected end tag at byte offset {self._offset()}")
            )
        open_tag, _, entity = self.stack[-1]
        if open_tag != tag:
            raise bad_request(
                cant_parse_entities(
                    f"Unmatched end tag at byte offset {self._offset()}, "
                    f'expected "</{open_tag}>", found "</{tag}>"'
                )
            )
        self.stack.pop()
        entity["length"] = self.length - entity["offset"]
        if entity["length"] > 0:
            self.entities.append(entity)

    def _inside(self, tag: str) -> bool:
        return any(open_tag == tag for open_tag, _, _ in self.stack)

    def _set_pre_language(self, language: str) -> None:
        for open_tag, _, entity in self.stack:
            if open_tag == "pre":
                entity["language"] = language

    def result(self) -> FormattedText:
        self.close()
        if self.stack:
            tag, _, _ = self.stack[-1]
            raise bad_request(
                cant_parse_entities(f'Can\'t find end tag corresponding to start tag "{tag}"')
            )
        entities = sorted(self.entities, key=lambda item: item["offset"])
        return FormattedText("".join(self.parts), tuple(entities))


def parse_html(source: str) -> FormattedText:
    """parse_mode=HTML: the tags Telegram supports, everything else is an error."""
    parser = _HtmlParser(source)
    parser.feed(source)
    return parser.result()


_MARKERS_V2: Final = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MARKERS_V1: Final = {"*": "bold", "_": "italic"}


class _MarkdownParser:
    """MarkdownV2 (strict escaping) and legacy Markdown."""

    def __init__(self, source: str, *, v2: bool) -> None:
        self.source = source
        self.v2 = v2
        self.out: list[str] = []
        self.length = 0
        self.index = 0
        self.open: list[tuple[str, MessageEntityJson, int]] = []
        self.entities: list[MessageEntityJson] = []

    def fail(self, reason: str) -> ApiError:
        return bad_request(cant_parse_entities(reason))

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.length += utf16_len(char)

    def parse(self) -> FormattedText:
        src = self.source
        while self.index < len(src):
            char = src[self.index]
            if char == "\\" and self._escape():
                continue
            if char == "`":
                self._code()
                continue
            if char == "[":
                self._link()
                continue
            marker = self._marker()
            if marker is not None:
                self._toggle(marker)
                continue
            if self.v2 and char in MARKDOWN_V2_RESERVED:
                raise self.fail(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            self.emit(char)
            self.index += 1
        if self.open:
            marker, _, start = self.open[-1]
            kind = (_MARKERS_V2 if self.v2 else _MARKERS_V1)[marker]
            if self.v2:
                raise self.fail(
                    f"Can't find end of {kind.capitalize()} entity at byte offset {start}"
                )
            raise self.fail(f"Can't find end of the entity starting at byte offset {start}")
        entities = sorted(self.entities, key=lambda item: item["offset"])
        return FormattedText("".join(self.out), tuple(entities))

    def _escape(self) -> bool:
        src = self.source
        following = src[self.index + 1] if self.index + 1 < len(src) else ""
        if self.v2:
            if following and 0 < ord(following) <= MAX_ESCAPABLE_CODEPOINT:
                self.emit(following)
                self.index += 2
                return True
            raise self.fail(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if following in ("_", "*", "`", "["):
            self.emit(following)
            self.index += 2
            return True
        return False

    def _marker(self) -> str | None:
        src = self.source
        markers = _MARKERS_V2 if self.v2 else _MARKERS_V1
        for marker in sorted(markers, key=len, reverse=True):
            if src.startswith(marker, self.index):
                return marker
        return None

    def _toggle(self, marker: str) -> None:
        kinds = _MARKERS_V2 if self.v2 else _MARKERS_V1
        start_byte = _byte_offset(self.source, self.index)
        self.index += len(marker)
        for position in range(len(self.open) - 1, -1, -1):
            if self.open[position][0] == marker:
                _, entity, _ = self.open.pop(position)
                entity["length"] = self.length - entity["offset"]
                if entity["length"] > 0:
                    self.entities.append(entity)
                return
        if not self.v2 and self.open:
            raise self.fail(f"Can't find end of the entity starting at byte offset {start_byte}")
        self.open.append(
            (marker, {"type": kinds[marker], "offset": self.length, "length": 0}, start_byte)
        )

    def _code(self) -> None:
        src = self.source
        start_byte = _byte_offset(src, self.index)
        fence = "```" if src.startswith("```", self.index) else "`"
        self.index += len(fence)
        language = ""
        if fence == "```":
            newline = src.find("\n", self.index)
            closing = src.find("```", self.index)
            if newline != -1 and (closing == -1 or newline < closing):
                language = src[self.index : newline]
                self.index = newline + 1
        offset = self.length
        while True:
            if self.index >= len(src):
                kind = "Pre" if fence == "```" else "Code"
                if self.v2:
                    raise self.fail(f"Can't find end of {kind} entity at byte offset {start_byte}")
                raise self.fail(
                    f"Can't find end of the entity starting at byte offset {start_byte}"
                )
            if src.startswith(fence, self.index):
                self.index += len(fence)
                break
            char = src[self.index]
            if self.v2 and char == "\\" and self.index + 1 < len(src):
                self.emit(src[self.index + 1])
                self.index += 2
                continue
            self.emit(char)
            self.index += 1
        entity: MessageEntityJson = {
            "type": "pre" if fence == "```" else "code",
            "offset": offset,
            "length": self.length - offset,
        }
        if language:
            entity["language"] = language
        if entity["length"] > 0:
            self.entities.append(entity)

    def _link(self) -> None:
        src = self.source
        start_byte = _byte_offset(src, self.index)
        self.index += 1
        offset = self.length
        while self.index < len(src) and src[self.index] != "]":
            char = src[self.index]
            if char == "\\" and self._escape():
                continue
            if self.v2 and char in MARKDOWN_V2_RESERVED:
                raise self.fail(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            self.emit(char)
            self.index += 1
        if self.index >= len(src):
            raise self.fail(f"Can't find end of the entity starting at byte offset {start_byte}")
        self.index += 1
        if not src.startswith("(", self.index):
            if self.v2:
                raise self.fail(
                    "Character '[' is reserved and must be escaped with the preceding '\\'"
                )
            return
        close = src.find(")", self.index)
        if close == -1:
            raise self.fail(f"Can't find end of a URL at byte offset {start_byte}")
        url = src[self.index + 1 : close].replace("\\)", ")").replace("\\\\", "\\")
        self.index = close + 1
        if self.length > offset:
            entity: MessageEntityJson = {
                "type": "text_link",
                "offset": offset,
                "length": self.length - offset,
                "url": url,
            }
            self.entities.append(entity)
