"""Groups: addressed commands and replies work in privacy mode, chatter is ignored, buttons
belong to the requester, and many jobs share the group's flood budget without a 429."""

from __future__ import annotations

import asyncio

from tests.fakes.telegram import BotMessage
from tests.integration.telegram.conftest import TgStack

BOT = "mjbridge_test_bot"
JOBS = 10


def _final(m: BotMessage) -> bool:
    return m.kind == "photo" and (m.caption or "").startswith("✅")


async def test_group_commands_replies_chatter_and_foreign_buttons(tg: TgStack) -> None:
    alice, bob = tg.fake.user("Alice"), tg.fake.user("Bob")
    group = tg.fake.group(members=[alice, bob])

    other = tg.fake.send_user_message(group, alice, "/imagine@someotherbot a castle")
    mine = tg.fake.send_user_message(group, alice, f"/imagine@{BOT} a castle")
    assert mine.delivered
    result = await tg.wait_result(group, reply_to=mine.message_id)
    assert "a castle" in (result.caption or "")

    # privacy mode: plain chatter never reaches the bot
    hidden = tg.fake.send_user_message(group, bob, "what a nice castle")
    assert not hidden.delivered
    # without privacy mode it reaches the bot and is still ignored
    tg.fake.privacy_mode = False
    chatter = tg.fake.send_user_message(group, bob, "love it")
    assert chatter.delivered
    help_request = tg.fake.send_user_message(group, bob, f"/help@{BOT}")
    await tg.wait_message(
        group, lambda m: m.reply_to_message_id is None and "/settings" in (m.text or "")
    )
    await tg.fake.wait_for(lambda: tg.fake.pending_updates == 0)
    answered = {m.reply_to_message_id for m in tg.messages(group)}
    assert chatter.message_id not in answered
    assert other.message_id not in answered
    assert help_request.delivered
    tg.fake.privacy_mode = True

    # Bob may not press Alice's paid buttons
    before = len(tg.messages(group))
    tg.press(group, bob, result, "U1")
    refusal = await tg.fake.wait_for(lambda: tg.fake.answered_callbacks)
    assert refusal[0].show_alert and "Only the person who asked" in (refusal[0].text or "")
    # a reply to the bot's message is a new prompt, delivered despite privacy mode
    reply = tg.fake.send_user_message(group, bob, "a castle at night", reply_to=result.message_id)
    assert reply.delivered
    night = await tg.wait_result(group, reply_to=reply.message_id)
    assert "a castle at night" in (night.caption or "")
    assert len(tg.messages(group)) == before + 1
    assert (await tg.task_of(night)).parent_id is None


async def test_ten_concurrent_jobs_in_one_group_finish_without_flood_errors(tg: TgStack) -> None:
    users = [tg.fake.user(f"User{i}") for i in range(JOBS)]
    group = tg.fake.group(members=users)
    sent = [
        tg.fake.send_user_message(group, user, f"/imagine@{BOT} picture number {i}")
        for i, user in enumerate(users)
    ]
    assert all(s.delivered for s in sent)

    finals = await tg.fake.wait_for(
        lambda: len([m for m in tg.messages(group) if _final(m)]) == JOBS, timeout=60
    )
    assert finals
    messages = tg.messages(group)
    assert len(messages) == JOBS  # one message per job, nothing else
    assert {m.reply_to_message_id for m in messages} == {s.message_id for s in sent}
    for message in messages:
        assert message.photo and message.buttons
    assert tg.fake.flood_429s == 0
    failed = [c for c in tg.fake.calls if not c.ok and c.method != "getUpdates"]
    assert failed == []
    await asyncio.sleep(0)
