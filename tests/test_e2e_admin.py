"""End to end: /signal and /evaluate run a cycle through the bot's hook and push alerts; channels; errors; lock loss."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import replace

from regimebot.handlers import load_commands
from regimebot.handlers.messages.i18n import t
from tests.fakebot import FakeBotServer
from tests.fakebot.harness import ADMIN, STRESS_END, demo_provider, evaluate, make_settings, running_bot

CHANNEL = -1009990001


def _alerts(server: FakeBotServer, chat_id: int) -> list[dict]:
    return [m for m in server.messages_to(chat_id) if "snooze:" in str(m["reply_markup"])]


def test_manual_signal_by_an_admin_reevaluates_and_pushes_the_alert_at_once(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")) as rt:
                server.command(801, "/subscribe geopolitical_noise", user_id=801)
                await server.wait_for(lambda: server.messages_to(801), what="subscribed")
                await evaluate(rt)  # baseline: first observations, no alert
                server.command(802, "/signal tariffs_landed on not an admin", user_id=802)
                server.command(ADMIN, "/signal tariffs_landed on tariffs in force", user_id=ADMIN)
                await server.wait_for(lambda: server.messages_to(802) and server.messages_to(ADMIN), what="answers")
                await server.wait_for(lambda: _alerts(server, 801), what="the alert pushed after /signal")
                manual = rt.services.store.engine_state.manual_signals()
            return server, manual

    server, manual = asyncio.run(scenario())
    assert manual.get("tariffs_landed") is True
    assert "⛔" in server.messages_to(802)[0]["text"]
    alert = _alerts(server, 801)
    assert len(alert) == 1 and "tariffs_landed" in alert[0]["text"]
    assert "→ <b>weakening</b>" in alert[0]["text"]


def test_channel_posts_run_commands_and_alert_chats_receive_alerts(tmp_path):
    provider = demo_provider()

    async def scenario():
        async with FakeBotServer() as server:
            settings = make_settings(server, tmp_path / "bot.db", alert_chats=(CHANNEL,))
            async with running_bot(server, settings, provider=provider) as rt:
                post = server.message_json(CHANNEL - 1, "/theses", user_id=0, chat_type="channel")
                post.pop("from")
                post["sender_chat"] = dict(post["chat"])
                server.push_update({"channel_post": post})
                await server.wait_for(lambda: server.messages_to(CHANNEL - 1), what="the channel's answer")
                await evaluate(rt)
                provider.reveal_until = STRESS_END
                result = await evaluate(rt)
                await server.wait_for(lambda: len(_alerts(server, CHANNEL)) == len(result.alert_ids), what="channel alerts")
            return server, result

    server, result = asyncio.run(scenario())
    assert result.alert_ids and len(_alerts(server, CHANNEL)) == len(result.alert_ids)
    assert "⛔" not in server.messages_to(CHANNEL - 1)[0]["text"]


def test_a_failing_handler_is_answered_and_logged_without_the_users_text(tmp_path, monkeypatch, caplog):
    registry = load_commands()
    command = registry.get("dxy")

    def broken(req):
        raise RuntimeError("boom in handler")

    monkeypatch.setitem(registry._commands, "dxy", replace(command, handler=broken))

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                server.command(821, "/dxy private-words-of-the-user")
                await server.wait_for(lambda: server.messages_to(821), what="the error answer")
            return server

    with caplog.at_level(logging.ERROR, logger="regimebot.bot.telegram.app"):
        server = asyncio.run(scenario())
    assert server.messages_to(821)[0]["text"] == t("en", "runtime.error")
    assert "RuntimeError" in caplog.text and "boom in handler" in caplog.text
    assert "private-words-of-the-user" not in caplog.text


def test_losing_the_database_lock_stops_the_bot_with_exit_status_1(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            settings = make_settings(server, tmp_path / "bot.db")
            from regimebot.bot.cli.run import serve
            from regimebot.bot.services import build_services
            from regimebot.bot.telegram.app import build_application
            from tests.fakebot.harness import fast_options

            services = build_services(settings, provider=demo_provider(), db_path=settings.db)
            assert services.store.process_locks.acquire_lock("me:1", ttl=0.6) is None
            app = build_application(settings, services, fast_options(lock_ttl=0.6), lock_owner="me:1")
            task = asyncio.create_task(serve(app, install_signals=False, poll_timeout=0.2))
            await server.wait_for(lambda: bool(server.calls_of("getUpdates")), what="polling")
            other = sqlite3.connect(settings.db, isolation_level=None)  # another process takes over the (expired) lock
            other.execute("UPDATE process_locks SET owner = 'other:2'")
            status = await asyncio.wait_for(task, 15)
            holder = other.execute("SELECT owner FROM process_locks").fetchone()
            other.close()
            services.store.close()
            return status, holder

    status, holder = asyncio.run(scenario())
    assert status == 1
    assert holder == ("other:2",)  # we did not release someone else's lock
