"""TypedDicts for the Bot API JSON objects the fake server produces."""

from __future__ import annotations

from typing import Any, TypedDict

JsonObject = dict[str, Any]


class _EntityBase(TypedDict):
    type: str
    offset: int
    length: int


class MessageEntityJson(_EntityBase, total=False):
    url: str
    language: str
    custom_emoji_id: str


class _UserBase(TypedDict):
    id: int
    is_bot: bool
    first_name: str


class UserJson(_UserBase, total=False):
    last_name: str
    username: str
    language_code: str
    is_premium: bool
    can_join_groups: bool
    can_read_all_group_messages: bool
    supports_inline_queries: bool


class _ChatBase(TypedDict):
    id: int
    type: str


class ChatJson(_ChatBase, total=False):
    title: str
    username: str
    first_name: str
    last_name: str


class PhotoSizeJson(TypedDict):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int


class _DocumentBase(TypedDict):
    file_id: str
    file_unique_id: str


class DocumentJson(_DocumentBase, total=False):
    file_name: str
    mime_type: str
    file_size: int


class _FileBase(TypedDict):
    file_id: str
    file_unique_id: str


class FileJson(_FileBase, total=False):
    file_size: int
    file_path: str


class BotCommandJson(TypedDict):
    command: str
    description: str


class ReactionJson(TypedDict):
    type: str
    emoji: str


MessageJson = TypedDict(
    "MessageJson",
    {
        "message_id": int,
        "date": int,
        "chat": ChatJson,
        "from": UserJson,
        "text": str,
        "entities": list[MessageEntityJson],
        "caption": str,
        "caption_entities": list[MessageEntityJson],
        "photo": list[PhotoSizeJson],
        "document": DocumentJson,
        "media_group_id": str,
        "reply_to_message": "MessageJson",
        "reply_markup": JsonObject,
        "edit_date": int,
    },
    total=False,
)

CallbackQueryJson = TypedDict(
    "CallbackQueryJson",
    {
        "id": str,
        "from": UserJson,
        "chat_instance": str,
        "data": str,
        "message": MessageJson,
    },
)


class _UpdateBase(TypedDict):
    update_id: int


class UpdateJson(_UpdateBase, total=False):
    message: MessageJson
    edited_message: MessageJson
    callback_query: CallbackQueryJson
