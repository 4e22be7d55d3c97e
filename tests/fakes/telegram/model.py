"""Domain objects of the fake: users, chats, message snapshots and the call log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .markup import callback_buttons
from .wire import ChatJson, DocumentJson, JsonObject, MessageEntityJson, PhotoSizeJson, UserJson

ChatType = Literal["private", "group", "supergroup"]
MessageKind = Literal["text", "photo", "document"]


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram account (a person, or another bot when ``is_bot``)."""

    id: int
    first_name: str
    is_bot: bool = False
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def json(self) -> UserJson:
        user: UserJson = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code and not self.is_bot:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user


@dataclass(frozen=True, slots=True)
class FakeChat:
    """A chat the bot can talk in."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def json(self) -> ChatJson:
        chat: ChatJson = {"id": self.id, "type": self.type}
        if self.title is not None:
            chat["title"] = self.title
        if self.username:
            chat["username"] = self.username
        if self.first_name is not None:
            chat["first_name"] = self.first_name
        if self.last_name:
            chat["last_name"] = self.last_name
        return chat


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """The content of a message at one point of its life."""

    kind: MessageKind
    date: int
    method: str
    text: str | None = None
    entities: tuple[MessageEntityJson, ...] = ()
    caption: str | None = None
    caption_entities: tuple[MessageEntityJson, ...] = ()
    photo: tuple[PhotoSizeJson, ...] = ()
    document: DocumentJson | None = None
    reply_markup: JsonObject | None = None

    def same_content(self, other: MessageVersion) -> bool:
        """Whether an edit to ``other`` would change nothing Telegram compares."""
        return (
            self.kind == other.kind
            and self.text == other.text
            and self.entities == other.entities
            and (self.caption or "") == (other.caption or "")
            and self.caption_entities == other.caption_entities
            and _file_ids(self) == _file_ids(other)
            and self.reply_markup == other.reply_markup
        )


def _file_ids(version: MessageVersion) -> tuple[str, ...]:
    ids = tuple(size["file_unique_id"] for size in version.photo)
    if version.document is not None:
        ids += (version.document["file_unique_id"],)
    return ids


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message the bot sent, with every version it went through (oldest first)."""

    chat_id: int
    message_id: int
    history: tuple[MessageVersion, ...]
    deleted: bool = False
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    reactions: tuple[str, ...] = ()

    @property
    def current(self) -> MessageVersion:
        return self.history[-1]

    @property
    def kind(self) -> MessageKind:
        return self.current.kind

    @property
    def text(self) -> str | None:
        return self.current.text

    @property
    def caption(self) -> str | None:
        return self.current.caption

    @property
    def reply_markup(self) -> JsonObject | None:
        return self.current.reply_markup

    @property
    def photo(self) -> tuple[PhotoSizeJson, ...]:
        return self.current.photo

    @property
    def document(self) -> DocumentJson | None:
        return self.current.document

    @property
    def edited(self) -> bool:
        return len(self.history) > 1

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the current inline keyboard's callback buttons."""
        return callback_buttons(self.current.reply_markup)


@dataclass(frozen=True, slots=True)
class SentUserMessage:
    """What ``send_user_message`` created: the message and, if delivered, its update."""

    chat_id: int
    message_id: int
    update_id: int | None

    @property
    def delivered(self) -> bool:
        return self.update_id is not None


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API request and how it was answered."""

    method: str
    params: dict[str, Any]
    files: tuple[str, ...]
    ok: bool
    error_code: int | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class AnsweredCallback:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(frozen=True, slots=True)
class ChatAction:
    chat_id: int
    action: str


@dataclass(frozen=True, slots=True)
class InjectedError:
    """An answer to give instead of running the method (see ``FakeTelegram.fail_next``)."""

    method: str
    error_code: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None
