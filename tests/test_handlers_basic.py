"""/start /help /settings /subscribe /unsubscribe /dxy /tlt /quote on real SQLite and generated markets."""

from __future__ import annotations

import pytest

from regimebot.handlers.registry import REGISTRY, Chat
from tests.chat_world import ask, generated_closes, make_services, press, with_settings

GROUP = Chat(id=-100200, type="supergroup", title="Fund desk")
MEMBER = 2002


@pytest.fixture(scope="module")
def closes():
    return generated_closes()


@pytest.fixture
def services(closes):
    return make_services(closes)


def test_help_lists_every_registered_command_in_both_languages(services):
    english = ask(services, "/help").text
    chinese = ask(services, "/help", lang="zh-TW").text
    for command in REGISTRY.commands():
        assert f"/{command.name} —" in english
        assert f"/{command.name} —" in chinese
    assert "How alerts work" in english and "警報如何運作" in chinese
    assert "Usage: /quote" in ask(services, "/help quote").text
    bad = ask(services, "/help nosuch").text
    assert "There is no command nosuch" in bad and "Usage: /help" in bad


def test_start_remembers_the_chat_in_its_language(services):
    reply = ask(services, "/start", chat=Chat(id=77, type="private"), lang="zh-TW")
    assert "regimebot" in reply.text and "指令" in reply.text
    prefs = services.store.chats.get_chat(77)
    assert prefs is not None and prefs.language == "zh-TW"


def test_subscribe_and_unsubscribe_in_a_private_chat(services):
    reply = ask(services, "/subscribe long_usd_ai", user_id=MEMBER)
    assert "Subscribed" in reply.text
    assert services.store.chats.subscriptions(500) == {"long_usd_ai"}
    ask(services, "/subscribe ALL", user_id=MEMBER)
    assert services.store.chats.subscriptions(500) == {"long_usd_ai", "*"}
    ask(services, "/unsubscribe all", user_id=MEMBER)
    assert services.store.chats.subscriptions(500) == set()


def test_subscribe_bad_arguments_answer_usage_and_change_nothing(services):
    for line in ("/subscribe", "/subscribe a b", "/subscribe <b>nope</b>", "/unsubscribe nosuch"):
        reply = ask(services, line)
        assert "Usage: /" in reply.text
        assert "<b>nope</b>" not in reply.text  # escaped
    assert services.store.chats.subscriptions(500) == set()
    assert "&lt;b&gt;nope&lt;/b&gt;" in ask(services, "/subscribe <b>nope</b>").text


def test_in_groups_only_administrators_change_subscriptions(services):
    refused = ask(services, "/subscribe all", chat=GROUP, user_id=MEMBER, is_admin=False)
    assert "administrator" in refused.text
    assert services.store.chats.get_chat(GROUP.id) is None or services.store.chats.subscriptions(GROUP.id) == set()
    ask(services, "/subscribe all", chat=GROUP, user_id=MEMBER, is_admin=True)
    assert services.store.chats.subscriptions(GROUP.id) == {"*"}


def test_settings_by_text_and_by_button(services):
    ask(services, "/settings timezone Asia/Taipei")
    ask(services, "/settings quiet 2300-0800")
    ask(services, "/settings digest 7:30")
    ask(services, "/settings urgent off")
    prefs = services.store.chats.get_chat(500)
    assert (prefs.timezone, prefs.quiet_start, prefs.quiet_end, prefs.digest_time, prefs.urgent_bypass_quiet) == (
        "Asia/Taipei", "23:00", "08:00", "07:30", False)
    reply = press(services, "set:lang:zh-TW")
    assert "語言：繁體中文" in reply.text
    press(services, "set:digest:off")
    press(services, "set:quiet:2200-0700")
    press(services, "set:urgent:on")
    prefs = services.store.chats.get_chat(500)
    assert (prefs.language, prefs.digest_time, prefs.quiet_start, prefs.quiet_end, prefs.urgent_bypass_quiet) == (
        "zh-TW", None, "22:00", "07:00", True)
    data = {b.data for row in reply.buttons for b in row}
    assert all(len(d.encode()) <= 64 for d in data) and "set:tz:1" in data


@pytest.mark.parametrize("line", ["/settings quiet 22:00", "/settings quiet 25:00-07:00", "/settings digest 8",
                                  "/settings timezone Nowhere/City", "/settings language fr", "/settings colour red",
                                  "/settings urgent maybe", "/settings timezone"])
def test_bad_settings_answer_usage_and_change_nothing(services, line):
    before = ask(services, "/settings").text
    reply = ask(services, line)
    assert "Usage: /settings" in reply.text
    assert ask(services, "/settings").text == before


@pytest.mark.parametrize("data", ["set:tz:5", "set:tz:-1", "set:lang:fr", "set:quiet:2200", "set:digest:2500",
                                  "set:urgent:yes", "set:x:y", "set:", "set:tz:1:2", "set:quiet:2200-2200"])
def test_forged_button_data_is_refused(services, data):
    ask(services, "/settings")
    before = services.store.chats.get_chat(500)
    reply = press(services, data)
    assert "no longer valid" in reply.text
    assert services.store.chats.get_chat(500) == before


def test_group_settings_need_an_administrator(services):
    ask(services, "/settings", chat=GROUP, user_id=MEMBER, is_admin=False)
    assert "administrator" in press(services, "set:lang:zh-TW", chat=GROUP, user_id=MEMBER, is_admin=False).text
    assert "administrator" in ask(services, "/settings digest 08:00", chat=GROUP, user_id=MEMBER, is_admin=False).text
    assert services.store.chats.get_chat(GROUP.id).language == "en"


def test_dxy_shows_the_last_close_its_date_and_change(services, closes):
    dxy = closes["DXY"]
    text = ask(services, "/dxy").text
    assert f"{dxy.iloc[-1]:.2f}" in text
    assert dxy.index[-1].date().isoformat() in text
    one_day = (dxy.iloc[-1] / dxy.iloc[-2] - 1) * 100
    sign = "+" if one_day > 0 else "−"
    assert f"1d {sign}{abs(one_day):.1f}%" in text
    assert "generated" in text  # the data source


def test_tlt_adds_the_30_year_yield_in_basis_points(services, closes):
    text = ask(services, "/tlt").text
    us30 = closes["US30Y"]
    move_bp = (us30.iloc[-1] - us30.iloc[-2]) * 100
    sign = "+" if move_bp > 0 else "−"
    assert "<b>TLT</b>" in text and "<b>US30Y</b>" in text
    assert f"1d {sign}{abs(move_bp):.0f} bp" in text


def test_quote_resolves_ids_and_symbols_and_rejects_unknowns(services, closes):
    text = ask(services, "/quote gold ^TNX").text
    assert "<b>GOLD</b>" in text and "<b>US10Y</b>" in text
    unknown = ask(services, "/quote NVDA").text
    assert "Unknown series NVDA" in unknown and "Usage: /quote" in unknown
    assert "Usage: /quote" in ask(services, "/quote").text
    assert "At most 6" in ask(services, "/quote A B C D E F G").text
    assert "&lt;script&gt;" in ask(services, "/quote <script>").text


def test_quote_on_yfinance_data_asks_for_any_symbol_and_says_unknown_when_it_has_none(services):
    services = with_settings(services, data=type(services.settings.data)("yfinance", None))
    text = ask(services, "/quote NVDA").text
    assert "<b>NVDA</b>" in text and "unknown" in text
    assert "no data for symbol NVDA" in text


def test_missing_series_reads_unknown_not_a_number(closes):
    partial = {k: v for k, v in closes.items() if k != "DXY"}
    services = make_services(partial)
    text = ask(services, "/dxy").text
    assert "unknown" in text
    assert "1d" not in text


def test_answers_in_traditional_chinese(services):
    assert "用法：/quote" in ask(services, "/quote", lang="zh-TW").text
    assert "已訂閱" in ask(services, "/subscribe all", lang="zh-TW").text


def test_help_hides_administration_from_members_and_groups_by_topic(services):
    member = ask(services, "/help", chat=GROUP, user_id=MEMBER, is_admin=False).text
    assert "/evaluate" not in member and "/signal" not in member
    assert "/subscribe — " in member  # shown, marked 🔒: a group admin can use it
    chinese = ask(services, "/help", lang="zh-TW").text
    assert "<b>市場讀數</b>" in chinese and "<b>管理</b>" in chinese
