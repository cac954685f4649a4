"""bot.telegram.io against the fake Bot API: photos, captions, long texts, buttons, topics, and error mapping."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from regimebot.bot.telegram.io import Limits, Pacer, map_telegram_error, send_reply
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.jobs.deliver import ChatGone, ChatMoved, PermanentFailure, RetryLater, TransientFailure
from tests.fakebot import FakeBotServer, Fault, ServerLimits

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _with_bot(server: FakeBotServer, fn):
    bot = Bot("777:io-test-token", base_url=server.base_url)
    async with bot:
        return await fn(bot)


def test_photo_with_a_short_caption_is_one_message_with_buttons():
    async def scenario():
        async with FakeBotServer() as server:
            reply = Reply("<b>chart</b> &amp; note", image=PNG, image_name="c.png", buttons=((Button("More", "alert:1"),),))
            mid = await _with_bot(server, lambda bot: send_reply(bot, 5, reply, thread_id=9))
            return server, mid

    server, mid = asyncio.run(scenario())
    (photo,) = server.sent
    assert photo["method"] == "sendphoto" and photo["text"] == "<b>chart</b> &amp; note" and photo["thread_id"] == 9
    assert photo["photo"]["size"] == len(PNG) and photo["photo"]["filename"] == "c.png"
    assert photo["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "alert:1"
    assert mid == photo["message_id"]


def test_a_long_text_goes_after_the_photo_in_parts_with_buttons_on_the_last():
    text = "\n".join(f"line {i}: " + "x" * 70 for i in range(120))  # about 9,400 characters

    async def scenario():
        async with FakeBotServer(limits=ServerLimits(chat=1, chat_period=0.1)) as server:
            reply = Reply(text, image=PNG, buttons=((Button("B", "mute:x"),),), silent=True,
                          extra=(Reply("after"),))
            pacer = Pacer(Limits(chat_interval=0.1))  # five messages to one chat: paced like Telegram wants
            await _with_bot(server, lambda bot: send_reply(bot, 6, reply, pacer=pacer))
            return server

    server = asyncio.run(scenario())
    assert server.rejected_429 == 0
    kinds = [m["method"] for m in server.sent]
    assert kinds[0] == "sendphoto" and server.sent[0]["text"] is None
    parts = [m for m in server.sent[1:-1]]
    assert len(parts) == 3 and all(len(m["text"]) <= 4096 for m in parts)
    assert "\n".join(m["text"] for m in parts) == text
    assert [bool(m["reply_markup"]) for m in parts] == [False, False, True]
    assert all(m["silent"] for m in server.sent[:-1])
    assert server.sent[-1]["text"] == "after"


@pytest.mark.parametrize("fault,expected", [
    (Fault("403"), ChatGone),
    (Fault("400"), PermanentFailure),
    (Fault("500"), TransientFailure),
    (Fault("502"), TransientFailure),
    (Fault("migrate", new_chat_id=-100321), ChatMoved),
])
def test_server_faults_become_delivery_outcomes(fault, expected):
    async def scenario():
        async with FakeBotServer() as server:
            server.faults.append(fault)
            with pytest.raises(expected) as caught:
                await _with_bot(server, lambda bot: send_reply(bot, -55 if fault.kind == "migrate" else 55, Reply("hi")))
            return caught.value

    error = asyncio.run(scenario())
    if isinstance(error, ChatMoved):
        assert error.new_chat_id == -100321


def test_telegram_errors_map_once_to_what_the_caller_does():
    assert isinstance(map_telegram_error(RetryAfter(7)), RetryLater) and map_telegram_error(RetryAfter(7)).seconds == 7
    assert map_telegram_error(ChatMigrated(-1009)).new_chat_id == -1009
    assert isinstance(map_telegram_error(Forbidden("bot was kicked from the group chat")), ChatGone)
    assert isinstance(map_telegram_error(BadRequest("Chat not found")), ChatGone)
    assert isinstance(map_telegram_error(BadRequest("Can't parse entities")), PermanentFailure)
    assert isinstance(map_telegram_error(TimedOut()), TransientFailure)
    assert isinstance(map_telegram_error(NetworkError("Internal Server Error (500)")), TransientFailure)


def test_a_split_message_retried_after_part_two_failed_never_resends_part_one():
    """Per-part state: the outbox records each accepted part, and the retry starts at the first missing one."""
    from datetime import UTC, datetime, timedelta

    from regimebot.bot.config import Settings
    from regimebot.bot.telegram.io import TelegramSender
    from regimebot.jobs.deliver import Parts, RetryPolicy, deliver_notices
    from regimebot.storage.store import Store
    from tests.chat_world import services_over

    text = "\n".join(f"digest line {i}: " + "y" * 70 for i in range(120))  # three parts
    store = Store.open()
    services = services_over(store, Settings())
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    store.notices.enqueue_notice("digest", "digest:2026-03-02", 77, text, silent=True, now=now)

    class FailsAfterFirstPart:
        """The real sender; the server fails the request right after the first part was recorded (once)."""

        def __init__(self, inner, server):
            self.inner, self.server, self.tripped = inner, server, False

        async def send(self, chat_id, reply, thread_id=None, parts=None):
            async def record(index, message_id):
                await parts.record(index, message_id)
                if not self.tripped:
                    self.tripped = True
                    self.server.faults.append(Fault("500"))
            return await self.inner.send(chat_id, reply, thread_id, Parts(parts.done, record))

    async def scenario():
        async with FakeBotServer() as server:
            bot = Bot("777:io-test-token", base_url=server.base_url)
            async with bot:
                sender = FailsAfterFirstPart(TelegramSender(bot), server)
                first = await deliver_notices(services, sender, now, policy=RetryPolicy(base=0.0))
                second = await deliver_notices(services, sender, now + timedelta(seconds=1), policy=RetryPolicy(base=0.0))
            return server, first, second

    server, first, second = asyncio.run(scenario())
    assert (first.retry, second.sent) == (1, 1)
    texts = [m["text"] for m in server.sent]
    assert len(texts) == 3 and "\n".join(texts) == text  # part 1 once, then parts 2 and 3: nothing twice
    assert store.notices.notices_for(77)[0].status == "sent" and store.notices.delivered_parts("notice", 1) == 3
    store.close()
