"""/regime /theses /thesis /backtest /signal /evaluate /status on real SQLite and generated markets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from regimebot.handlers.registry import Chat
from regimebot.macro.engine import replay
from tests.chat_world import ADMIN, FakeEvaluator, ask, generated_closes, make_services

MEMBER = 2002
GROUP = Chat(id=-100300, type="supergroup", title="Desk")


@pytest.fixture(scope="module")
def closes():
    return generated_closes()


@pytest.fixture
def services(closes):
    return make_services(closes)


def _signed_pct(value: float) -> str:
    return f"{value:+.1f}%"


def test_regime_shows_each_line_the_verdict_and_the_source(services, closes):
    text = ask(services, "/regime").text
    vix = closes["VIX"].iloc[-1]
    assert f"Equity volatility (VIX): {vix:.2f}" in text
    assert f"Bond volatility (MOVE): {closes['MOVE'].iloc[-1]:.2f}" in text
    assert "Verdict: <b>" in text
    assert "As of 2026-03-02 · data: generated" in text
    assert "儀表板" in ask(services, "/regime", lang="zh-TW").text
    assert "Usage: /regime" in ask(services, "/regime now").text


def test_theses_lists_every_thesis_with_a_status(services):
    text = ask(services, "/theses").text
    for tid in services.watchlist.theses:
        assert f"<code>{tid}</code>" in text
    assert text.count(" · since ") == len(services.watchlist.theses)


def test_thesis_shows_values_against_thresholds(services, closes):
    dxy = closes["DXY"]
    quarter = (dxy.iloc[-1] / dxy.iloc[-64] - 1) * 100  # 63-observation change
    text = ask(services, "/thesis LONG_USD_AI").text
    assert "<b>dxy_quarter_drop</b>" in text
    assert f"now {_signed_pct(quarter)} · warn &lt; -3 · breach &lt; -6" in text
    us30 = closes["US30Y"].iloc[-1]
    duration = ask(services, "/thesis long_duration").text
    assert f"now {us30:.2f}% · warn &gt; 5 · breach &gt; 5.2" in duration  # a level, not a change
    assert "Invalidation signals" in duration


def test_thesis_bad_arguments(services):
    assert "Usage: /thesis" in ask(services, "/thesis").text
    reply = ask(services, "/thesis <i>x</i>").text
    assert "Unknown thesis &lt;i&gt;x&lt;/i&gt;" in reply and "Usage: /thesis" in reply


def test_unknown_inputs_read_unknown_never_a_number(closes):
    services = make_services({k: v for k, v in closes.items() if k != "MOVE"})
    text = ask(services, "/regime").text
    assert "Bond volatility (MOVE): unknown" in text
    thesis = ask(services, "/thesis long_duration").text
    assert "now unknown" in thesis


def test_backtest_counts_match_the_engine_replay(services):
    market = services.market_data.market()
    end = market.last_date()
    text = ask(services, "/backtest long_usd_ai 2").text
    start = end.replace(year=end.year - 2)
    expected = replay(market, services.watchlist, start, end)
    flips = [t for t in expected.transitions if t.thesis_id == "long_usd_ai"]
    assert f"{start.isoformat()} to {end.isoformat()}" in text
    assert f"Alerts toward invalidation: {expected.stats['long_usd_ai'].alerts} " in text
    assert f"All status changes (alerts and recoveries): {len(flips)} " in text
    if flips:
        assert flips[-1].date.isoformat() in text


def test_backtest_longer_than_the_history_says_so(services):
    text = ask(services, "/backtest japan_reflation 30").text
    first = services.market_data.market().closes.index[0].date().isoformat()
    assert f"The data starts on {first}" in text


@pytest.mark.parametrize("line", ["/backtest", "/backtest long_usd_ai 0", "/backtest long_usd_ai 31", "/backtest long_usd_ai x",
                                  "/backtest long_usd_ai ３", "/backtest nosuch", "/backtest long_usd_ai 2 3"])
def test_backtest_bad_arguments(services, line):
    assert "Usage: /backtest" in ask(services, line).text


def test_signal_is_recorded_with_who_and_reevaluates(services):
    calls: list[int] = []
    services = replace(services, evaluator=FakeEvaluator(lambda: calls.append(1)))
    reply = ask(services, "/signal tariffs_landed on tariffs took effect", user_id=ADMIN)
    assert "switched ON by user 1001" in reply.text and calls == [1]
    assert services.store.engine_state.manual_signals() == {"tariffs_landed": True}
    history = services.store.engine_state.manual_history("tariffs_landed")
    assert history[-1]["who"] == ADMIN and history[-1]["note"] == "tariffs took effect"
    assert "switched ON from the chat" in ask(services, "/thesis geopolitical_noise").text
    ask(services, "/signal tariffs_landed off", user_id=ADMIN)
    assert services.store.engine_state.manual_signals() == {"tariffs_landed": False}


def test_signal_needs_a_configured_admin_everywhere(services):
    assert "administrator" in ask(services, "/signal tariffs_landed on", user_id=MEMBER).text
    # a group's own administrator is not a bot admin: manual signals change every chat's view
    assert "administrator" in ask(services, "/signal tariffs_landed on", chat=GROUP, user_id=MEMBER, is_admin=True).text
    assert services.store.engine_state.manual_signals() == {}


@pytest.mark.parametrize("line", ["/signal", "/signal tariffs_landed", "/signal vix_level on", "/signal tariffs_landed maybe",
                                  "/signal tariffs_landed on " + "x" * 201])
def test_signal_bad_arguments_change_nothing(services, line):
    assert "Usage: /signal" in ask(services, line).text
    assert services.store.engine_state.manual_signals() == {}


def test_evaluate_runs_the_cycle_for_admins_only(services):
    assert "administrator" in ask(services, "/evaluate", user_id=MEMBER).text
    assert "No evaluation has run yet." in ask(services, "/status").text
    text = ask(services, "/evaluate").text
    baselines = len(services.watchlist.theses)  # the first evaluation records each thesis's first status, no alert
    assert f"Evaluated on data up to 2026-03-02: {baselines} status changes, 0 alerts queued." in text
    status = ask(services, "/status").text
    assert f"ok, {baselines} status changes, 0 alerts" in status and "Next due:" in status
    again = ask(services, "/evaluate").text
    assert "0 status changes, 0 alerts queued" in again


def test_status_reports_staleness_missing_series_and_fetch_errors(closes):
    services = make_services({k: v for k, v in closes.items() if k != "MOVE"})
    text = ask(services, "/status").text
    assert "last close 2026-03-02, expected" in text  # generated data ends in March
    assert "no data: MOVE" in text
    assert "❌ MOVE: no data for symbol ^MOVE" in text
    assert "waiting 0 · held for quiet hours 0 · failed 0 · sent 0" in text


def test_status_shows_another_chats_delivery_failure_only_to_bot_admins(services):

    alert = services.store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-02", "test", False, [])
    services.store.outbox.enqueue_deliveries(alert.id, [777001, 500])
    row = {d.chat_id: d for d in services.store.outbox.deliveries_for_alert(alert.id)}
    assert services.store.outbox.mark_failed(row[777001].id, "chat gone: Forbidden: bot was blocked by the user")
    stranger = ask(services, "/status", chat=Chat(500, "private"), user_id=42).text
    assert "failed 1" in stranger  # the count is everyone's business…
    assert "777001" not in stranger and "blocked" not in stranger  # …another chat's id and error are not
    admin = ask(services, "/status", chat=Chat(500, "private"), user_id=ADMIN).text
    assert "Last failure (chat 777001): chat gone: Forbidden: bot was blocked by the user" in admin
    assert services.store.outbox.mark_failed(row[500].id, "refused by Telegram: Bad Request: can't parse entities")
    own = ask(services, "/status", chat=Chat(500, "private"), user_id=42).text
    assert "Last failure (chat 500): refused by Telegram" in own  # a chat sees its own failure
