"""Bot API error answers, worded the way api.telegram.org words them."""

from __future__ import annotations

from typing import Any, Final

BAD_REQUEST: Final = 400
UNAUTHORIZED: Final = 401
FORBIDDEN: Final = 403
NOT_FOUND: Final = 404
CONFLICT: Final = 409
ENTITY_TOO_LARGE: Final = 413
TOO_MANY_REQUESTS: Final = 429

CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
CHAT_ID_EMPTY: Final = "Bad Request: chat_id is empty"
USER_NOT_FOUND: Final = "Bad Request: user not found"
TEXT_EMPTY: Final = "Bad Request: message text is empty"
TEXT_TOO_LONG: Final = "Bad Request: message is too long"
EDIT_TEXT_TOO_LONG: Final = "Bad Request: MESSAGE_TOO_LONG"
CAPTION_TOO_LONG: Final = "Bad Request: message caption is too long"
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MESSAGE_ID_MISSING: Final = "Bad Request: message identifier is not specified"
EDIT_NOT_FOUND: Final = "Bad Request: message to edit not found"
CANT_BE_EDITED: Final = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT: Final = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT: Final = "Bad Request: there is no caption in the message to edit"
DELETE_NOT_FOUND: Final = "Bad Request: message to delete not found"
CANT_BE_DELETED: Final = "Bad Request: message can't be deleted"
REPLY_NOT_FOUND: Final = "Bad Request: message to be replied not found"
BUTTON_DATA_INVALID: Final = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_URL_INVALID: Final = "Bad Request: BUTTON_URL_INVALID"
TEXT_BUTTONS_UNALLOWED: Final = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
REPLY_MARKUP_TOO_LONG: Final = "Bad Request: reply markup is too long"
INLINE_KEYBOARD_EXPECTED: Final = "Bad Request: inline keyboard expected"
PHOTO_INVALID_DIMENSIONS: Final = "Bad Request: PHOTO_INVALID_DIMENSIONS"
PHOTO_TOO_BIG: Final = "Bad Request: PHOTO_SAVE_FILE_INVALID"
IMAGE_PROCESS_FAILED: Final = "Bad Request: IMAGE_PROCESS_FAILED"
FILE_EMPTY: Final = "Bad Request: file must be non-empty"
FILE_TOO_BIG_TO_DOWNLOAD: Final = "Bad Request: file is too big"
INVALID_FILE_ID: Final = "Bad Request: invalid file_id"
WRONG_FILE_ID: Final = "Bad Request: wrong file identifier/HTTP URL specified"
URL_CONTENT_FAILED: Final = "Bad Request: failed to get HTTP URL content"
ENTITY_TOO_LARGE_TEXT: Final = "Request Entity Too Large"
ALBUM_TOO_BIG: Final = "Bad Request: too much messages to send as an album"
ALBUM_EMPTY: Final = "Bad Request: media array must be non-empty"
ALBUM_MIXED: Final = "Bad Request: can't use the media of the specified type in the album"
QUERY_ID_INVALID: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
WRONG_ACTION: Final = "Bad Request: wrong parameter action in request"
COMMAND_INVALID: Final = "Bad Request: BOT_COMMAND_INVALID"
COMMAND_DESCRIPTION_INVALID: Final = "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
GET_UPDATES_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
BOT_BLOCKED: Final = "Forbidden: bot was blocked by the user"
CANT_INITIATE: Final = "Forbidden: bot can't initiate conversation with a user"
KICKED_FROM_GROUP: Final = "Forbidden: bot was kicked from the group chat"
KICKED_FROM_SUPERGROUP: Final = "Forbidden: bot was kicked from the supergroup chat"


def retry_after_text(seconds: int) -> str:
    """The description Telegram sends with a 429."""
    return f"Too Many Requests: retry after {seconds}"


def cant_parse_json(what: str) -> str:
    return f"Bad Request: can't parse {what} JSON object"


def cant_parse_entities(reason: str) -> str:
    return f"Bad Request: can't parse entities: {reason}"


def file_type_mismatch(actual: str, wanted: str) -> str:
    return f"Bad Request: can't use file of type {actual} as {wanted}"


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(BAD_REQUEST, description)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(TOO_MANY_REQUESTS, retry_after_text(retry_after), retry_after=retry_after)
