"""The state behind the fake Bot API: users, chats, messages, updates, callbacks, commands."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Final

from .errors import (
    BOT_BLOCKED,
    CANT_INITIATE,
    CHAT_ID_EMPTY,
    CHAT_NOT_FOUND,
    FORBIDDEN,
    KICKED_FROM_GROUP,
    KICKED_FROM_SUPERGROUP,
    ApiError,
    bad_request,
)
from .files import FileStore
from .markup import callback_buttons, inline_keyboard
from .model import (
    AnsweredCallback,
    ApiCall,
    BotMessage,
    ChatAction,
    FakeChat,
    FakeUser,
    InjectedError,
    MessageVersion,
    SentUserMessage,
)
from .text import detect_entities, entity_text
from .wire import BotCommandJson, CallbackQueryJson, MessageEntityJson, MessageJson, UpdateJson

log = logging.getLogger(__name__)

FIRST_USER_ID: Final = 100_000_001
FIRST_OTHER_BOT_ID: Final = 700_000_001
FIRST_SUPERGROUP_ID: Final = -1_001_000_000_001
FIRST_GROUP_ID: Final = -4_000_000_001
FIRST_UPDATE_ID: Final = 500_000_001
FIRST_CALLBACK_ID: Final = 4_000_000_000_000_000_001
DEFAULT_LANGUAGE: Final = "en"
ScopeKey = tuple[str, int | None, int | None]
CommandKey = tuple[ScopeKey, str]


def now_unix() -> int:
    return int(time.time())


class ChangeHub:
    """Wakes everyone waiting for the fake's state to change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closing = False

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        event = self._event
        if timeout <= 0:
            return
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return

    def close(self) -> None:
        self.closing = True
        self.notify()


@dataclass(slots=True)
class MessageRecord:
    chat_id: int
    message_id: int
    sender: FakeUser
    date: int
    history: list[MessageVersion]
    deleted: bool = False
    media_group_id: str | None = None
    reply_to: int | None = None
    reactions: tuple[str, ...] = ()
    edit_date: int | None = None

    @property
    def current(self) -> MessageVersion:
        return self.history[-1]


@dataclass(slots=True)
class ChatState:
    chat: FakeChat
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    owner_id: int | None = None
    bot_is_admin: bool = False
    other_bots: set[int] = field(default_factory=set)
    last_bot_writer: int | None = None
    blocked: bool = False
    bot_kicked: bool = False

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class CallbackState:
    query_id: str
    user: FakeUser
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


@dataclass(slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


class World:
    """Everything the fake Telegram knows; methods here never await."""

    def __init__(self, bot: FakeUser, hub: ChangeHub, *, privacy_mode: bool) -> None:
        self.bot = bot
        self.hub = hub
        self.privacy_mode = privacy_mode
        self.mentions_bypass_privacy = False
        self.files = FileStore()
        self.users: dict[int, FakeUser] = {bot.id: bot}
        self.chats: dict[int, ChatState] = {}
        self.updates: list[UpdateJson] = []
        self.allowed_updates: frozenset[str] | None = None
        self.callbacks: dict[str, CallbackState] = {}
        self.answered: list[AnsweredCallback] = []
        self.commands: dict[CommandKey, list[BotCommandJson]] = {}
        self.webhook: WebhookConfig | None = None
        self.calls: list[ApiCall] = []
        self.injected: list[InjectedError] = []
        self.chat_actions: list[ChatAction] = []
        self.flood_429s = 0
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._bot_ids = itertools.count(FIRST_OTHER_BOT_ID)
        self._supergroup_ids = itertools.count(FIRST_SUPERGROUP_ID, -1)
        self._group_ids = itertools.count(FIRST_GROUP_ID, -1)
        self._update_ids = itertools.count(FIRST_UPDATE_ID)
        self._callback_ids = itertools.count(FIRST_CALLBACK_ID)

    # -- people and chats -------------------------------------------------------------------

    def new_user(
        self,
        first_name: str,
        *,
        language_code: str | None,
        username: str | None,
        last_name: str | None,
        is_bot: bool,
    ) -> FakeUser:
        user_id = next(self._bot_ids if is_bot else self._user_ids)
        user = FakeUser(
            id=user_id,
            first_name=first_name,
            is_bot=is_bot,
            username=username,
            last_name=last_name,
            language_code=language_code,
        )
        self.users[user.id] = user
        return user

    def private_chat(self, user: FakeUser) -> FakeChat:
        state = self.chats.get(user.id)
        if state is None:
            chat = FakeChat(
                id=user.id,
                type="private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
            )
            state = ChatState(chat=chat, members={user.id, self.bot.id})
            self.chats[chat.id] = state
        return state.chat

    def new_group(
        self,
        title: str,
        *,
        supergroup: bool,
        username: str | None,
        owner: FakeUser | None,
        admins: tuple[FakeUser, ...],
        members: tuple[FakeUser, ...],
        other_bots: tuple[FakeUser, ...],
        bot_is_admin: bool,
    ) -> FakeChat:
        chat_id = next(self._supergroup_ids if supergroup else self._group_ids)
        chat = FakeChat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
        )
        people = {user.id for user in (*admins, *members, *other_bots)}
        if owner is not None:
            people.add(owner.id)
        state = ChatState(
            chat=chat,
            members=people | {self.bot.id},
            admins={user.id for user in admins},
            owner_id=owner.id if owner is not None else None,
            bot_is_admin=bot_is_admin,
            other_bots={user.id for user in other_bots},
        )
        self.chats[chat_id] = state
        return chat

    def state(self, chat_id: int) -> ChatState:
        state = self.chats.get(chat_id)
        if state is None:
            raise KeyError(f"unknown chat {chat_id}")
        return state

    # -- lookups used by the Bot API methods ------------------------------------------------

    def find_chat(self, chat_id: str | None) -> ChatState:
        """Resolve a ``chat_id`` parameter (number or @username)."""
        if chat_id is None or chat_id.strip() == "":
            raise bad_request(CHAT_ID_EMPTY)
        value = chat_id.strip()
        if value.startswith("@"):
            name = value[1:].lower()
            for candidate in self.chats.values():
                if candidate.chat.username and candidate.chat.username.lower() == name:
                    return candidate
            raise bad_request(CHAT_NOT_FOUND)
        try:
            number = int(value)
        except ValueError as exc:
            raise bad_request(CHAT_NOT_FOUND) from exc
        state = self.chats.get(number)
        if state is None:
            if number in self.users and number > 0:
                raise ApiError(FORBIDDEN, CANT_INITIATE)
            raise bad_request(CHAT_NOT_FOUND)
        return state

    def chat_for_sending(self, chat_id: str | None) -> ChatState:
        state = self.find_chat(chat_id)
        if state.blocked:
            raise ApiError(FORBIDDEN, BOT_BLOCKED)
        if state.bot_kicked:
            kicked = (
                KICKED_FROM_SUPERGROUP if state.chat.type == "supergroup" else KICKED_FROM_GROUP
            )
            raise ApiError(FORBIDDEN, kicked)
        return state

    # -- messages -------------------------------------------------------------------------

    def add_message(
        self,
        state: ChatState,
        sender: FakeUser,
        version: MessageVersion,
        *,
        reply_to: int | None = None,
        media_group_id: str | None = None,
    ) -> MessageRecord:
        record = MessageRecord(
            chat_id=state.chat.id,
            message_id=state.take_message_id(),
            sender=sender,
            date=version.date,
            history=[version],
            media_group_id=media_group_id,
            reply_to=reply_to,
        )
        state.messages[record.message_id] = record
        if sender.is_bot:
            state.last_bot_writer = sender.id
        self.hub.notify()
        return record

    def apply_edit(self, record: MessageRecord, version: MessageVersion) -> None:
        record.history.append(version)
        record.edit_date = version.date
        self.hub.notify()

    def delete(self, record: MessageRecord) -> None:
        record.deleted = True
        self.hub.notify()

    def message_json(self, record: MessageRecord, *, with_reply: bool = True) -> MessageJson:
        state = self.chats[record.chat_id]
        version = record.current
        message: MessageJson = {
            "message_id": record.message_id,
            "date": record.date,
            "chat": state.chat.json(),
            "from": record.sender.json(),
        }
        if version.kind == "text" and version.text is not None:
            message["text"] = version.text
            if version.entities:
                message["entities"] = list(version.entities)
        if version.photo:
            message["photo"] = list(version.photo)
        if version.document is not None:
            message["document"] = version.document
        if version.kind != "text" and version.caption:
            message["caption"] = version.caption
            if version.caption_entities:
                message["caption_entities"] = list(version.caption_entities)
        if record.media_group_id is not None:
            message["media_group_id"] = record.media_group_id
        keyboard = inline_keyboard(version.reply_markup)
        if keyboard is not None:
            message["reply_markup"] = keyboard
        if record.edit_date is not None:
            message["edit_date"] = record.edit_date
        if with_reply and record.reply_to is not None:
            target = state.messages.get(record.reply_to)
            if target is not None and not target.deleted:
                message["reply_to_message"] = self.message_json(target, with_reply=False)
        return message

    def snapshot(self, record: MessageRecord) -> BotMessage:
        return BotMessage(
            chat_id=record.chat_id,
            message_id=record.message_id,
            history=tuple(record.history),
            deleted=record.deleted,
            media_group_id=record.media_group_id,
            reply_to_message_id=record.reply_to,
            reactions=record.reactions,
        )

    def bot_messages(self, chat_id: int) -> list[BotMessage]:
        state = self.state(chat_id)
        return [
            self.snapshot(record)
            for record in sorted(state.messages.values(), key=lambda item: item.message_id)
            if record.sender.id == self.bot.id
        ]

    # -- updates --------------------------------------------------------------------------

    def enqueue_message(self, message: MessageJson) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, "message": message})
        self.hub.notify()
        return update_id

    def enqueue_callback(self, query: CallbackQueryJson) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, "callback_query": query})
        self.hub.notify()
        return update_id

    def confirm(self, offset: int | None) -> None:
        """getUpdates ``offset``: forget updates before it (negative: keep the last -offset)."""
        if offset is None or offset == 0:
            return
        before = len(self.updates)
        if offset > 0:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        else:
            self.updates = self.updates[offset:]
        if len(self.updates) != before:
            self.hub.notify()

    def pending(self, limit: int) -> list[UpdateJson]:
        """Updates ready for delivery; those excluded by allowed_updates are dropped."""
        allowed = self.allowed_updates
        if allowed:
            before = len(self.updates)
            self.updates = [
                update for update in self.updates if any(kind in update for kind in allowed)
            ]
            if len(self.updates) != before:
                self.hub.notify()
        return self.updates[:limit]

    # -- the user side --------------------------------------------------------------------

    def user_message(
        self,
        state: ChatState,
        user: FakeUser,
        version: MessageVersion,
        *,
        reply_to: int | None,
        media_group_id: str | None,
    ) -> SentUserMessage:
        if reply_to is not None and reply_to not in state.messages:
            raise ValueError(f"message {reply_to} does not exist in chat {state.chat.id}")
        state.members.add(user.id)
        record = self.add_message(
            state, user, version, reply_to=reply_to, media_group_id=media_group_id
        )
        update_id: int | None = None
        if self._delivered(state, record):
            update_id = self.enqueue_message(self.message_json(record))
        else:
            log.debug(
                "message not delivered (privacy mode) [chat:%s message:%s]",
                state.chat.id,
                record.message_id,
            )
        return SentUserMessage(
            chat_id=state.chat.id, message_id=record.message_id, update_id=update_id
        )

    def _delivered(self, state: ChatState, record: MessageRecord) -> bool:
        if record.sender.is_bot:
            return False
        if state.chat.is_private:
            return True
        if not self.privacy_mode or state.bot_is_admin:
            return True
        version = record.current
        text = version.text if version.kind == "text" else version.caption
        entities = version.entities if version.kind == "text" else version.caption_entities
        if text and self._addressed(state, text, entities):
            return True
        if record.reply_to is not None:
            target = state.messages.get(record.reply_to)
            if target is not None and target.sender.id == self.bot.id:
                return True
        return False

    def _addressed(
        self, state: ChatState, text: str, entities: tuple[MessageEntityJson, ...]
    ) -> bool:
        username = (self.bot.username or "").lower()
        for entity in entities:
            covered = entity_text(text, entity)
            if entity["type"] == "bot_command":
                _, _, target = covered.partition("@")
                if target:
                    if target.lower() == username:
                        return True
                elif not state.other_bots or state.last_bot_writer == self.bot.id:
                    return True
            if (
                entity["type"] == "mention"
                and self.mentions_bypass_privacy
                and covered[1:].lower() == username
            ):
                return True
        return False

    def press_button(self, state: ChatState, user: FakeUser, message_id: int, data: str) -> str:
        record = state.messages.get(message_id)
        if record is None or record.deleted:
            raise LookupError(f"message {message_id} is not in chat {state.chat.id}")
        if record.sender.id != self.bot.id:
            raise LookupError(f"message {message_id} was not sent by the bot")
        datas = [button_data for _, button_data in callback_buttons(record.current.reply_markup)]
        if data not in datas:
            raise LookupError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = str(next(self._callback_ids))
        self.callbacks[query_id] = CallbackState(
            query_id=query_id,
            user=user,
            chat_id=state.chat.id,
            message_id=message_id,
            data=data,
            created=time.monotonic(),
        )
        query: CallbackQueryJson = {
            "id": query_id,
            "from": user.json(),
            "chat_instance": str(abs(hash((self.bot.id, state.chat.id)))),
            "data": data,
            "message": self.message_json(record),
        }
        self.enqueue_callback(query)
        return query_id

    # -- bookkeeping ----------------------------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        self.calls.append(call)
        self.hub.notify()

    def record_action(self, chat_id: int, action: str) -> None:
        self.chat_actions.append(ChatAction(chat_id=chat_id, action=action))
        self.hub.notify()

    def record_answer(
        self,
        query_id: str,
        *,
        text: str | None,
        show_alert: bool,
        url: str | None,
        cache_time: int,
    ) -> None:
        self.answered.append(
            AnsweredCallback(
                callback_query_id=query_id,
                text=text,
                show_alert=show_alert,
                url=url,
                cache_time=cache_time,
            )
        )
        self.hub.notify()

    def take_injected(self, method: str, chat_id: int | None) -> InjectedError | None:
        for index, injected in enumerate(self.injected):
            if injected.method.lower() != method:
                continue
            if injected.chat_id is not None and injected.chat_id != chat_id:
                continue
            del self.injected[index]
            return injected
        return None


def text_version(
    text: str,
    *,
    entities: tuple[MessageEntityJson, ...] | None,
    method: str,
) -> MessageVersion:
    """A user's text message, with the entities a client would attach."""
    return MessageVersion(
        kind="text",
        date=now_unix(),
        method=method,
        text=text,
        entities=entities if entities is not None else detect_entities(text),
    )


def new_media_group_id() -> str:
    return str(secrets.randbelow(10**17) + 10**17)
