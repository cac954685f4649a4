"""End to end: a group that removes the bot is paused at once, and resumed at once when it adds the bot back."""

from __future__ import annotations

import asyncio
import time

from tests.fakebot import FakeBotServer
from tests.fakebot.harness import make_settings, running_bot

GROUP = -100777


def _membership(server: FakeBotServer, old: str, new: str) -> dict:
    bot = {"id": server.bot_id, "is_bot": True, "first_name": "regimebot", "username": "regimebot"}

    def member(status: str) -> dict:
        return {"user": bot, "status": status, **({"until_date": 0} if status == "kicked" else {})}

    return {"my_chat_member": {
        "chat": {"id": GROUP, "type": "supergroup", "title": "Fund desk"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Admin"},
        "date": int(time.time()),
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }}


def test_my_chat_member_pauses_and_resumes_a_group_at_once(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")) as rt:
                services = rt.services

                def paused() -> bool:
                    return services.store.chats.get_chat(GROUP).paused

                services.store.chats.ensure_chat(GROUP, "supergroup", title="Fund desk")
                services.store.chats.subscribe(GROUP, "*")
                server.push_update(_membership(server, "member", "kicked"))
                await server.wait_for(paused, what="the group paused")
                reason = services.store.chats.get_chat(GROUP).paused_reason
                server.push_update(_membership(server, "kicked", "member"))
                await server.wait_for(lambda: not paused(), what="the group resumed")
                server.push_update(_membership(server, "member", "left"))
                await server.wait_for(paused, what="paused again")
                sends = [c for c in server.calls if c.method.startswith("send")]
            return reason, sends

    reason, sends = asyncio.run(scenario())
    assert reason == "bot kicked from the chat"
    assert sends == []  # nothing is said to a chat about the bot's own membership
