"""The Bot API methods of the fake, strict about parameters and limits."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Final

from .errors import (
    ALBUM_EMPTY,
    ALBUM_MIXED,
    ALBUM_TOO_BIG,
    CANT_BE_DELETED,
    CANT_BE_EDITED,
    CAPTION_TOO_LONG,
    CHAT_ID_EMPTY,
    COMMAND_DESCRIPTION_INVALID,
    COMMAND_INVALID,
    CONFLICT,
    DELETE_NOT_FOUND,
    EDIT_NOT_FOUND,
    EDIT_TEXT_TOO_LONG,
    FILE_TOO_BIG_TO_DOWNLOAD,
    GET_UPDATES_CONFLICT,
    INLINE_KEYBOARD_EXPECTED,
    INVALID_FILE_ID,
    MESSAGE_ID_MISSING,
    NO_CAPTION_TO_EDIT,
    NO_TEXT_TO_EDIT,
    NOT_FOUND,
    NOT_MODIFIED,
    QUERY_ID_INVALID,
    REPLY_NOT_FOUND,
    TEXT_EMPTY,
    TEXT_TOO_LONG,
    URL_CONTENT_FAILED,
    USER_NOT_FOUND,
    WEBHOOK_ACTIVE,
    WRONG_ACTION,
    WRONG_FILE_ID,
    ApiError,
    bad_request,
    cant_parse_json,
    file_type_mismatch,
    too_many_requests,
)
from .files import (
    DOWNLOAD_MAX_BYTES,
    URL_FILE_MAX_BYTES,
    URL_PHOTO_MAX_BYTES,
    FileKind,
    StoredFile,
    kind_name,
)
from .flood import FloodControl
from .markup import parse_reply_markup
from .model import MessageVersion
from .params import Params, Upload
from .text import FormattedText, format_text, utf16_len
from .wire import BotCommandJson
from .world import (
    ChangeHub,
    ChatState,
    MessageRecord,
    WebhookConfig,
    World,
    new_media_group_id,
    now_unix,
)

log = logging.getLogger(__name__)

TEXT_MAX: Final = 4096
CAPTION_MAX: Final = 1024
ALBUM_MAX: Final = 10
UPDATES_LIMIT_MAX: Final = 100
COMMANDS_MAX: Final = 100
COMMAND_RE: Final = re.compile(r"^[a-z0-9_]{1,32}$")
COMMAND_DESCRIPTION_MAX: Final = 256
LANGUAGE_RE: Final = re.compile(r"^[a-z]{2}$")
WEBHOOK_MAX_CONNECTIONS: Final = 40
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES: Final = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
ADMIN_RIGHTS: Final = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_pin_messages",
)
MAX_REACTIONS: Final = 11

Handler = Callable[[Params], Awaitable[Any]]
UrlFetcher = Callable[[str, int], Awaitable[bytes]]
Clock = Callable[[], float]


class BotApi:
    """Runs one method call against the world; raises ApiError for every refusal."""

    def __init__(
        self,
        world: World,
        flood: FloodControl,
        hub: ChangeHub,
        *,
        clock: Clock,
        fetch_url: UrlFetcher | None,
        callback_timeout: float | None,
    ) -> None:
        self.world = world
        self.flood = flood
        self.hub = hub
        self.clock = clock
        self.fetch_url = fetch_url
        self.callback_timeout = callback_timeout
        self._poll_ticket: object | None = None
        self.waiting_polls = 0
        self._handlers: dict[str, Handler] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "sendmediagroup": self.send_media_group,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagemedia": self.edit_message_media,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "sendchataction": self.send_chat_action,
            "answercallbackquery": self.answer_callback_query,
            "setmessagereaction": self.set_message_reaction,
            "getfile": self.get_file,
            "getchat": self.get_chat,
            "getchatmember": self.get_chat_member,
            "getchatadministrators": self.get_chat_administrators,
        }

    def supports(self, method: str) -> bool:
        return method.lower() in self._handlers

    async def call(self, method: str, params: Params) -> Any:
        name = method.lower()
        handler = self._handlers.get(name)
        if handler is None:
            raise ApiError(NOT_FOUND, "Not Found")
        injected = self.world.take_injected(name, self._target_chat_id(params))
        if injected is not None:
            raise ApiError(
                injected.error_code, injected.description, retry_after=injected.retry_after
            )
        return await handler(params)

    def _target_chat_id(self, params: Params) -> int | None:
        try:
            return self.world.find_chat(params.text("chat_id")).chat.id
        except ApiError:
            return params.integer("chat_id")

    def _gate(self, state: ChatState, method: str, count: int = 1) -> None:
        """Flood control, after validation and right before the message goes out."""
        private = state.chat.is_private
        now = self.clock()
        wait = self.flood.retry_after(state.chat.id, private=private, now=now, count=count)
        if wait is not None:
            log.debug(
                "flood control [chat:%s method:%s retry_after:%s]", state.chat.id, method, wait
            )
            raise too_many_requests(wait)
        self.flood.record(state.chat.id, private=private, now=now, count=count)

    # -- bot and updates ------------------------------------------------------------------

    async def get_me(self, params: Params) -> Any:
        user = dict(self.world.bot.json())
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.world.privacy_mode,
            supports_inline_queries=False,
        )
        return user

    async def get_updates(self, params: Params) -> Any:
        if self.world.webhook is not None:
            raise ApiError(CONFLICT, WEBHOOK_ACTIVE)
        offset = params.integer("offset")
        limit = params.integer("limit") or UPDATES_LIMIT_MAX
        limit = max(1, min(UPDATES_LIMIT_MAX, limit))
        timeout = max(0, params.integer("timeout") or 0)
        allowed = params.decoded("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = frozenset(str(kind) for kind in allowed) or None
        self.world.confirm(offset)
        ticket = object()
        self._poll_ticket = ticket
        deadline = asyncio.get_running_loop().time() + timeout
        self.waiting_polls += 1
        self.hub.notify()
        try:
            while True:
                updates = self.world.pending(limit)
                if updates or self.hub.closing:
                    return updates
                if self._poll_ticket is not ticket:
                    raise ApiError(CONFLICT, GET_UPDATES_CONFLICT)
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return []
                await self.hub.wait(remaining)
        finally:
            self.waiting_polls -= 1
            self.hub.notify()

    async def set_webhook(self, params: Params) -> Any:
        url = (params.text("url") or "").strip()
        if params.flag("drop_pending_updates"):
            self.world.updates.clear()
        allowed = params.decoded("allowed_updates", "allowed updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = frozenset(str(kind) for kind in allowed) or None
        if not url:
            self.world.webhook = None
            self.hub.notify()
            return True
        if not url.startswith(("https://", "http://")):
            raise bad_request("Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.world.webhook = WebhookConfig(
            url=url,
            secret_token=params.text("secret_token"),
            max_connections=params.integer("max_connections") or WEBHOOK_MAX_CONNECTIONS,
        )
        self.hub.notify()
        return True

    async def delete_webhook(self, params: Params) -> Any:
        if params.flag("drop_pending_updates"):
            self.world.updates.clear()
        self.world.webhook = None
        self.hub.notify()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        webhook = self.world.webhook
        info: dict[str, Any] = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if self.world.allowed_updates:
            info["allowed_updates"] = sorted(self.world.allowed_updates)
        return info

    # -- commands -------------------------------------------------------------------------

    def _command_key(self, params: Params) -> tuple[tuple[str, int | None, int | None], str]:
        scope = params.decoded("scope", "BotCommandScope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("Bad Request: unsupported bot command scope type")
        kind = str(scope["type"])
        chat_id: int | None = None
        user_id: int | None = None
        if kind in ("chat", "chat_administrators", "chat_member"):
            raw_chat = scope.get("chat_id")
            chat_id = self.world.find_chat(None if raw_chat is None else str(raw_chat)).chat.id
        if kind == "chat_member":
            raw_user = scope.get("user_id")
            if not isinstance(raw_user, int) or raw_user not in self.world.users:
                raise bad_request(USER_NOT_FOUND)
            user_id = raw_user
        language = params.text("language_code") or ""
        if language and not LANGUAGE_RE.match(language):
            raise bad_request("Bad Request: invalid language code specified")
        return (kind, chat_id, user_id), language

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.decoded("commands", "bot commands")
        if not isinstance(commands, list):
            raise bad_request(cant_parse_json("bot commands"))
        if len(commands) > COMMANDS_MAX:
            raise bad_request("Bad Request: too many commands specified")
        cleaned: list[BotCommandJson] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request(cant_parse_json("bot commands"))
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not COMMAND_RE.match(name):
                raise bad_request(COMMAND_INVALID)
            if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
                raise bad_request(COMMAND_DESCRIPTION_INVALID)
            cleaned.append({"command": name, "description": description})
        key = self._command_key(params)
        if cleaned:
            self.world.commands[key] = cleaned
        else:
            self.world.commands.pop(key, None)
        self.hub.notify()
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return list(self.world.commands.get(self._command_key(params), []))

    async def delete_my_commands(self, params: Params) -> Any:
        self.world.commands.pop(self._command_key(params), None)
        self.hub.notify()
        return True

    # -- shared pieces of the send/edit methods -------------------------------------------

    def _formatted(self, params: Params, text_field: str, entities_field: str) -> FormattedText:
        raw = params.text(text_field) or ""
        entities = params.decoded(entities_field, "entities")
        parsed_entities = None
        if isinstance(entities, list):
            parsed_entities = tuple(entities)
        return format_text(raw, params.text("parse_mode"), parsed_entities)

    def _caption(self, params: Params) -> FormattedText:
        caption = self._formatted(params, "caption", "caption_entities")
        if utf16_len(caption.text) > CAPTION_MAX:
            raise bad_request(CAPTION_TOO_LONG)
        return caption

    def _markup(self, params: Params, *, inline_only: bool = False) -> Any:
        markup = parse_reply_markup(params.decoded("reply_markup", "reply keyboard markup"))
        if inline_only and markup is not None and "inline_keyboard" not in markup:
            raise bad_request(INLINE_KEYBOARD_EXPECTED)
        return markup

    def _reply_target(self, state: ChatState, params: Params) -> int | None:
        reply = params.decoded("reply_parameters", "reply parameters")
        allow = params.flag("allow_sending_without_reply")
        target: int | None = None
        if isinstance(reply, dict):
            raw = reply.get("message_id")
            target = raw if isinstance(raw, int) else None
            allow = allow or bool(reply.get("allow_sending_without_reply"))
        elif params.has("reply_to_message_id"):
            target = params.integer("reply_to_message_id")
        if target is None:
            return None
        record = state.messages.get(target)
        if record is None or record.deleted:
            if allow:
                return None
            raise bad_request(REPLY_NOT_FOUND)
        return target

    async def _file(
        self, params: Params, ref: str | None, kind: FileKind, field: str
    ) -> tuple[StoredFile, ...]:
        """Resolve an InputFile reference: upload, attach://, URL or file_id."""
        upload: Upload | None = None
        if ref is None or ref == "":
            upload = params.files.get(field)
            if upload is None:
                raise bad_request(f"Bad Request: there is no {field} in the request")
        elif ref.startswith("attach://"):
            upload = params.files.get(ref.removeprefix("attach://"))
            if upload is None:
                raise bad_request(WRONG_FILE_ID)
        elif ref.startswith(("http://", "https://")):
            limit = URL_PHOTO_MAX_BYTES if kind == "photo" else URL_FILE_MAX_BYTES
            if self.fetch_url is None:
                raise bad_request(URL_CONTENT_FAILED)
            data = await self.fetch_url(ref, limit)
            upload = Upload(field=field, filename=ref.rsplit("/", 1)[-1] or field, data=data)
        if upload is not None:
            if kind == "photo":
                return self.world.files.add_photo(upload.data)
            return (self.world.files.add_document(upload.data, upload.filename),)
        assert ref is not None
        stored = self.world.files.get(ref)
        if stored is None:
            raise bad_request(WRONG_FILE_ID)
        if stored.kind != kind:
            raise bad_request(file_type_mismatch(kind_name(stored.kind), kind_name(kind)))
        if kind == "photo":
            return self.world.files.photo_group(ref) or (stored,)
        return (stored,)

    def _media_version(
        self,
        kind: FileKind,
        files: tuple[StoredFile, ...],
        caption: FormattedText,
        markup: Any,
        method: str,
    ) -> MessageVersion:
        return MessageVersion(
            kind=kind,
            date=now_unix(),
            method=method,
            caption=caption.text or None,
            caption_entities=caption.entities,
            photo=tuple(item.photo_size() for item in files) if kind == "photo" else (),
            document=files[0].document() if kind == "document" else None,
            reply_markup=markup,
        )

    def _editable(self, params: Params) -> MessageRecord:
        if params.has("inline_message_id"):
            raise bad_request(EDIT_NOT_FOUND)
        if not params.has("chat_id"):
            raise bad_request(CHAT_ID_EMPTY)
        state = self.world.find_chat(params.text("chat_id"))
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request(MESSAGE_ID_MISSING)
        record = state.messages.get(message_id)
        if record is None or record.deleted:
            raise bad_request(EDIT_NOT_FOUND)
        if record.sender.id != self.world.bot.id:
            raise bad_request(CANT_BE_EDITED)
        return record

    def _commit_edit(self, record: MessageRecord, version: MessageVersion) -> Any:
        if version.same_content(record.current):
            raise bad_request(NOT_MODIFIED)
        self._gate(self.world.chats[record.chat_id], version.method)
        self.world.apply_edit(record, version)
        return self.world.message_json(record)

    # -- sending --------------------------------------------------------------------------

    async def send_message(self, params: Params) -> Any:
        state = self.world.chat_for_sending(params.text("chat_id"))
        text = self._formatted(params, "text", "entities")
        if not text.text:
            raise bad_request(TEXT_EMPTY)
        if utf16_len(text.text) > TEXT_MAX:
            raise bad_request(TEXT_TOO_LONG)
        markup = self._markup(params)
        reply_to = self._reply_target(state, params)
        version = MessageVersion(
            kind="text",
            date=now_unix(),
            method="sendMessage",
            text=text.text,
            entities=text.entities,
            reply_markup=markup,
        )
        self._gate(state, "sendMessage")
        record = self.world.add_message(state, self.world.bot, version, reply_to=reply_to)
        return self.world.message_json(record)

    async def send_photo(self, params: Params) -> Any:
        return await self._send_media(params, "photo", "sendPhoto")

    async def send_document(self, params: Params) -> Any:
        return await self._send_media(params, "document", "sendDocument")

    async def _send_media(self, params: Params, kind: FileKind, method: str) -> Any:
        state = self.world.chat_for_sending(params.text("chat_id"))
        caption = self._caption(params)
        markup = self._markup(params)
        reply_to = self._reply_target(state, params)
        files = await self._file(params, params.text(kind), kind, kind)
        version = self._media_version(kind, files, caption, markup, method)
        self._gate(state, method)
        record = self.world.add_message(state, self.world.bot, version, reply_to=reply_to)
        return self.world.message_json(record)

    async def send_media_group(self, params: Params) -> Any:
        state = self.world.chat_for_sending(params.text("chat_id"))
        media = params.decoded("media", "media")
        if not isinstance(media, list):
            raise bad_request(cant_parse_json("media"))
        if not media:
            raise bad_request(ALBUM_EMPTY)
        if len(media) > ALBUM_MAX:
            raise bad_request(ALBUM_TOO_BIG)
        kinds = [item.get("type") if isinstance(item, dict) else None for item in media]
        if any(kind not in ("photo", "document") for kind in kinds):
            raise bad_request(
                "Bad Request: the fake Telegram server supports photo and document albums only"
            )
        if "document" in kinds and len(set(kinds)) > 1:
            raise bad_request(ALBUM_MIXED)
        reply_to = self._reply_target(state, params)
        versions = []
        for item in media:
            kind: FileKind = "photo" if item["type"] == "photo" else "document"
            caption = self._item_caption(item)
            files = await self._file(params, _item_ref(item), kind, kind)
            versions.append(self._media_version(kind, files, caption, None, "sendMediaGroup"))
        self._gate(state, "sendMediaGroup", len(versions))
        group_id = new_media_group_id()
        messages = []
        for version in versions:
            record = self.world.add_message(
                state, self.world.bot, version, reply_to=reply_to, media_group_id=group_id
            )
            messages.append(self.world.message_json(record))
        return messages

    def _item_caption(self, item: dict[str, Any]) -> FormattedText:
        entities = item.get("caption_entities")
        caption = format_text(
            str(item.get("caption") or ""),
            item.get("parse_mode"),
            tuple(entities) if isinstance(entities, list) else None,
        )
        if utf16_len(caption.text) > CAPTION_MAX:
            raise bad_request(CAPTION_TOO_LONG)
        return caption

    # -- editing --------------------------------------------------------------------------

    async def edit_message_text(self, params: Params) -> Any:
        record = self._editable(params)
        if record.current.kind != "text":
            raise bad_request(NO_TEXT_TO_EDIT)
        text = self._formatted(params, "text", "entities")
        if not text.text:
            raise bad_request(TEXT_EMPTY)
        if utf16_len(text.text) > TEXT_MAX:
            raise bad_request(EDIT_TEXT_TOO_LONG)
        version = replace(
            record.current,
            date=now_unix(),
            method="editMessageText",
            text=text.text,
            entities=text.entities,
            reply_markup=self._markup(params, inline_only=True),
        )
        return self._commit_edit(record, version)

    async def edit_message_caption(self, params: Params) -> Any:
        record = self._editable(params)
        if record.current.kind == "text":
            raise bad_request(NO_CAPTION_TO_EDIT)
        caption = self._caption(params)
        version = replace(
            record.current,
            date=now_unix(),
            method="editMessageCaption",
            caption=caption.text or None,
            caption_entities=caption.entities,
            reply_markup=self._markup(params, inline_only=True),
        )
        return self._commit_edit(record, version)

    async def edit_message_media(self, params: Params) -> Any:
        record = self._editable(params)
        media = params.decoded("media", "InputMedia")
        if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
            raise bad_request(cant_parse_json("InputMedia"))
        kind: FileKind = "photo" if media["type"] == "photo" else "document"
        if (
            record.media_group_id is not None
            and record.current.kind != kind
            and "document"
            in (
                kind,
                record.current.kind,
            )
        ):
            raise bad_request(ALBUM_MIXED)
        caption = self._item_caption(media)
        markup = self._markup(params, inline_only=True)
        files = await self._file(params, _item_ref(media), kind, "media")
        version = self._media_version(kind, files, caption, markup, "editMessageMedia")
        return self._commit_edit(record, version)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        record = self._editable(params)
        version = replace(
            record.current,
            date=now_unix(),
            method="editMessageReplyMarkup",
            reply_markup=self._markup(params, inline_only=True),
        )
        return self._commit_edit(record, version)

    async def delete_message(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request(MESSAGE_ID_MISSING)
        self._delete(state, message_id)
        return True

    async def delete_messages(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        ids = params.decoded("message_ids", "message identifiers")
        if not isinstance(ids, list) or not ids:
            raise bad_request("Bad Request: message identifiers are not specified")
        for message_id in ids:
            try:
                self._delete(state, int(message_id))
            except ApiError:
                continue
        return True

    def _delete(self, state: ChatState, message_id: int) -> None:
        record = state.messages.get(message_id)
        if record is None or record.deleted:
            raise bad_request(DELETE_NOT_FOUND)
        foreign = record.sender.id != self.world.bot.id
        if foreign and not state.chat.is_private and not state.bot_is_admin:
            raise bad_request(CANT_BE_DELETED)
        self.world.delete(record)

    # -- other methods --------------------------------------------------------------------

    async def send_chat_action(self, params: Params) -> Any:
        state = self.world.chat_for_sending(params.text("chat_id"))
        action = params.text("action") or ""
        if action not in CHAT_ACTIONS:
            raise bad_request(WRONG_ACTION)
        self.world.record_action(state.chat.id, action)
        return True

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.text("callback_query_id") or ""
        callback = self.world.callbacks.get(query_id)
        if callback is None or callback.answered:
            raise bad_request(QUERY_ID_INVALID)
        if self.callback_timeout is not None and (
            time.monotonic() - callback.created > self.callback_timeout
        ):
            raise bad_request(QUERY_ID_INVALID)
        callback.answered = True
        self.world.record_answer(
            query_id,
            text=params.text("text"),
            show_alert=params.flag("show_alert"),
            url=params.text("url"),
            cache_time=params.integer("cache_time") or 0,
        )
        return True

    async def set_message_reaction(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        message_id = params.integer("message_id")
        record = state.messages.get(message_id) if message_id is not None else None
        if record is None or record.deleted:
            raise bad_request("Bad Request: MESSAGE_ID_INVALID")
        reaction = params.decoded("reaction", "reaction types") or []
        if not isinstance(reaction, list) or len(reaction) > MAX_REACTIONS:
            raise bad_request("Bad Request: REACTIONS_TOO_MANY")
        emojis = tuple(
            str(item.get("emoji") or item.get("custom_emoji_id") or "")
            for item in reaction
            if isinstance(item, dict)
        )
        record.reactions = emojis
        self.hub.notify()
        return True

    async def get_file(self, params: Params) -> Any:
        stored = self.world.files.get(params.text("file_id") or "")
        if stored is None:
            raise bad_request(INVALID_FILE_ID)
        if stored.size > DOWNLOAD_MAX_BYTES:
            raise bad_request(FILE_TOO_BIG_TO_DOWNLOAD)
        return stored.file()

    async def get_chat(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        chat: dict[str, Any] = dict(state.chat.json())
        chat.update(
            accent_color_id=0,
            max_reaction_count=MAX_REACTIONS,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    async def get_chat_member(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        user_id = params.integer("user_id")
        user = self.world.users.get(user_id) if user_id is not None else None
        if user is None:
            raise bad_request(USER_NOT_FOUND)
        return self._member(state, user.id)

    async def get_chat_administrators(self, params: Params) -> Any:
        state = self.world.find_chat(params.text("chat_id"))
        if state.chat.is_private:
            raise bad_request("Bad Request: there are no administrators in the private chat")
        ids = list(state.admins)
        if state.owner_id is not None:
            ids.insert(0, state.owner_id)
        if state.bot_is_admin:
            ids.append(self.world.bot.id)
        return [self._member(state, user_id) for user_id in dict.fromkeys(ids)]

    def _member(self, state: ChatState, user_id: int) -> dict[str, Any]:
        user = self.world.users[user_id]
        if state.chat.is_private:
            status = "member" if user_id in state.members else "left"
            return {"status": status, "user": dict(user.json())}
        if user_id == state.owner_id:
            return {"status": "creator", "user": dict(user.json()), "is_anonymous": False}
        is_admin = user_id in state.admins or (user_id == self.world.bot.id and state.bot_is_admin)
        if is_admin:
            member: dict[str, Any] = {
                "status": "administrator",
                "user": dict(user.json()),
                "can_be_edited": user_id == self.world.bot.id,
                "is_anonymous": False,
            }
            member.update(dict.fromkeys(ADMIN_RIGHTS, True))
            return member
        status = "member" if user_id in state.members else "left"
        return {"status": status, "user": dict(user.json())}


def _item_ref(item: dict[str, Any]) -> str | None:
    ref = item.get("media")
    return ref if isinstance(ref, str) else None
