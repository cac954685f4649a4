"""A simulated market for the offline demo and benchmarks: seeded, deterministic, clearly labelled SIMULATED.

Every catalog series is generated from a few correlated daily factors (equities, dollar, rates,
credit, gold, crypto, Japan) with realistic levels and volatilities. The last weeks hold a stress
episode: volatility spikes, credit widens, the dollar and equities fall together and cross-asset
correlation jumps, so the default watch list has something to say.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from regimebot.macro.providers import FetchRequest, FetchResult

DEFAULT_SEED = 7
STRESS_DAYS = 22          # business days of the stress episode
AFTER_STRESS_DAYS = 6     # business days after it, up to the simulation's end


def stress_window(end: date) -> tuple[date, date]:
    """First and last business day of the simulated stress episode for a simulation ending at `end`."""
    days = pd.bdate_range(end=pd.Timestamp(end), periods=STRESS_DAYS + AFTER_STRESS_DAYS)
    return days[0].date(), days[STRESS_DAYS - 1].date()


def simulate_closes(seed: int = DEFAULT_SEED, end: date | None = None, years: int = 20) -> dict[str, pd.Series]:
    """Daily closes of every downloadable catalog series, `years` years up to `end` (default today)."""
    end = end or date.today()
    return {k: v.copy() for k, v in _simulate(seed, end, years).items()}


@lru_cache(maxsize=8)
def _simulate(seed: int, end: date, years: int) -> dict[str, pd.Series]:
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(end=pd.Timestamp(end), periods=years * 261)
    n = len(days)
    stress_from = n - STRESS_DAYS - AFTER_STRESS_DAYS
    stress = np.zeros(n)
    stress[stress_from:stress_from + STRESS_DAYS] = 1.0
    # a ramp: the episode builds over its first week
    ramp = np.clip((np.arange(n) - stress_from + 1) / 5.0, 0, 1) * stress

    # Correlated calm-market factor shocks: equity, dollar, 10y yield (bp), credit, gold, crypto, japan.
    corr = np.array([
        [1.00, 0.05, 0.20, 0.55, 0.05, 0.30, 0.70],
        [0.05, 1.00, 0.25, 0.00, -0.40, -0.10, -0.10],
        [0.20, 0.25, 1.00, 0.10, -0.20, 0.00, 0.10],
        [0.55, 0.00, 0.10, 1.00, 0.05, 0.20, 0.40],
        [0.05, -0.40, -0.20, 0.05, 1.00, 0.15, 0.05],
        [0.30, -0.10, 0.00, 0.20, 0.15, 1.00, 0.20],
        [0.70, -0.10, 0.10, 0.40, 0.05, 0.20, 1.00],
    ])
    z = rng.standard_normal((n, 7)) @ np.linalg.cholesky(corr).T
    # A regime of volatility: slow-moving multiplier (GARCH-like clusters), plus the stress spike.
    vol_state = np.exp(np.convolve(rng.standard_normal(n) * 0.35, np.ones(20) / np.sqrt(20), mode="same") * 0.5)
    vol_mult = vol_state * (1 + 0.8 * ramp)
    crash = rng.standard_normal(n) * ramp  # common factor that drives cross-asset correlation in stress

    eq = 0.0100 * vol_mult * z[:, 0] + 0.00035 - 0.0085 * ramp + 0.008 * crash
    usd = 0.0045 * vol_mult * z[:, 1] - 0.0028 * ramp + 0.003 * crash
    dy10 = 5.5 * vol_mult * z[:, 2] + 3.0 * ramp  # bp; long end sells off in the stress (policy error)
    credit = 0.0025 * vol_mult * z[:, 3] - 0.0030 * ramp + 0.004 * crash
    gold = 0.0090 * vol_mult * z[:, 4] + 0.0002 + 0.0040 * ramp
    crypto = 0.0330 * vol_mult * z[:, 5] + 0.0008 - 0.0120 * ramp + 0.020 * crash
    japan = 0.0060 * vol_mult * z[:, 6] + 0.0002
    def idio(scale: float) -> np.ndarray:
        """Idiosyncratic noise of one series."""
        return scale * rng.standard_normal(n)

    out: dict[str, np.ndarray] = {}

    def price(last: float, log_returns: np.ndarray) -> np.ndarray:
        """A path of cumulated log returns that ends at `last` (a realistic level today)."""
        path = np.cumsum(log_returns)
        return np.asarray(last * np.exp(path - path[-1]), dtype="float64")

    out["SPX"] = price(5800.0, eq)
    out["EWJ"] = price(72.0, 0.85 * eq + japan + idio(0.004))
    out["SPHB"] = price(95.0, 1.55 * eq - 0.0004 + idio(0.004) - 0.004 * ramp)
    out["SPLV"] = price(72.0, 0.60 * eq + 0.0002 + idio(0.003))
    out["DXY"] = price(99.0, usd)
    out["EURUSD"] = price(1.15, -0.9 * usd + idio(0.002))
    out["USDJPY"] = price(150.0, 0.5 * usd + 0.3 * eq * 0.5 + idio(0.004))
    out["GOLD"] = price(3300.0, gold)
    out["BTC"] = price(85000.0, crypto)

    # Yields: a mean-reverting 10y level, a term structure around it, in percent.
    y10 = np.empty(n)
    y10[0] = 4.5
    for i in range(1, n):
        y10[i] = y10[i - 1] + dy10[i] / 100.0 + 0.0015 * (4.0 - y10[i - 1])
    y10 = np.clip(y10 + (4.3 - y10[-1]), 0.3, 9.0)
    slope = 0.6 + np.cumsum(idio(0.01)) * 0.15
    slope = np.clip(slope - np.mean(slope) + 0.6, -0.8, 2.0) + 0.012 * np.cumsum(stress)
    out["US10Y"] = y10
    out["US30Y"] = y10 + 0.5 * slope + idio(0.01)
    out["US5Y"] = y10 - 0.5 * slope + idio(0.01) - 0.008 * np.cumsum(stress)
    short = y10 - 1.2 * slope + np.cumsum(idio(0.004)) * 0.2
    out["US3M"] = np.clip(short + (3.9 - short[-1]), 0.02, 8.0)

    d30 = np.diff(out["US30Y"], prepend=out["US30Y"][0]) / 100.0
    d10 = np.diff(out["US10Y"], prepend=out["US10Y"][0]) / 100.0
    tlt_ret = -16.5 * d30 + out["US30Y"] / 100.0 / 252
    ief_ret = -7.5 * d10 + out["US10Y"] / 100.0 / 252
    out["TLT"] = price(86.0, tlt_ret)
    out["IEF"] = price(95.0, ief_ret)
    out["HYG"] = price(78.0, 0.25 * eq + 0.5 * ief_ret + credit)
    out["LQD"] = price(108.0, 0.08 * eq + 0.9 * ief_ret + 0.3 * credit + idio(0.001))
    simple = np.expm1(tlt_ret)
    out["TMF"] = price(40.0, np.log1p(np.clip(3.0 * simple - (0.0105 + 0.03) / 252, -0.95, None)))

    # Implied vols: mean-reverting logs, pushed by falling equities / moving yields, spiking in stress.
    vix = np.empty(n)
    move = np.empty(n)
    vix[0], move[0] = np.log(16.0), np.log(90.0)
    for i in range(1, n):
        vix[i] = vix[i - 1] + 0.06 * (np.log(16.0) - vix[i - 1]) - 4.0 * eq[i] + 0.05 * rng.standard_normal() + 0.045 * ramp[i]
        move[i] = move[i - 1] + 0.05 * (np.log(90.0) - move[i - 1]) + 0.004 * abs(dy10[i]) - 0.02 + 0.04 * rng.standard_normal() + 0.028 * ramp[i]
    out["VIX"] = np.clip(np.exp(vix), 9.0, 90.0)
    out["MOVE"] = np.clip(np.exp(move), 45.0, 260.0)

    # A second generator, so the original series stay exactly as they were before these were added.
    out.update(_liquidity_and_credit(np.random.default_rng([seed, 1]), n, y10, out["US3M"], credit, japan, dy10, out["VIX"], ramp))
    out["BUYBACKS"] = _buybacks(np.random.default_rng([seed, 2]), n)

    frames: dict[str, pd.Series] = {}
    for sid, values in out.items():
        frames[sid] = pd.Series(np.round(values, 4), index=days, name=sid, dtype="float64")
    for sid, weekday in WEEKLY.items():  # H.4.1 balances on Wednesdays, NFCI on Fridays
        frames[sid] = frames[sid][pd.DatetimeIndex(frames[sid].index).day_of_week == weekday]
    # Bitcoin trades every day: fill weekends by interpolating the business-day path with noise.
    all_days = pd.date_range(days[0], days[-1], freq="D")
    btc = frames["BTC"].reindex(all_days)
    weekend = btc.isna()
    btc = np.exp(np.log(btc).interpolate())
    btc[weekend] *= np.exp(0.01 * rng.standard_normal(int(weekend.sum())))
    frames["BTC"] = btc.round(2)
    for s in frames.values():
        s.index.name = "date"
    return frames


WEEKLY = {"WALCL": 2, "WTREGEN": 2, "NFCI": 4, "BUYBACKS": 4}


def _buybacks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Treasury buybacks per week (USD billions, read on Fridays): none until the last two years, then a few a week."""
    out = np.zeros(n)
    recent = slice(max(0, n - 504), n)
    size = rng.choice([0.0, 2.0, 4.0, 6.0, 10.0], size=len(out[recent]), p=[0.3, 0.2, 0.2, 0.2, 0.1])
    out[recent] = size * rng.uniform(0.6, 1.0, len(size))
    return out


def _mean_reverting(rng: np.random.Generator, n: int, level: float, speed: float, scale: float, push: np.ndarray,
                    anchor: str = "last") -> np.ndarray:
    """A level that reverts to its mean, moved by `push` and noise; `level` is its last value or its average."""
    path = np.zeros(n)
    for i in range(1, n):
        path[i] = path[i - 1] * (1 - speed) + push[i] + scale * rng.standard_normal()
    shift = float(path[-1]) if anchor == "last" else float(np.median(path))
    out: np.ndarray = path - shift + level
    return out


def _liquidity_and_credit(rng: np.random.Generator, n: int, y10: np.ndarray, us3m: np.ndarray, credit: np.ndarray, japan: np.ndarray,
                          dy10: np.ndarray, vix: np.ndarray, ramp: np.ndarray) -> dict[str, np.ndarray]:
    """FRED-like series: the Fed's balances (USD millions/billions), credit spreads, real yields, policy rates, the JGB 10y."""
    def noise(scale: float) -> np.ndarray:
        return scale * rng.standard_normal(n)

    out: dict[str, np.ndarray] = {}
    walcl_path = np.cumsum(0.0004 + noise(0.003))
    out["WALCL"] = 6_600_000.0 * np.exp(walcl_path - walcl_path[-1])            # USD millions
    out["WTREGEN"] = np.clip(_mean_reverting(rng, n, 800_000.0, 0.02, 25_000.0, np.zeros(n)), 50_000.0, None)
    out["RRPONTSYD"] = np.clip(_mean_reverting(rng, n, 120.0, 0.01, 15.0, np.zeros(n)), 0.0, None)  # USD billions
    # Credit spreads: typical levels over the years, widening in the stress episode (credit falls).
    out["BAA10Y"] = np.clip(_mean_reverting(rng, n, 1.9, 0.01, 0.01, -8.0 * credit, anchor="median"), 0.8, 6.5)
    out["BAMLH0A0HYM2"] = np.clip(_mean_reverting(rng, n, 3.4, 0.01, 0.03, -12.0 * credit, anchor="median"), 2.0, 20.0)
    out["T10YIE"] = np.clip(_mean_reverting(rng, n, 2.3, 0.01, 0.02, 0.2 * dy10 / 100.0), 0.0, 3.5)
    out["DFII10"] = y10 - out["T10YIE"] + noise(0.01)
    out["THREEFYTP10"] = 0.5 + 0.6 * (y10 - y10[-1]) + _mean_reverting(rng, n, 0.0, 0.01, 0.01, np.zeros(n))
    out["NFCI"] = -0.5 + 0.35 * (np.log(vix) - np.log(16.0)) + 0.3 * ramp + noise(0.01)
    policy = np.round((pd.Series(us3m).rolling(60, min_periods=1).mean().to_numpy() + 0.1) * 4) / 4 + 0.08
    out["EFFR"] = np.clip(policy, 0.05, None)
    out["SOFR"] = np.clip(policy - 0.02 + noise(0.015), 0.01, None)
    out["JGB10Y"] = np.clip(_mean_reverting(rng, n, 1.5, 0.002, 0.02, 0.15 * dy10 / 100.0 + 0.3 * japan), -0.3, 3.0)
    return out


class DemoProvider:
    """Serves the simulated market; `reveal_until` hides later days (the demo advances it)."""

    name = "demo"
    simulated = True

    def __init__(self, seed: int = DEFAULT_SEED, end: date | None = None, reveal_until: date | None = None, years: int = 20):
        self.seed = seed
        self.end = end or date.today()
        self.years = years
        self.reveal_until = reveal_until

    def stress_window(self) -> tuple[date, date]:
        return stress_window(self.end)

    def fetch(self, requests: list[FetchRequest], end: date | None = None) -> FetchResult:
        closes = _simulate(self.seed, self.end, self.years)
        limit = min(d for d in (end, self.reveal_until, self.end) if d is not None)
        result = FetchResult()
        for req in requests:
            series = closes.get(req.series_id)
            if series is None:
                result.errors[req.series_id] = f"the simulated market has no series {req.series_id}"
                continue
            result.closes[req.series_id] = series.loc[pd.Timestamp(req.start):pd.Timestamp(limit)].copy()
        return result


def next_business_day(day: date) -> date:
    nxt = day + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    return nxt
