"""The fake Telegram Bot API, exercised by real aiogram over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.filters import Command
from aiogram.methods import SendSticker
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)
from aiohttp import web
from PIL import Image

from tests.fakes.telegram import FakeTelegram, FloodControl, FloodLimits
from tests.fakes.telegram.files import DOCUMENT_MAX_BYTES, PHOTO_MAX_BYTES, PHOTO_MAX_RATIO

POLL_TIMEOUT = 5
STOP_TIMEOUT = 10.0
WAIT = 10.0
CALLBACK_LIMIT = 64
SECRET = "X-Telegram-Bot-Api-Secret-Token"


def png(width: int, height: int, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=data[:10], callback_data=data)] for data in datas
        ]
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Flood control off: these tests are about everything else (see the flood tests)."""
    async with FakeTelegram(flood=FloodLimits(enabled=False)) as server:
        yield server


def make_bot(fake: FakeTelegram) -> Bot:
    return Bot(token=fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = make_bot(fake)
    yield client
    await client.session.close()


@contextlib.asynccontextmanager
async def polling(fake: FakeTelegram, dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run ``dp.start_polling`` in a task and stop it cleanly afterwards."""
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=POLL_TIMEOUT)
    )
    try:
        await fake.wait_for(lambda: fake.long_polls_waiting > 0, WAIT)
        yield
    finally:
        with contextlib.suppress(RuntimeError):
            await asyncio.wait_for(dp.stop_polling(), STOP_TIMEOUT)
        await asyncio.wait_for(task, STOP_TIMEOUT)


def echo_dispatcher(received: list[str] | None = None) -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        if received is not None:
            received.append(message.text)
        await message.answer(f"echo: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def test_echo_bot_over_long_polling(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user("Alice", language_code="de")
    chat = fake.private_chat(alice)
    async with polling(fake, echo_dispatcher(), bot):
        sent = fake.send_user_message(chat, alice, "hello there")
        assert sent.delivered
        replies = await fake.wait_for(lambda: fake.bot_messages(chat), WAIT)
        await fake.wait_for(lambda: fake.pending_updates == 0, WAIT)
    assert [reply.text for reply in replies] == ["echo: hello there"]
    assert replies[0].history[0].method == "sendMessage"
    get_me = fake.calls_to("getMe")
    assert get_me and get_me[0].ok


async def test_long_poll_waits_for_updates_and_ends_when_server_stops() -> None:
    async with httpx.AsyncClient(timeout=WAIT * 3) as client:
        async with FakeTelegram() as fake:
            url = f"{fake.url}/bot{fake.token}/getUpdates"
            first = asyncio.create_task(client.post(url, data={"timeout": "25"}))
            await fake.wait_for(lambda: fake.long_polls_waiting == 1, WAIT)
            alice = fake.user()
            fake.send_user_message(fake.private_chat(alice), alice, "/start")
            answer = (await asyncio.wait_for(first, WAIT)).json()
            assert answer["ok"] is True
            assert answer["result"][0]["message"]["text"] == "/start"
            assert answer["result"][0]["message"]["entities"] == [
                {"type": "bot_command", "offset": 0, "length": 6}
            ]
            confirm = str(answer["result"][0]["update_id"] + 1)
            idle = asyncio.create_task(client.post(url, data={"timeout": "25", "offset": confirm}))
            await fake.wait_for(lambda: fake.long_polls_waiting == 1, WAIT)
            assert fake.pending_updates == 0
        finished = (await asyncio.wait_for(idle, WAIT)).json()
    assert finished == {"ok": True, "result": []}


async def test_second_getupdates_terminates_the_first(fake: FakeTelegram) -> None:
    url = f"{fake.url}/bot{fake.token}/getUpdates"
    async with httpx.AsyncClient(timeout=WAIT * 3) as client:
        first = asyncio.create_task(client.post(url, data={"timeout": "20"}))
        await fake.wait_for(lambda: fake.long_polls_waiting == 1, WAIT)
        second = await client.post(url, data={"timeout": "0"})
        first_answer = (await asyncio.wait_for(first, WAIT)).json()
    assert second.json() == {"ok": True, "result": []}
    assert first_answer["error_code"] == 409
    assert first_answer["description"].startswith("Conflict: terminated by other getUpdates")


async def test_send_photo_download_and_resend_by_file_id(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    chat = fake.private_chat(alice)
    sent = await bot.send_photo(
        chat.id,
        BufferedInputFile(png(1600, 900), filename="grid.png"),
        caption="<b>Done</b> in 42 s",
        parse_mode="HTML",
        reply_markup=keyboard("mj:u1"),
    )
    assert sent.photo is not None
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (1600, 900)
    assert [size.width for size in sent.photo] == [90, 320, 800, 1280, 1600]
    assert sent.caption == "Done in 42 s"
    assert sent.caption_entities is not None
    assert sent.caption_entities[0].type == "bold"

    stored = fake.bot_messages(chat)[0]
    assert stored.kind == "photo"
    assert stored.caption == "Done in 42 s"
    assert stored.buttons == [("mj:u1", "mj:u1")]

    downloaded = await bot.download(largest.file_id)
    assert downloaded is not None
    with Image.open(downloaded) as image:
        assert image.format == "JPEG"
        assert image.size == (1600, 900)

    again = await bot.send_photo(chat.id, largest.file_id)
    assert again.photo is not None
    assert again.photo[-1].file_unique_id == largest.file_unique_id
    assert fake.calls_to("sendPhoto")[0].files


async def test_photo_limits_are_enforced(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    too_thin = png(PHOTO_MAX_RATIO * 10 + 10, 10)
    with pytest.raises(TelegramBadRequest, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(chat.id, BufferedInputFile(too_thin, filename="thin.png"))
    big = io.BytesIO()
    Image.new("1", (6000, 4100)).save(big, format="PNG")
    with pytest.raises(TelegramBadRequest, match="PHOTO_INVALID_DIMENSIONS"):
        await bot.send_photo(chat.id, BufferedInputFile(big.getvalue(), filename="big.png"))
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(chat.id, BufferedInputFile(b"not an image", filename="x.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(chat.id, "AgACAgIAAxkBAAI-nope")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(
            chat.id, BufferedInputFile(png(64, 64), filename="a.png"), caption="x" * 1025
        )
    document = await bot.send_document(
        chat.id, BufferedInputFile(png(2000, 2000), filename="original.png")
    )
    assert document.document is not None
    assert document.document.file_name == "original.png"
    assert document.document.mime_type == "image/png"
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(chat.id, document.document.file_id)
    assert [message.kind for message in fake.bot_messages(chat)] == ["document"]


async def test_upload_size_limits(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    over_photo_limit = b"\x89PNG" + bytes(PHOTO_MAX_BYTES)
    with pytest.raises(TelegramBadRequest, match="PHOTO_SAVE_FILE_INVALID"):
        await bot.send_photo(chat.id, BufferedInputFile(over_photo_limit, filename="huge.png"))
    over_document_limit = bytes(DOCUMENT_MAX_BYTES + 1)
    with pytest.raises(TelegramEntityTooLarge):
        await bot.send_document(chat.id, BufferedInputFile(over_document_limit, "huge.bin"))
    with pytest.raises(TelegramBadRequest, match="file must be non-empty"):
        await bot.send_document(chat.id, BufferedInputFile(b"", "empty.bin"))
    assert fake.bot_messages(chat) == []


async def test_replies_and_user_entities(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    group = fake.group("Art", members=[alice])
    prompt = fake.send_user_message(
        group, alice, "🎨 /imagine@mjbridge_test_bot cat https://x.test/a.png"
    )
    updates = await bot.get_updates(timeout=0)
    message = updates[0].message
    assert message is not None and message.entities is not None
    assert [(item.type, item.offset, item.length) for item in message.entities] == [
        ("bot_command", 3, 26),
        ("url", 34, 20),
    ]
    reply = await bot.send_message(
        group.id, "Queued", reply_parameters=ReplyParameters(message_id=prompt.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == prompt.message_id
    assert fake.bot_message(group, reply.message_id).reply_to_message_id == prompt.message_id
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(group.id, "x", reply_parameters=ReplyParameters(message_id=999))
    lenient = await bot.send_message(
        group.id,
        "y",
        reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True),
    )
    assert lenient.reply_to_message is None
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await bot.delete_message(group.id, prompt.message_id)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("z", chat_id=group.id, message_id=prompt.message_id)
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(group.id, "<b>open", parse_mode="HTML")


async def test_callback_button_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message) -> None:
        await message.answer("Pick one", reply_markup=keyboard("mj:u1", "mj:v1"))

    @router.callback_query(F.data.startswith("mj:"))
    async def pressed(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.answer(f"got {query.data}")
        await query.message.edit_text(f"You pressed {query.data}")

    dp = Dispatcher()
    dp.include_router(router)
    alice = fake.user()
    chat = fake.private_chat(alice)
    async with polling(fake, dp, bot):
        fake.send_user_message(chat, alice, "/start")
        menu = (await fake.wait_for(lambda: fake.bot_messages(chat), WAIT))[0]
        assert menu.buttons == [("mj:u1", "mj:u1"), ("mj:v1", "mj:v1")]
        with pytest.raises(LookupError):
            fake.press_button(chat, alice, menu.message_id, "mj:nothing")
        query_id = fake.press_button(chat, alice, menu.message_id, "mj:v1")
        await fake.wait_for(lambda: fake.bot_message(chat, menu.message_id).edited, WAIT)
        await fake.wait_for(lambda: fake.answered_callbacks, WAIT)
    edited = fake.bot_message(chat, menu.message_id)
    assert edited.text == "You pressed mj:v1"
    assert edited.reply_markup is None, "editMessageText without reply_markup drops the keyboard"
    assert [version.method for version in edited.history] == ["sendMessage", "editMessageText"]
    answer = fake.answered_callbacks[0]
    assert (answer.callback_query_id, answer.text) == (query_id, "got mj:v1")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


async def test_callback_data_limit_is_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    fits = "x" * CALLBACK_LIMIT
    await bot.send_message(chat.id, "ok", reply_markup=keyboard(fits))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(chat.id, "too long", reply_markup=keyboard(fits + "x"))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(chat.id, "utf-8 bytes count", reply_markup=keyboard("é" * 33))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(
            chat.id,
            "no action",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="a")]]),
        )
    assert [message.text for message in fake.bot_messages(chat)] == ["ok"]


async def test_flood_control_answers_429_and_recovers() -> None:
    limits = FloodLimits(private_burst=2)
    async with FakeTelegram(flood=limits) as fake:
        bot = make_bot(fake)
        try:
            chat = fake.private_chat(fake.user())
            for number in range(limits.private_burst):
                await bot.send_message(chat.id, f"message {number}")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(chat.id, "one too many")
            retry_after = caught.value.retry_after
            assert retry_after >= 1
            refusal = fake.calls_to("sendMessage")[-1]
            assert (refusal.error_code, refusal.description) == (
                429,
                f"Too Many Requests: retry after {retry_after}",
            )
            with pytest.raises(TelegramBadRequest, match="message text is empty"):
                await bot.send_message(chat.id, " ")
            assert fake.flood_429s == 1
            fake.advance_time(retry_after)
            await bot.send_message(chat.id, "after waiting")
            assert [message.text for message in fake.bot_messages(chat)] == [
                "message 0",
                "message 1",
                "after waiting",
            ]
        finally:
            await bot.session.close()


async def test_flood_control_in_a_group_with_telegram_time_sped_up() -> None:
    speedup = 30.0
    async with FakeTelegram(speedup=speedup) as fake:
        bot = make_bot(fake)
        try:
            group = fake.group("Busy")
            sent = 0
            with pytest.raises(TelegramRetryAfter) as caught:
                while sent <= FloodLimits().group_limit:
                    await bot.send_message(group.id, f"progress {sent}")
                    sent += 1
            assert sent == FloodLimits().group_limit
            await asyncio.sleep(caught.value.retry_after / speedup)
            await bot.send_message(group.id, "next minute")
            assert fake.flood_429s == 1
        finally:
            await bot.session.close()


async def test_flood_control_model_limits() -> None:
    control = FloodControl(FloodLimits())
    group = -100
    for _ in range(20):
        assert control.retry_after(group, private=False, now=0.0) is None
        control.record(group, private=False, now=0.0)
    assert control.retry_after(group, private=False, now=1.0) == 59
    assert control.retry_after(group, private=False, now=60.0) is None
    busy = FloodControl(FloodLimits(private_burst=100))
    for chat in range(30):
        busy.record(chat, private=True, now=0.0)
    assert busy.retry_after(99, private=True, now=0.5) == 1
    assert busy.retry_after(99, private=True, now=1.0) is None
    assert FloodControl(FloodLimits(enabled=False)).retry_after(1, private=True, now=0.0) is None


async def test_edits_follow_telegram_rules(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    message = await bot.send_message(chat.id, "⏳ 10%", reply_markup=keyboard("mj:cancel"))
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message"):
        await bot.edit_message_text(
            "⏳ 10%",
            chat_id=chat.id,
            message_id=message.message_id,
            reply_markup=keyboard("mj:cancel"),
        )
    await bot.edit_message_text(
        "⏳ 46%", chat_id=chat.id, message_id=message.message_id, reply_markup=keyboard("mj:cancel")
    )
    await bot.edit_message_reply_markup(
        chat_id=chat.id, message_id=message.message_id, reply_markup=keyboard("mj:retry")
    )
    with pytest.raises(TelegramBadRequest, match="there is no caption in the message to edit"):
        await bot.edit_message_caption(chat_id=chat.id, message_id=message.message_id, caption="x")
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=chat.id, message_id=9999)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.edit_message_text("x" * 4097, chat_id=chat.id, message_id=message.message_id)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(chat.id, "   ")

    media = await bot.edit_message_media(
        InputMediaPhoto(media=BufferedInputFile(png(512, 512), "done.png"), caption="Done"),
        chat_id=chat.id,
        message_id=message.message_id,
    )
    assert isinstance(media, Message)
    assert media.photo is not None
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("again", chat_id=chat.id, message_id=message.message_id)
    await bot.edit_message_caption(chat_id=chat.id, message_id=message.message_id, caption="Final")

    state = fake.bot_message(chat, message.message_id)
    assert [version.method for version in state.history] == [
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageMedia",
        "editMessageCaption",
    ]
    assert [version.text for version in state.history[:3]] == ["⏳ 10%", "⏳ 46%", "⏳ 46%"]
    assert state.history[2].reply_markup == keyboard("mj:retry").model_dump(exclude_none=True)
    assert (state.kind, state.caption) == ("photo", "Final")

    assert await bot.delete_message(chat.id, message.message_id)
    assert fake.bot_message(chat, message.message_id).deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(chat.id, message.message_id)


async def test_parse_modes(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    sent = await bot.send_message(
        chat.id,
        "  <b>Job</b> <code>a1</code> — <a href='https://x.test/i'>🖼 image</a>  ",
        parse_mode="HTML",
    )
    assert sent.text == "Job a1 — 🖼 image"
    assert sent.entities is not None
    assert [(entity.type, entity.offset, entity.length) for entity in sent.entities] == [
        ("bold", 0, 3),
        ("code", 4, 2),
        ("text_link", 9, 8),
    ]
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "div"'):
        await bot.send_message(chat.id, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(chat.id, "*Done*. 100%", parse_mode="MarkdownV2")
    escaped = await bot.send_message(chat.id, r"*Done*\. 100%", parse_mode="MarkdownV2")
    assert escaped.text == "Done. 100%"


async def test_group_privacy_mode(fake: FakeTelegram, bot: Bot) -> None:
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group = fake.group("Artists", members=[alice, bob])
    received: list[str] = []
    dp = echo_dispatcher(received)
    async with polling(fake, dp, bot):
        chatter = fake.send_user_message(group, alice, "nice weather")
        addressed = fake.send_user_message(group, alice, "/imagine@mjbridge_test_bot a cat")
        bare = fake.send_user_message(group, bob, "/imagine a dog")
        mention = fake.send_user_message(group, bob, "@mjbridge_test_bot draw me")
        other = fake.send_user_message(group, bob, "/imagine@another_bot a fish")
        await fake.wait_for(lambda: len(fake.bot_messages(group)) == 2, WAIT)
        first_reply = fake.bot_messages(group)[0]
        reply = fake.send_user_message(group, bob, "more", reply_to=first_reply.message_id)
        await fake.wait_for(lambda: len(fake.bot_messages(group)) == 3, WAIT)

        fake.privacy_mode = False
        open_chatter = fake.send_user_message(group, alice, "anyone here?")
        await fake.wait_for(lambda: len(fake.bot_messages(group)) == 4, WAIT)
    assert [item.delivered for item in (chatter, addressed, bare, mention, other)] == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert reply.delivered and open_chatter.delivered
    assert received == [
        "/imagine@mjbridge_test_bot a cat",
        "/imagine a dog",
        "more",
        "anyone here?",
    ]


async def test_bare_commands_with_other_bots_in_the_group(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    helper = fake.other_bot("helper_bot")
    group = fake.group("Bots", members=[alice], other_bots=[helper])
    assert not fake.send_user_message(group, alice, "/imagine cat").delivered
    await bot.send_message(group.id, "I am here")
    assert fake.send_user_message(group, alice, "/imagine cat").delivered
    assert not fake.send_user_message(group, helper, "/imagine@mjbridge_test_bot x").delivered
    fake.mentions_bypass_privacy = True
    assert fake.send_user_message(group, alice, "hey @mjbridge_test_bot").delivered
    fake.set_admins(group, [alice], bot_is_admin=True)
    assert fake.send_user_message(group, alice, "just talking").delivered


async def test_user_photo_album_and_get_file(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user()
    chat = fake.private_chat(alice)
    fake.send_user_album(chat, alice, [png(400, 300), png(300, 400)], caption="/blend")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 2
    first, second = (update.message for update in updates)
    assert first is not None and second is not None
    assert first.media_group_id == second.media_group_id is not None
    assert first.caption == "/blend" and second.caption is None
    assert first.photo is not None
    file = await bot.get_file(first.photo[-1].file_id)
    assert file.file_path is not None
    data = await bot.download_file(file.file_path)
    assert data is not None
    with Image.open(data) as image:
        assert image.size == (400, 300)
    assert (await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)) == []
    assert fake.pending_updates == 0


async def test_media_group_and_chat_actions(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    await bot.send_chat_action(chat.id, "upload_photo")
    album = await bot.send_media_group(
        chat.id,
        [
            InputMediaPhoto(media=BufferedInputFile(png(256, 256), f"{index}.png"))
            for index in range(4)
        ],
    )
    assert len({message.media_group_id for message in album}) == 1
    assert [message.kind for message in fake.bot_messages(chat)] == ["photo"] * 4
    assert fake.chat_actions(chat) == ["upload_photo"]
    first_photo = album[0].photo
    assert first_photo is not None
    with pytest.raises(TelegramBadRequest, match="too much messages to send as an album"):
        await bot.send_media_group(
            chat.id, [InputMediaPhoto(media=first_photo[-1].file_id) for _ in range(11)]
        )


async def test_commands_with_scopes(fake: FakeTelegram, bot: Bot) -> None:
    alice = fake.user(language_code="ru")
    bob = fake.user(language_code="en")
    group = fake.group("Artists", members=[alice, bob])
    await bot.set_my_commands([BotCommand(command="imagine", description="Draw")])
    await bot.set_my_commands(
        [BotCommand(command="imagine", description="Рисовать")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ru",
    )
    await bot.set_my_commands(
        [BotCommand(command="settings", description="Group settings")],
        scope=BotCommandScopeChat(chat_id=group.id),
    )
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Imagine Now", description="x")])
    listed = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert [(item.command, item.description) for item in listed] == [("imagine", "Рисовать")]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == []
    assert fake.visible_commands(fake.private_chat(alice), alice)[0]["description"] == "Рисовать"
    assert fake.visible_commands(fake.private_chat(bob), bob)[0]["description"] == "Draw"
    assert fake.visible_commands(group, bob)[0]["command"] == "settings"


async def test_chat_and_members(fake: FakeTelegram, bot: Bot) -> None:
    owner, admin, member = fake.user("Olga"), fake.user("Adam"), fake.user("Mia")
    stranger = fake.user("Stan")
    group = fake.group("Studio", owner=owner, admins=[admin], members=[member])
    info = await bot.get_chat(group.id)
    assert (info.type, info.title) == ("supergroup", "Studio")
    assert isinstance(await bot.get_chat_member(group.id, owner.id), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(group.id, admin.id), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(group.id, member.id), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(group.id, stranger.id), ChatMemberLeft)
    admins = await bot.get_chat_administrators(group.id)
    assert [item.user.id for item in admins] == [owner.id, admin.id]
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(-1009999)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(stranger.id, "hi")
    fake.block_bot(member)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(member.id, "hi")
    me = await bot.get_me()
    assert (me.username, me.can_read_all_group_messages) == ("mjbridge_test_bot", False)


async def test_raw_http_errors(fake: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=fake.url, timeout=WAIT) as client:
        unknown = await client.post(f"/bot{fake.token}/sendSticker", data={"chat_id": "1"})
        assert unknown.status_code == 404
        assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        wrong_token = await client.post("/bot1:nope/getMe")
        assert wrong_token.json()["error_code"] == 401
        no_chat = await client.post(f"/bot{fake.token}/sendMessage", data={"text": "x"})
        assert no_chat.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: chat_id is empty",
        }
        chat = fake.private_chat(fake.user())
        as_json = await client.post(
            f"/bot{fake.token}/sendMessage",
            json={"chat_id": chat.id, "text": "json body", "reply_markup": {"inline_keyboard": []}},
        )
        assert as_json.json()["result"]["text"] == "json body"
        bad_markup = await client.post(
            f"/bot{fake.token}/sendMessage",
            data={"chat_id": str(chat.id), "text": "x", "reply_markup": "{oops"},
        )
        assert bad_markup.json()["description"] == (
            "Bad Request: can't parse reply keyboard markup JSON object"
        )
        missing_file = await client.get(f"/file/bot{fake.token}/photos/none.jpg")
        assert missing_file.status_code == 404
    assert [call.ok for call in fake.calls] == [False, False, True, False]


async def test_injected_failures(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.private_chat(fake.user())
    fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
        chat=chat,
    )
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(chat.id, "first")
    assert caught.value.retry_after == 7
    await bot.send_message(chat.id, "second")
    assert fake.flood_429s == 1
    assert [message.text for message in fake.bot_messages(chat)] == ["second"]


async def test_webhook_delivery_and_conflict(fake: FakeTelegram, bot: Bot) -> None:
    received: asyncio.Queue[tuple[dict[str, object], str | None]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put((await request.json(), request.headers.get(SECRET)))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        assert fake.webhook_url == f"http://127.0.0.1:{port}/hook"
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)
        alice = fake.user()
        fake.send_user_message(fake.private_chat(alice), alice, "via webhook")
        update, secret = await asyncio.wait_for(received.get(), WAIT)
        assert secret == "s3cret"
        assert isinstance(update["message"], dict)
        assert update["message"]["text"] == "via webhook"
        await fake.wait_for(lambda: fake.pending_updates == 0, WAIT)
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
    finally:
        await runner.cleanup()


async def test_unknown_method_is_not_found(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramNotFound):
        await bot(SendSticker(chat_id=1, sticker="x"))
