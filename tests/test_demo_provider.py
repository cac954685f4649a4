"""The simulated market: deterministic, complete, realistic, with the stress episode the demo relies on."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regimebot.macro.catalog import load_catalog
from regimebot.macro.providers import FetchRequest
from regimebot.macro.providers.demo import DemoProvider, simulate_closes, stress_window
from regimebot.macro.providers.validation import fetch_checked

END = date(2026, 11, 20)


def checked(provider, requests, end=None):
    """The provider's rows as the bot takes them: through the one validation (default rules)."""
    return fetch_checked(provider, requests, {}, end=end)


def test_deterministic_and_complete():
    a = simulate_closes(seed=7, end=END, years=5)
    b = simulate_closes(seed=7, end=END, years=5)
    assert set(a) == {s.id for s in load_catalog().downloadable()}
    for sid in a:
        pd.testing.assert_series_equal(a[sid], b[sid])
    assert not simulate_closes(seed=8, end=END, years=5)["SPX"].equals(a["SPX"])


def test_realistic_levels_and_volatility():
    c = simulate_closes(end=END)
    def ann_vol(sid):
        return float(np.log(c[sid]).diff().std() * np.sqrt(252))
    assert 0.10 < ann_vol("SPX") < 0.30
    assert 0.04 < ann_vol("DXY") < 0.12
    assert 0.25 < ann_vol("BTC") < 0.90
    assert 2.0 < c["US10Y"].iloc[-1] < 6.0 and c["US30Y"].min() > 0
    assert 9 <= c["VIX"].min() and c["VIX"].median() < 25


def test_stress_episode_dollar_and_equities_fall_together():
    c = simulate_closes(end=END)
    start, stop = stress_window(END)
    before = pd.Timestamp(start) - pd.Timedelta(days=3)
    def change(sid):
        s = c[sid]
        return float(s.loc[:pd.Timestamp(stop)].iloc[-1] / s.loc[:before].iloc[-1] - 1)
    assert change("SPX") < -0.05 and change("DXY") < -0.02
    assert change("HYG") / 1 < change("IEF") - 0.03     # credit widens: HYG lags Treasuries
    assert c["VIX"].loc[pd.Timestamp(start):pd.Timestamp(stop)].max() > 35


def test_reveal_until_hides_later_days():
    start, _ = stress_window(END)
    p = DemoProvider(end=END, reveal_until=start)
    r = checked(p, [FetchRequest("SPX", "^GSPC", date(2026, 1, 1)), FetchRequest("NOPE", "X", date(2026, 1, 1))])
    assert r.closes["SPX"].index[-1] <= pd.Timestamp(start)
    assert "NOPE" in r.errors
    p.reveal_until = END
    assert checked(p, [FetchRequest("SPX", "^GSPC", date(2026, 1, 1))]).closes["SPX"].index[-1] == pd.Timestamp(END)


def test_fred_and_mof_series_are_plausible():
    c = simulate_closes(end=END)
    assert set(c["WALCL"].index.day_of_week) == {2} and set(c["NFCI"].index.day_of_week) == {4}  # H.4.1 Wednesdays, NFCI Fridays
    assert 3e6 < c["WALCL"].iloc[-1] < 1e7 and 1e4 < c["WTREGEN"].median() < 2e6   # USD millions
    assert 0 <= c["RRPONTSYD"].min() and c["RRPONTSYD"].median() < 3000             # USD billions
    assert 0.8 <= c["BAA10Y"].min() and c["BAA10Y"].max() < 6.5 and 2.0 <= c["BAMLH0A0HYM2"].min()
    assert abs((c["DFII10"] + c["T10YIE"] - c["US10Y"]).dropna()).max() < 0.1        # real yield + breakeven = nominal
    assert (c["SOFR"] - c["EFFR"]).abs().max() < 0.15 and -1 < c["JGB10Y"].iloc[-1] < 3
    start, stop = stress_window(END)
    before, during = pd.Timestamp(start) - pd.Timedelta(days=3), pd.Timestamp(stop)
    assert c["BAA10Y"].asof(during) > c["BAA10Y"].asof(before) and c["BAMLH0A0HYM2"].asof(during) > c["BAMLH0A0HYM2"].asof(before)


def test_new_series_are_served_and_labelled_simulated():
    p = DemoProvider(end=END, years=2)
    result = p.fetch([FetchRequest(sid, sid, date(2026, 1, 1)) for sid in ("WALCL", "NFCI", "JGB10Y")])
    assert result.errors == {} and p.simulated and p.name == "demo"
    assert result.closes["JGB10Y"].index[-1] == pd.Timestamp(END)
