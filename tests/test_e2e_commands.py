"""End to end: the real Application against the fake Bot API — commands, usage, groups, admins, allowed chats."""

from __future__ import annotations

import asyncio
import html
from dataclasses import replace

from regimebot.handlers import load_commands
from regimebot.handlers.messages.i18n import t
from tests.fakebot import FakeBotServer
from tests.fakebot.harness import ADMIN, TOKEN, make_settings, running_bot

REGISTRY = load_commands()

# Arguments no command accepts: each must answer with its usage text. Commands listed here take
# free text or nothing, and answer an explicit problem instead.
BAD_ARGS = "%%% ### no-such-thing 99999999999 zz"


def _usage(command) -> str:
    return t("en", command.usage)


def test_every_registered_command_answers_and_bad_arguments_get_usage(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                commands = REGISTRY.commands()
                for i, command in enumerate(commands):
                    server.command(1000 + i, f"/{command.name}", user_id=ADMIN)
                    server.command(2000 + i, f"/{command.name} {BAD_ARGS}", user_id=ADMIN)
                await server.wait_for(
                    lambda: all(server.messages_to(1000 + i) and server.messages_to(2000 + i) for i in range(len(commands))),
                    timeout=60, what="an answer to every command",
                )
                return commands, server

    commands, server = asyncio.run(scenario())
    for i, command in enumerate(commands):
        plain = server.messages_to(1000 + i)
        assert plain[0]["parse_mode"] == "HTML" and plain[0]["text"].strip(), command.name
        answer = "\n".join(m["text"] or "" for m in server.messages_to(2000 + i))
        usage = _usage(command)
        assert usage in answer or html.escape(usage, quote=False) in answer, (command.name, answer[:300])
    assert not [c for c in server.calls if c.status >= 500]


def test_menu_is_set_in_both_languages_from_the_registry(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                await server.wait_for(lambda: len(server.calls_of("setMyCommands")) >= 2, what="setMyCommands")
            return server

    server = asyncio.run(scenario())
    menus = {c.params.get("language_code", ""): c.params["commands"] for c in server.calls_of("setMyCommands")}
    expected = [c.name for c in REGISTRY.commands() if c.menu]
    assert [c["command"] for c in menus[""]] == expected
    assert [c["command"] for c in menus["zh"]] == expected
    assert menus["zh"][0]["description"] == t("zh-TW", REGISTRY.commands()[0].summary)
    assert menus[""][0]["description"] == t("en", REGISTRY.commands()[0].summary)


def test_admin_commands_in_groups_need_a_chat_or_configured_admin(tmp_path):
    group = -1001234
    async def scenario():
        async with FakeBotServer() as server:
            server.admins[group] = {502}
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")) as rt:
                server.command(group, "/subscribe all", user_id=501, chat_type="supergroup", thread_id=77)
                await server.wait_for(lambda: len(server.messages_to(group)) == 1, what="the refusal")
                after_member = rt.services.store.chats.subscriptions(group) if rt.services.store.chats.get_chat(group) else set()
                server.command(group, "/subscribe all", user_id=502, chat_type="supergroup", thread_id=77)
                await server.wait_for(lambda: len(server.messages_to(group)) == 2, what="the chat admin's answer")
                after_admin = rt.services.store.chats.subscriptions(group)
                server.command(group, "/unsubscribe all", user_id=ADMIN, chat_type="supergroup")
                await server.wait_for(lambda: len(server.messages_to(group)) == 3, what="the configured admin's answer")
                after_configured = rt.services.store.chats.subscriptions(group)
                server.command(group, "/theses", user_id=501, chat_type="supergroup")  # read-only: open to members
                await server.wait_for(lambda: len(server.messages_to(group)) == 4, what="a member's read-only command")
            return server, after_member, after_admin, after_configured

    server, after_member, after_admin, after_configured = asyncio.run(scenario())
    refusal, admin_ok, configured_ok, member_read = server.messages_to(group)
    assert "⛔" in refusal["text"] and after_member == set()
    assert refusal["thread_id"] == 77 and admin_ok["thread_id"] == 77  # answered in the forum topic asked from
    assert after_admin == {"*"} and "⛔" not in admin_ok["text"]
    assert after_configured == set() and "⛔" not in configured_ok["text"]
    assert "⛔" not in member_read["text"]
    checked = {(int(c.params["chat_id"]), int(c.params["user_id"])) for c in server.calls_of("getChatMember")}
    assert (group, 501) in checked and (group, 502) in checked
    assert (group, ADMIN) not in checked  # configured admins need no lookup


def test_chats_outside_the_allowed_list_get_one_polite_refusal_only(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            settings = make_settings(server, tmp_path / "bot.db", allowed_chats=frozenset({11}))
            async with running_bot(server, settings) as rt:
                server.command(12, "/help")
                server.command(12, "/dxy")
                server.command(12, "/subscribe all")
                server.command(11, "/help")
                await server.wait_for(lambda: server.messages_to(11) and server.messages_to(12), what="answers")
                await asyncio.sleep(0.5)
                stranger = rt.services.store.chats.get_chat(12)
            return server, stranger

    server, stranger = asyncio.run(scenario())
    assert len(server.messages_to(12)) == 1
    assert server.messages_to(12)[0]["text"] == t("en", "runtime.not_allowed")
    assert stranger is None  # nothing was stored for the refused chat
    assert "/help" in server.messages_to(11)[0]["text"] or "/start" in server.messages_to(11)[0]["text"]


def test_chinese_users_get_chinese_answers_and_unknown_commands_point_to_help(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                server.command(31, "/alerts", language_code="zh-hant")
                server.command(32, "/nosuchcommand")
                await server.wait_for(lambda: server.messages_to(31) and server.messages_to(32), what="answers")
            return server

    server = asyncio.run(scenario())
    assert server.messages_to(31)[0]["text"] == t("zh-TW", "alerts.none")
    assert server.messages_to(32)[0]["text"] == t("en", "runtime.unknown_command")


def test_the_token_only_travels_in_the_api_path(tmp_path, caplog):
    caplog.set_level("DEBUG")

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                server.command(41, "/help")
                await server.wait_for(lambda: server.messages_to(41), what="an answer")
            return server

    server = asyncio.run(scenario())
    assert {c.token for c in server.calls} == {TOKEN}
    assert all(TOKEN not in str(c.params) for c in server.calls)
    assert all(TOKEN not in (m["text"] or "") for m in server.sent)


def test_no_admin_command_runs_for_a_plain_member_of_a_group(tmp_path, monkeypatch):
    admin_commands = [c for c in REGISTRY.commands() if c.admin]
    assert {"subscribe", "evaluate", "signal"} <= {c.name for c in admin_commands}
    called = []
    for command in admin_commands:  # any call of an admin handler would be recorded here
        monkeypatch.setitem(REGISTRY._commands, command.name,
                            replace(command, handler=lambda req, name=command.name: called.append(name)))

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")):
                for i, command in enumerate(admin_commands):
                    server.command(-1005000 - i, f"/{command.name} all on", user_id=501, chat_type="supergroup")
                await server.wait_for(lambda: all(server.messages_to(-1005000 - i) for i in range(len(admin_commands))),
                                      timeout=30, what="refusals")
            return server

    server = asyncio.run(scenario())
    assert called == []
    for i, command in enumerate(admin_commands):
        (answer,) = server.messages_to(-1005000 - i)
        assert answer["text"] == "⛔ " + t("en", "runtime.admin_only", command=command.name)


def test_settings_buttons_work_through_telegram_and_change_the_language(tmp_path):
    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, tmp_path / "bot.db")) as rt:
                server.command(51, "/settings")
                await server.wait_for(lambda: server.messages_to(51), what="the settings menu")
                buttons = [b["callback_data"] for row in server.messages_to(51)[0]["reply_markup"]["inline_keyboard"] for b in row]
                server.press(51, "set:lang:zh-TW")
                await server.wait_for(lambda: len(server.calls_of("answerCallbackQuery")) == 1, what="the button answer")
                await asyncio.sleep(0.3)
                server.command(51, "/alerts")
                await server.wait_for(lambda: any(m["text"] == t("zh-TW", "alerts.none") for m in server.messages_to(51)),
                                      what="an answer in Chinese")
                language = rt.services.store.chats.get_chat(51).language
            return buttons, language

    buttons, language = asyncio.run(scenario())
    assert "set:lang:zh-TW" in buttons
    assert language == "zh-TW"
