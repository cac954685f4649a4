"""/backtest shows the thesis's alert scorecard (the same figures as `replay --score`), in both languages."""

from __future__ import annotations

from regimebot.macro.engine import replay
from regimebot.macro.scorecard import score_replay
from tests.chat_world import ask, generated_closes, make_services


def _fmt(value, digits=1):
    return "unknown" if value is None else f"{value:.{digits}f}"


def _pct(value):
    return "unknown" if value is None else f"{100 * value:.0f}%"


def test_backtest_shows_the_scorecard_of_the_same_replay():
    services = make_services(generated_closes(seed=9, days=1200))
    market = services.market_data.market()
    end = market.last_date()
    start = end.replace(year=end.year - 3)
    rp = replay(market, services.watchlist, start, end)
    score = score_replay(rp, market.closes, {"long_duration": services.watchlist.theses["long_duration"]})["long_duration"]
    f, whole = score.periods["all"].thesis, score.periods["all"]
    text = ask(services, "/backtest long_duration 3").text
    assert "<b>Alert scorecard</b> — protects long TLT; pain: a loss of 8% within 20 business days" in text
    assert f"Alerts: {_fmt(f.alerts_per_year)} a year · undone within 7 business days: {_pct(f.whipsaw)}" in text
    assert f"Followed by the pain: {_pct(f.hit_rate)} of alerts (any day: {_pct(f.base_rate)}) · lift {_fmt(f.lift)}×" in text
    assert f"Pain episodes: {f.pain_episodes}, warned of ahead: {_pct(f.recall)}" in text
    assert f"Random alerts at the same rate: lift {_fmt(whole.random.lift)}×" in text
    assert f"200-day average break: {_fmt(whole.ma200.alerts_per_year)} alerts a year" in text
    verdicts = ("Beats both baselines", "Does not beat random alerts", "Does not beat a plain 200-day", "Not enough alerts")
    assert any(v in text for v in verdicts)
    if whole.beats(whole.random) is False:
        assert "Does not beat random alerts on lift" in text
    if whole.beats(whole.ma200) is False:
        assert "Does not beat a plain 200-day-average break" in text
    zh = ask(services, "/backtest long_duration 3", lang="zh-TW").text
    assert "<b>警報記分卡</b>——守護 做多 TLT；痛點：20 個營業日內虧損 8%" in zh
    assert "同頻率的隨機警報" in zh and "跌破 200 日均線" in zh
    assert len(text) < 4096  # one Telegram message
