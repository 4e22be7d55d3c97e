"""Result buttons: each press starts its own job message; tokens survive a restart."""

from __future__ import annotations

from bot.telegram.callbacks import MjButtonCb
from tests.fakes.telegram import FakeChat, FakeUser
from tests.integration.telegram.conftest import TgStack


async def _first_result(tg: TgStack, chat: FakeChat, user: FakeUser, prompt: str = "a red fox"):
    sent = tg.fake.send_user_message(chat, user, prompt)
    return await tg.wait_result(chat, reply_to=sent.message_id)


async def test_upscale_then_vary_strong_then_zoom_out_each_get_their_own_message(
    tg: TgStack,
) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    grid = await _first_result(tg, chat, alice)

    tg.press(chat, alice, grid, "U1")
    upscale = await tg.wait_result(chat, reply_to=grid.message_id)
    assert upscale.history[0].text is not None and "Queued" in upscale.history[0].text
    assert (upscale.caption or "").startswith("✅ Upscale 1")
    labels = [text for text, _ in upscale.buttons]
    assert "🪄 Vary (Strong)" in labels and "🔍 Zoom Out 2x" in labels and "⬅️" in labels
    assert not any("upscale_1" in label for label in labels)

    tg.press(chat, alice, upscale, "Vary (Strong)")
    vary = await tg.wait_result(chat, reply_to=upscale.message_id)
    assert (vary.caption or "").startswith("✅ Vary (Strong)")
    assert any(text == "U1" for text, _ in vary.buttons)

    tg.press(chat, alice, upscale, "Zoom Out 2x")
    zoom = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == upscale.message_id
            and (m.caption or "").startswith("✅ Zoom Out 2x")
        ),
    )
    ids = {grid.message_id, upscale.message_id, vary.message_id, zoom.message_id}
    assert len(ids) == 4
    assert len(tg.messages(chat)) == 4
    # every press was answered at once, none with an alert
    answers = tg.fake.answered_callbacks
    assert len(answers) == 3 and not any(a.show_alert for a in answers)
    parents = {(await tg.task_of(m)).parent_id for m in (upscale, vary, zoom)}
    assert parents == {(await tg.task_of(grid)).id, (await tg.task_of(upscale)).id}


async def test_buttons_and_running_jobs_survive_a_bot_restart(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    grid = await _first_result(tg, chat, alice)
    u2_data = next(data for text, data in grid.buttons if text == "U2")

    # a job that is still running when the bot stops is finished by the next process
    tg.sim.config.progress_delay_seconds = 0.3
    sent = tg.fake.send_user_message(chat, alice, "a blue whale")
    queued = await tg.wait_message(chat, lambda m: m.reply_to_message_id == sent.message_id)
    await tg.stop_bot()
    tg.sim.config.progress_delay_seconds = 0.02
    await tg.start_bot()
    whale = await tg.wait_result(chat, reply_to=sent.message_id)
    assert whale.message_id == queued.message_id

    tg.fake.press_button(chat, alice, grid.message_id, u2_data)
    upscale = await tg.wait_result(chat, reply_to=grid.message_id)
    assert (upscale.caption or "").startswith("✅ Upscale 2")
    assert len(MjButtonCb.unpack(u2_data).token) == 10


async def test_custom_zoom_asks_for_the_prompt_with_force_reply(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    grid = await _first_result(tg, chat, alice)
    tg.press(chat, alice, grid, "U3")
    upscale = await tg.wait_result(chat, reply_to=grid.message_id)

    tg.press(chat, alice, upscale, "Custom Zoom")
    ask = await tg.wait_message(chat, lambda m: "--zoom" in (m.text or ""))
    assert ask.reply_markup is not None and ask.reply_markup.get("force_reply") is True
    reply = tg.fake.send_user_message(
        chat, alice, "a red fox in a wide meadow --zoom 1.5", reply_to=ask.message_id
    )
    zoomed = await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == reply.message_id
            and (m.caption or "").startswith("✅ Custom Zoom")
        ),
    )
    task = await tg.task_of(zoomed)
    assert "--zoom 1.5" in task.prompt_en
    assert task.parent_id == (await tg.task_of(upscale)).id


async def test_a_reply_without_zoom_is_refused_and_the_prompt_stays_open(tg: TgStack) -> None:
    alice = tg.fake.user("Alice")
    chat = tg.fake.private_chat(alice)
    grid = await _first_result(tg, chat, alice)
    tg.press(chat, alice, grid, "U1")
    upscale = await tg.wait_result(chat, reply_to=grid.message_id)
    tg.press(chat, alice, upscale, "Custom Zoom")
    ask = await tg.wait_message(chat, lambda m: "--zoom" in (m.text or ""))

    bad = tg.fake.send_user_message(chat, alice, "no zoom here", reply_to=ask.message_id)
    refusal = await tg.wait_message(chat, lambda m: m.reply_to_message_id == bad.message_id)
    assert "zoom" in (refusal.text or "").lower()
    good = tg.fake.send_user_message(chat, alice, "wider --zoom 2", reply_to=ask.message_id)
    await tg.wait_message(
        chat,
        lambda m: (
            m.reply_to_message_id == good.message_id
            and (m.caption or "").startswith("✅ Custom Zoom")
        ),
    )
