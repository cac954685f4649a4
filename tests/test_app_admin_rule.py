"""Who counts as an admin in bot/telegram/app.py, on real PTB Update objects; getChatMember answered by a fake bot."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from telegram import Update

from regimebot.bot.config import Settings
from regimebot.bot.telegram.app import AppOptions, Runtime
from tests.chat_world import services_over

CHANNEL, GROUP, BOT, CONFIGURED, CHAT_ADMIN, VIEWER = -100111, -100222, 999, 1001, 2002, 3003


class FakeBot:
    """Answers getChatMember from a table of chat administrators; records who was asked about."""

    def __init__(self, admins: dict[int, set[int]]) -> None:
        self.admins = admins
        self.asked: list[tuple[int, int]] = []

    async def get_chat_member(self, chat_id: int, user_id: int):
        self.asked.append((chat_id, user_id))
        return SimpleNamespace(status="administrator" if user_id in self.admins.get(chat_id, set()) else "member")


def _runtime() -> Runtime:
    settings = Settings(admins=frozenset({CONFIGURED}))
    return Runtime(settings, services_over(settings=settings), None, AppOptions(), None)


def _chat(chat_id: int, kind: str) -> dict:
    return {"id": chat_id, "type": kind, "title": "Fund"}


def _user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}


def _channel_post() -> Update:
    post = {"message_id": 7, "date": 0, "chat": _chat(CHANNEL, "channel"), "sender_chat": _chat(CHANNEL, "channel"),
            "text": "/theses"}
    return Update.de_json({"update_id": 1, "channel_post": post}, None)


def _press(chat_id: int, kind: str, presser: int) -> Update:
    """A button under the bot's own message: in a channel that message's sender_chat is the channel itself."""
    message = {"message_id": 8, "date": 0, "chat": _chat(chat_id, kind), "text": "alert",
               "from": {"id": BOT, "is_bot": True, "first_name": "bot"}}
    if kind == "channel":
        message["sender_chat"] = _chat(chat_id, "channel")
    query = {"id": "cq1", "from": _user(presser), "message": message, "chat_instance": "1", "data": "mute:long_usd_ai"}
    return Update.de_json({"update_id": 2, "callback_query": query}, None)


def _is_admin(update: Update, bot: FakeBot) -> bool:
    return asyncio.run(_runtime().is_admin(bot, update))


def test_a_channel_post_comes_from_the_channels_admins():
    assert _is_admin(_channel_post(), FakeBot({}))


@pytest.mark.parametrize("kind, chat_id", [("channel", CHANNEL), ("supergroup", GROUP)])
def test_a_plain_viewer_pressing_a_button_is_not_an_admin(kind, chat_id):
    bot = FakeBot({chat_id: {CHAT_ADMIN}})
    assert not _is_admin(_press(chat_id, kind, VIEWER), bot)
    assert bot.asked == [(chat_id, VIEWER)]  # Telegram was asked about the presser, not taken on the post's word


@pytest.mark.parametrize("kind, chat_id", [("channel", CHANNEL), ("supergroup", GROUP)])
def test_the_chats_administrator_and_a_configured_admin_may_press(kind, chat_id):
    bot = FakeBot({chat_id: {CHAT_ADMIN}})
    assert _is_admin(_press(chat_id, kind, CHAT_ADMIN), bot)
    assert _is_admin(_press(chat_id, kind, CONFIGURED), FakeBot({}))
