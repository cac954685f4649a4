"""End to end: a chat paused because it blocked the bot gets its alerts again once it talks to the bot again."""

from __future__ import annotations

import asyncio

from tests.fakebot import FakeBotServer, Fault
from tests.fakebot.harness import STRESS_END, deliver_all, demo_provider, evaluate, make_settings, running_bot

USER = 7050


def _alert_messages(server: FakeBotServer, chat_id: int) -> list[dict]:
    return [m for m in server.messages_to(chat_id) if m["reply_markup"] and "snooze:" in str(m["reply_markup"])]


def test_a_blocked_chat_that_comes_back_is_resumed_and_receives_the_next_alert(tmp_path):
    provider = demo_provider()

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db"), provider=provider) as rt:
                server.command(USER, "/subscribe all", user_id=USER)
                await server.wait_for(lambda: server.messages_to(USER), what="subscribed")
                await evaluate(rt)  # the baseline: no alert yet
                server.faults.append(Fault("403", chat_id=USER))  # the user blocked the bot
                provider.reveal_until = STRESS_END
                first = await evaluate(rt)
                await deliver_all(rt, server)
                store = rt.services.store
                paused_then = store.chats.get_chat(USER).paused
                first_rows = [d for i in first.alert_ids for d in store.outbox.deliveries_for_alert(i)]
                answers = len(server.messages_to(USER))
                server.command(USER, "/status", user_id=USER)  # unblocked, and talking to the bot again
                await server.wait_for(lambda: len(server.messages_to(USER)) > answers, what="the /status answer")
                resumed = store.chats.get_chat(USER)
                thesis = store.outbox.get_alert(first_rows[0].alert_id).thesis_id
                later = store.outbox.create_alert(thesis, "weakening", "invalidated", "2026-03-31", "demo", True, [])
                recipients = [p.chat_id for p in store.chats.subscribers(thesis, later.created_at)]
                store.outbox.enqueue_deliveries(later.id, [USER])
                await deliver_all(rt, server)
                later_row = store.outbox.deliveries_for_alert(later.id)[0]
            return server, paused_then, first_rows, resumed, recipients, later_row

    server, paused_then, first_rows, resumed, recipients, later_row = asyncio.run(scenario())
    assert paused_then and first_rows and {d.status for d in first_rows} == {"failed"}
    assert not resumed.paused and resumed.paused_reason is None
    assert USER in recipients  # fan-out counts it as a subscriber again
    assert later_row.status == "sent"
    assert len(_alert_messages(server, USER)) == 1  # the later alert arrived (the blocked ones never did)
