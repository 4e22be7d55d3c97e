"""Photos as input: describe, blend from an album, image prompts; the original as a document."""

from __future__ import annotations

from bot.telegram.delivery import Variant
from tests.integration.telegram.conftest import TgStack, png


async def test_photo_captioned_describe_lists_prompts_with_pick_buttons(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, photo=png(320, 200), caption="/describe")

    result = await tg.wait_message(
        chat,
        lambda m: m.reply_to_message_id == sent.message_id and (m.text or "").startswith("✅"),
    )
    assert result.history[0].text is not None and "Queued" in result.history[0].text
    assert "1." in (result.text or "") and "4." in (result.text or "")
    labels = [text for text, _ in result.buttons]
    assert {"1️⃣", "2️⃣", "3️⃣", "4️⃣"} <= set(labels), labels
    task = await tg.task_of(result)
    assert task.action == "DESCRIBE" and task.status == "SUCCESS"

    # picking prompt 2 imagines it at once: Midjourney pre-fills the prompt
    tg.press(chat, alice, result, "2️⃣")
    picked = await tg.wait_result(chat, reply_to=result.message_id)
    picked_task = await tg.task_of(picked)
    assert picked_task.parent_id == task.id


async def test_album_captioned_blend_blends_all_photos(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    photos = [png(100, 100, (200, 0, 0)), png(100, 100, (0, 200, 0)), png(100, 100, (0, 0, 200))]
    sent = tg.fake.send_user_album(chat, alice, photos, caption="/blend landscape")

    result = await tg.wait_result(chat, reply_to=sent[0].message_id)
    task = await tg.task_of(result)
    assert task.action == "BLEND"
    assert task.description == f"/blend {task.id} 3"  # all three photos went to Midjourney
    assert task.extra_value("dimensions") == "--ar 3:2"
    assert len(tg.messages(chat)) == 1


async def test_photo_with_a_prompt_caption_is_an_image_prompt(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, photo=png(200, 200), caption="in watercolor")

    result = await tg.wait_result(chat, reply_to=sent.message_id)
    task = await tg.task_of(result)
    assert task.action == "IMAGINE"
    assert len(task.image_urls) == 1
    assert task.prompt_en.startswith(task.image_urls[0])
    assert task.prompt_en.endswith("in watercolor")


async def test_original_button_sends_the_file_as_a_document_once(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(chat, alice, "a lighthouse")
    result = await tg.wait_result(chat, reply_to=sent.message_id)
    task = await tg.task_of(result)
    assert tg.engine.images is not None
    original = (await tg.engine.images.ensure(task.id, task.discord_image_url or "")).read_bytes()

    # the photo is a JPEG within Telegram's limits
    photo_id = result.photo[-1]["file_id"]
    assert tg.fake.file_bytes(photo_id)[:3] == b"\xff\xd8\xff"

    tg.press(chat, alice, result, "Original")
    document = await tg.wait_message(chat, lambda m: m.kind == "document")
    assert document.reply_to_message_id == result.message_id
    assert document.document is not None
    assert tg.fake.file_bytes(document.document["file_id"]) == original
    assert document.document.get("file_name", "").endswith(".png")
    await tg.wait_file_id(task.id, Variant.DOCUMENT)

    tg.press(chat, alice, result, "Original")
    await tg.wait_message(
        chat, lambda m: m.kind == "document" and m.message_id != document.message_id
    )
    first, second = tg.fake.calls_to("sendDocument")
    assert first.files and not second.files  # the second one re-used the cached file_id
    assert second.params["document"] == document.document["file_id"]


async def test_shorten_offers_the_shorter_prompts(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    sent = tg.fake.send_user_message(
        chat, alice, "/shorten a majestic ancient castle on a cliff above a stormy sea at dusk"
    )
    result = await tg.wait_message(
        chat,
        lambda m: m.reply_to_message_id == sent.message_id and (m.text or "").startswith("✅"),
    )
    assert (result.text or "").startswith("✅ Shorten")
    labels = [text for text, _ in result.buttons]
    assert "1️⃣" in labels and len(labels) >= 5, labels
    tg.press(chat, alice, result, "1️⃣")
    picked = await tg.wait_result(chat, reply_to=result.message_id)
    assert (await tg.task_of(picked)).action == "IMAGINE"
