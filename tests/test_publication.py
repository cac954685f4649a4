"""No look-ahead: replay and evaluate on a date use only values published by that day (catalog publication lags)."""

from __future__ import annotations

import copy
import tomllib
from datetime import date, timedelta
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from regimebot.macro.calendars import published_on
from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import evaluate, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.publication import as_published, known_on
from regimebot.macro.watchlist import parse_watchlist

CATALOG = load_catalog()
END = date(2024, 12, 31)
WEEKDAY = {"WALCL": 2, "WTREGEN": 2, "NFCI": 4, "BUYBACKS": 4}


def _signal(sid: str, series: str, kind: str, **extra: object) -> dict:
    return {"id": sid, "kind": kind, "series": series, "source": "test",
            "meaning": {"en": f"{sid} (test)", "zh-TW": f"{sid}(測試)"}, **extra}


def watchlist_with_lagged_series():
    """The bundled watch list plus signals on lagged FRED series (NETLIQ, DFII10, NFCI), watched by a thesis."""
    data = tomllib.loads(resources.files("regimebot.macro").joinpath("data/watchlist.toml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    added = [
        _signal("t_netliq_drain", "NETLIQ", "change", window=10, direction="below", warn=-0.5, breach=-1.5, unit="%"),
        _signal("t_real_yield", "DFII10", "change", window=10, direction="above", warn=10.0, breach=25.0, unit="bp"),
        _signal("t_nfci", "NFCI", "level", direction="above", warn=-0.3, breach=0.0),
    ]
    data["signals"] += added
    data["theses"][0]["invalidation"] += [s["id"] for s in added]
    return parse_watchlist(data, CATALOG, "test")


def random_market(seed: int, days: int = 500) -> Market:
    """Random walks for every downloadable series on weekdays (weekly series on their weekday)."""
    rng = np.random.default_rng(seed)
    bdays = pd.bdate_range(end=pd.Timestamp(END), periods=days)
    obs = {}
    for s in CATALOG.downloadable():
        index = bdays[bdays.day_of_week == WEEKDAY[s.id]] if s.id in WEEKDAY else bdays
        level = {"USD millions": 5e6, "USD billions": 400.0}.get(s.unit, 50.0)
        obs[s.id] = pd.Series(level * np.exp(np.cumsum(rng.normal(0, 0.01, len(index)))), index=index)
    return Market(make_closes(obs, CATALOG), "random", simulated=True)


def altered_after(market: Market, day: date, factor: float) -> Market:
    """The market with every value published after `day` multiplied by `factor` (observation dates kept)."""
    obs = {}
    for s in CATALOG.downloadable():
        values = market.series(s.id).copy()
        late = [published_on(s, ts.date()) > day for ts in values.index]
        values[late] = values[late] * factor
        obs[s.id] = values
    return Market(make_closes(obs, CATALOG), market.source, market.simulated)


def states(ev) -> dict:
    return {sid: (r.state, None if r.value is None else round(r.value, 9)) for sid, r in ev.signals.items()}


WL = watchlist_with_lagged_series()


@pytest.mark.parametrize("day", [date(2024, 11, 13), date(2024, 11, 14), date(2024, 11, 29), date(2024, 12, 24)])
def test_evaluation_on_a_day_ignores_everything_published_later(day):
    market = random_market(1)
    late = altered_after(market, day, 1.7)
    before = evaluate(market, WL, day)
    assert states(before) == states(evaluate(late, WL, day))
    assert {t: r.status for t, r in before.theses.items()} == {t: r.status for t, r in evaluate(late, WL, day).theses.items()}
    # the lagged series do matter: altering what was already published on the day changes the reading
    known = altered_after(market, day - timedelta(days=60), 1.7)
    changed = states(evaluate(known, WL, day))
    assert any(changed[s] != states(before)[s] for s in ("t_netliq_drain", "t_real_yield", "t_nfci"))


def test_replay_up_to_a_day_is_unchanged_when_later_publications_change():
    market = random_market(2)
    day = date(2024, 11, 20)  # a Wednesday: that day's H.4.1 level comes out on Thursday
    late = altered_after(market, day, 0.4)
    start, end = date(2024, 6, 3), date(2024, 12, 31)
    original, changed = replay(market, WL, start, end), replay(late, WL, start, end)
    upto = [(t.thesis_id, t.old, t.new, t.date) for t in original.transitions if t.date <= day]
    assert upto == [(t.thesis_id, t.old, t.new, t.date) for t in changed.transitions if t.date <= day]
    assert states(replay(market, WL, start, day).final) == states(replay(late, WL, start, day).final)


def test_values_are_dated_by_their_release():
    market = random_market(3)
    wednesday = date(2024, 11, 20)
    assert market.until(wednesday).series("WALCL").index[-1].date() == wednesday   # observed that day ...
    known = known_on(market, CATALOG, wednesday)
    assert known.series("WALCL").index[-1].date() == date(2024, 11, 14)             # ... known only on Thursday
    assert known.series("DFII10").index[-1].date() == wednesday                    # Tuesday's H.15, out Wednesday
    assert known.series("DFII10").iloc[-1] == market.series("DFII10").loc["2024-11-19"]
    assert known.series("SPX").index[-1].date() == wednesday                       # a close is known the same day
    published = as_published(market, CATALOG)
    assert published.series("NFCI").loc["2024-11-27"] == market.series("NFCI").loc["2024-11-22"]  # Friday → Wednesday
    # NETLIQ on a Wednesday uses the previous week's H.4.1 levels and that day's reverse repo
    netliq = published.series("NETLIQ").loc["2024-11-20"]
    expected = (market.series("WALCL").loc["2024-11-13"] - market.series("WTREGEN").loc["2024-11-13"]) / 1000 \
        - market.series("RRPONTSYD").loc["2024-11-20"]
    assert netliq == pytest.approx(expected)
