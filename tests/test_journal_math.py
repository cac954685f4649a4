"""Journal math against independent pandas computations; grammar errors name the argument; distance to invalidation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.macro.catalog import load_catalog
from regimebot.macro.distance import Gap, closest, signal_distance
from regimebot.macro.journal import Entry, JournalError, JournalEvent, Position, fold_entries, horizon_end
from regimebot.macro.journal_grammar import OPEN_FIELDS, parse_catalyst, parse_fields
from regimebot.macro.journal_report import entry_close, position_report
from regimebot.macro.watchlist import load_watchlist


def _closes(seed: int, n: int = 300) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2024-01-01", periods=n)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.012, n))), index=index, name="TLT")


def _entry(start: date, level: float, side: str = "long", pain: float | None = 15.0, horizon: str | None = "24m") -> Entry:
    opened = JournalEvent(1, "long_duration", 1, "open", {}, "", None, "cli", datetime(2024, 1, 1, tzinfo=UTC))
    return Entry("long_duration", opened, start, level, Position("TLT", side), horizon=horizon, pain_budget_pct=pain)


def _pandas_figures(closes: pd.Series, start: date, level: float, side: str) -> tuple[float, float]:
    """P&L and worst drawdown (percent) computed independently: value path, running max incl. the entry."""
    held = closes[closes.index >= pd.Timestamp(start)]
    value = held / level if side == "long" else 1 + (level - held) / level
    path = pd.concat([pd.Series([1.0]), value.reset_index(drop=True)])
    drawdown = (path / path.cummax() - 1).min() * 100
    return (value.iloc[-1] - 1) * 100, min(drawdown, 0.0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), offset=st.integers(0, 250), side=st.sampled_from(["long", "short"]))
def test_pnl_and_worst_drawdown_match_pandas(seed, offset, side):
    closes = _closes(seed)
    start = closes.index[offset].date()
    level = float(closes.iloc[offset])
    report = position_report(_entry(start, level, side), closes, date(2025, 3, 1))
    pnl, drawdown = _pandas_figures(closes, start, level, side)
    assert report.pnl_pct == pytest.approx(pnl, abs=1e-9)
    assert report.max_drawdown_pct == pytest.approx(drawdown, abs=1e-9)
    assert report.pain_used_pct == pytest.approx(-drawdown / 15.0 * 100, abs=1e-9)
    assert report.last == closes.iloc[-1] and report.last_date == closes.index[-1].date()


def test_an_explicit_level_above_every_close_is_all_drawdown():
    closes = _closes(1)
    start = closes.index[10].date()
    report = position_report(_entry(start, 1000.0), closes, date(2025, 3, 1))
    worst = (closes[closes.index >= pd.Timestamp(start)] / 1000.0).min()
    assert report.max_drawdown_pct == pytest.approx((worst - 1) * 100)


def test_held_days_and_horizon_by_the_calendar():
    report = position_report(_entry(date(2024, 1, 2), 90.0, horizon="24m"), _closes(2), date(2024, 7, 2))
    assert report.held_days == 182
    assert report.horizon_days == (date(2026, 1, 2) - date(2024, 1, 2)).days
    assert report.horizon_left_days == (date(2026, 1, 2) - date(2024, 7, 2)).days
    assert horizon_end(date(2024, 1, 31), "1m") == date(2024, 2, 29)
    assert horizon_end(date(2024, 1, 1), "2w") == date(2024, 1, 15)


def test_no_data_is_unknown_not_zero():
    empty = pd.Series(dtype="float64", index=pd.DatetimeIndex([]))
    report = position_report(_entry(date(2024, 1, 2), 90.0), empty, date(2024, 7, 2))
    assert report.pnl_pct is None and report.max_drawdown_pct is None and report.pain_used_pct is None
    assert report.pain_levels() == ()


def test_entry_close_uses_the_last_close_on_or_before_the_day():
    closes = _closes(3)
    saturday = date(2024, 1, 6)
    assert entry_close(closes, saturday) == (date(2024, 1, 5), float(closes.loc["2024-01-05"]))
    with pytest.raises(JournalError, match="entry: TLT has no close"):
        entry_close(closes, date(2023, 6, 1))


@pytest.mark.parametrize("tokens, message", [
    (["horizon=18x"], "horizon"), (["--pain", "150%"], "pain"), (["conviction=7"], "conviction"),
    (["entry=2024-13-01"], "entry"), (["level=-3"], "level"), (["side=flat"], "side"), (["--bogus", "1"], "--bogus"),
    (["pain=10%", "pain=12%"], "given twice"), (["--pain"], "--pain"),
])
def test_grammar_errors_name_the_argument(tokens, message):
    with pytest.raises(JournalError, match=message):
        parse_fields(tokens, OPEN_FIELDS)


def test_chat_and_cli_forms_parse_the_same():
    chat = parse_fields(["entry=2024-01-02", "horizon=24m", "pain=15%", "series=tlt", "cheap", "bonds"], OPEN_FIELDS)
    cli = parse_fields(["--entry", "2024-01-02", "--horizon=24m", "--pain", "15%", "--series", "TLT", "cheap", "bonds"], OPEN_FIELDS)
    assert chat == cli
    assert chat.fields == {"entry": date(2024, 1, 2), "horizon": "24m", "pain": 15.0, "series": "TLT"}
    assert chat.text == "cheap bonds"
    assert parse_catalyst(["done", "#12"]).done == 12
    assert parse_catalyst(["2026-03-31", "two", "Fed", "cuts"]).text == "two Fed cuts"
    with pytest.raises(JournalError, match="catalyst date"):
        parse_catalyst(["next-week", "cuts"])


def test_fold_applies_notes_catalysts_and_close():
    t = datetime(2024, 1, 1, tzinfo=UTC)
    events = [
        JournalEvent(1, "x", 1, "open", {"entry_date": "2024-01-02", "entry_level": 90.0, "series": "TLT", "pain": 15.0}, "", 1, "chat", t),
        JournalEvent(2, "x", 2, "note", {"changes": {"pain": [15.0, 20.0]}, "text": "wider"}, "", 1, "chat", t),
        JournalEvent(3, "x", 3, "catalyst", {"date": "2024-03-01", "text": "cut"}, "", 1, "chat", t),
        JournalEvent(4, "x", 4, "catalyst_done", {"catalyst": 3}, "", 1, "chat", t),
        JournalEvent(5, "x", 5, "close", {}, "done", 1, "chat", t),
        JournalEvent(6, "x", 6, "open", {"entry_date": "2024-06-03", "entry_level": 95.0, "series": "TLT", "side": "short"}, "", 1, "chat", t),
    ]
    first, second = fold_entries(events)
    assert first.pain_budget_pct == 20.0 and first.notes == ("wider",) and first.catalysts[0].done and not first.is_open
    assert second.is_open and second.position == Position("TLT", "short") and second.catalysts == ()


def test_distance_in_units_sd_and_typical_days():
    spec = load_watchlist(None, load_catalog()).signals["long_yield_breakout"]  # level, above, warn 5.0, breach 5.2
    rng = np.random.default_rng(5)
    values = pd.Series(4.5 + np.cumsum(rng.normal(0, 0.03, 400)), index=pd.bdate_range("2023-01-02", periods=400))
    d = signal_distance(spec, values)
    changes = values.diff().dropna()
    sd_year, sd_now = changes.iloc[-252:].std(ddof=1), changes.iloc[-20:].std(ddof=1)
    units = spec.warn - values.iloc[-1]
    assert d.warn.units == pytest.approx(units)
    assert d.warn.sd == pytest.approx(units / sd_year)
    assert d.warn.typical_days == pytest.approx((units / sd_now) ** 2)
    assert d.breach.units == pytest.approx(spec.breach - values.iloc[-1])
    past = signal_distance(spec, pd.concat([values, pd.Series([5.5], index=[values.index[-1] + pd.Timedelta(days=1)])]))
    assert past.breach.units < 0 and past.breach.typical_days == 0.0
    assert [x.signal for x in closest({"a": past, "b": d}, n=1)] == [spec.id] and closest({}, 5) == []


def test_distance_below_direction_counts_the_other_way():
    spec = load_watchlist(None, load_catalog()).signals["credit_widening"]  # change, below, warn -2, breach -4
    values = pd.Series(np.linspace(1.0, 0.0, 50), index=pd.bdate_range("2024-01-01", periods=50))
    d = signal_distance(spec, values)
    assert d.warn == Gap(units=pytest.approx(2.0), sd=None, typical_days=None)  # the changes never vary: no sd
