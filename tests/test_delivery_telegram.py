"""bot.telegram_io against the fake Bot API: photos, captions, long texts, buttons, topics, and error mapping."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from regimebot.bot.telegram_io import Limits, Pacer, map_telegram_error, send_reply
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
