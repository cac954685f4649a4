"""Every downloaded series has a one-day plausibility bound of the right kind, or a stated reason it has none."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from regimebot.macro.catalog import CatalogError, load_catalog, parse_catalog
from regimebot.macro.providers.validation import SeriesRules, check_closes

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def test_every_downloaded_series_declares_a_bound_or_why_not():
    catalog = load_catalog()
    for series in catalog.downloadable():
        bounds = [series.max_daily_move, series.max_daily_change]
        declared = [b for b in bounds if b is not None]
        assert len(declared) + bool(series.no_move_bound) == 1, series.id
        if series.no_move_bound:
            assert len(series.no_move_bound) > 40, series.id  # a reason, not a placeholder
    assert catalog["BUYBACKS"].no_move_bound and catalog["RRPONTSYD"].max_daily_change is not None


def _twice_largest_move(path: Path, start: str = "2007-01-01", end: str = "2016-12-31") -> float:
    """The catalog's rule, computed independently: 2 × the largest |one-day change| in the window, rounded up to 0.05."""
    closes = pd.read_csv(path, parse_dates=["date"]).set_index("date")["close"].astype(float)
    largest = closes.diff().abs().loc[start:end].max()
    return math.ceil(round(2 * largest / 0.05, 9)) * 0.05


def test_the_new_bounds_follow_the_rule_from_the_real_history(shared_data):
    catalog = load_catalog()
    assert catalog["RRPONTSYD"].max_daily_change == pytest.approx(_twice_largest_move(shared_data / "RRPONTSYD.csv"))
    # the Kim-Wright term premium has no file: the ACM model's estimate of the same quantity stands in
    assert catalog["THREEFYTP10"].max_daily_move == pytest.approx(_twice_largest_move(shared_data / "ACMTP10.csv"))
    # no ^IRX history: the 3-month bill takes the policy rate's bound, itself derived by the rule
    assert catalog["US3M"].max_daily_move == catalog["EFFR"].max_daily_move == pytest.approx(
        _twice_largest_move(shared_data / "EFFR.csv"))
    # SOFR has no 2007-2016 rows: twice its largest known move (the 2019-09-17 repo spike), which EFFR's bound would reject
    sofr = shared_data / "SOFR.csv"
    assert catalog["SOFR"].max_daily_move == pytest.approx(_twice_largest_move(sofr, "2018-01-01", "2025-12-31"))
    assert _twice_largest_move(sofr, "2018-01-01", "2025-12-31") / 2 > catalog["EFFR"].max_daily_move


def test_an_absolute_bound_lets_a_balance_leave_zero_but_catches_a_unit_slip():
    rules = SeriesRules.of(load_catalog()["RRPONTSYD"])
    days = [d.date().isoformat() for d in pd.bdate_range("2026-10-01", periods=9)]
    real = ["0", "0.005", "12.5", "0", "310", "95", "0", "4", "0"]  # quarter-end swings around zero: all real
    checked = check_closes(pd.Series(real, index=days, dtype=object), rules, NOW)
    assert checked.error() is None and checked.closes.tolist() == [float(v) for v in real]
    ratio = SeriesRules("RRPONTSYD", positive=False, max_daily_move=0.45)  # what a ratio bound would do: leaving 0 is a "jump"
    error = check_closes(pd.Series(real, index=days, dtype=object), ratio, NOW).error()
    assert error is not None and "from 0 to 0.005 has no log return" in error
    slipped = ["150", "152", "151000", "149", "150", "151", "150", "149", "150"]  # one day reported in millions
    checked = check_closes(pd.Series(slipped, index=days, dtype=object), rules, NOW)
    error = checked.error()
    assert error is not None and f"{days[2]} 151000" in error and "USD billions" in error
    assert 151000.0 not in checked.closes.tolist() and len(checked.closes) == 8


def test_the_catalog_takes_one_kind_of_bound_per_series():
    entry = {"id": "X", "symbol": "X", "kind": "balance", "source": "fred"}
    assert parse_catalog({"series": [{**entry, "max_daily_change": 700}]})["X"].max_daily_change == 700.0
    with pytest.raises(CatalogError, match="one of max_daily_move, max_daily_change or no_move_bound"):
        parse_catalog({"series": [{**entry, "max_daily_change": 700, "max_daily_move": 0.5}]})
    with pytest.raises(CatalogError, match="one of max_daily_move"):
        parse_catalog({"series": [{**entry, "max_daily_change": 700, "no_move_bound": "because"}]})
    with pytest.raises(CatalogError, match="max_daily_change must be a positive number"):
        parse_catalog({"series": [{**entry, "max_daily_change": 0}]})
    with pytest.raises(CatalogError, match="no_move_bound must be the reason"):
        parse_catalog({"series": [{**entry, "no_move_bound": True}]})
