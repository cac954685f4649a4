"""Benchmark the watch-list engine: evaluate one date, replay 20 years, and a naive day-by-day baseline.

Usage: .venv/bin/python bench/replay.py [--runs N] [--sample-days K] [--csv DIR]

Data: 20 years of simulated daily closes for every catalog series (macro.providers.demo, seed 7,
BTC every calendar day). The naive baseline re-runs a full evaluation on the history cut at each
day (what a replay without the vectorised pass would do); it is timed on K evenly spaced days and
extrapolated to every evaluation day of the 20 years — printed as an extrapolation.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import date

import numpy as np
import pandas as pd

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import evaluate, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.providers.demo import simulate_closes
from regimebot.macro.watchlist import load_watchlist

END = date(2026, 6, 30)


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Median and fastest wall time of `runs` calls (after one warm-up call), and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement (median reported)")
    parser.add_argument("--sample-days", type=int, default=40, help="days timed for the naive baseline")
    parser.add_argument("--csv", metavar="DIR", help="time on a csv:DIR data folder instead (its last 20 years)")
    args = parser.parse_args()

    catalog = load_catalog()
    watchlist = load_watchlist(None, catalog)
    if args.csv:
        from regimebot.macro.providers import FetchRequest
        from regimebot.macro.providers.csvdir import CsvDirProvider

        provider = CsvDirProvider(args.csv)
        fetched = provider.fetch([FetchRequest(s.id, s.symbol or s.id, date(1900, 1, 1)) for s in catalog.downloadable()])
        closes = make_closes(fetched.closes, catalog)
        closes = closes.loc[closes.index[-1] - pd.DateOffset(years=20):]
        market = Market(closes, provider.name, simulated=False)
    else:
        market = Market(make_closes(simulate_closes(seed=7, end=END, years=20), catalog), "demo", simulated=True)
    first, last = market.closes.index[0].date(), market.closes.index[-1].date()
    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")
    print(f"data: {len(catalog.ids)} series ({market.label}), {first} → {last}, "
          f"{len(market.closes)} evaluation days, {int(market.closes.notna().sum().sum()):,} observations")
    print(f"watch list: {len(watchlist.signals)} signals, {len(watchlist.theses)} theses")

    t_eval, fast, ev = timed(lambda: evaluate(market, watchlist), args.runs)
    print(f"evaluate (one date, {ev.as_of}):            median {t_eval * 1000:8.1f} ms "
          f"(fastest {fast * 1000:.1f}) over {args.runs} runs")

    runs = max(3, args.runs // 2)
    t_replay, fast, rp = timed(lambda: replay(market, watchlist, first, last), runs)
    print(f"replay ({first} → {last}, vectorised): median {t_replay * 1000:8.1f} ms "
          f"(fastest {fast * 1000:.1f}) over {runs} runs, {len(rp.transitions)} status changes")

    # Naive: a fresh evaluation on the history cut at each day; timed on a sample, extrapolated.
    days = market.closes.index
    sample = [days[int(i)] for i in np.linspace(0, len(days) - 1, args.sample_days)]
    statuses = {}
    start = time.perf_counter()
    for day in sample:
        statuses[day] = {k: v.status for k, v in evaluate(market.until(day), watchlist, day.date()).theses.items()}
    per_day = (time.perf_counter() - start) / len(sample)
    naive_total = per_day * len(days)
    print(f"naive day-by-day recomputation: {per_day * 1000:.1f} ms per day measured on {len(sample)} evenly spaced "
          f"days; EXTRAPOLATED to {len(days)} days: {naive_total:.1f} s")
    print(f"ratio naive / vectorised replay: {naive_total / t_replay:,.0f}x (extrapolated naive time)")

    # The two ways agree on every sampled day (statuses rebuilt from the replay's transitions).
    current = {k: v.status for k, v in evaluate(market.until(days[0]), watchlist, days[0].date()).theses.items()}
    agree = True
    changes = iter(rp.transitions)
    pending = next(changes, None)
    for day in sample:
        while pending is not None and pd.Timestamp(pending.date) <= day:
            current[pending.thesis_id] = pending.new
            pending = next(changes, None)
        agree &= current == statuses[day]
    print(f"replay agrees with the naive evaluation on all {len(sample)} sampled days: {agree}")
    print(f"targets: evaluate < 50 ms: {'met' if t_eval < 0.05 else 'MISSED'}; "
          f"20-year replay < 2 s: {'met' if t_replay < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
