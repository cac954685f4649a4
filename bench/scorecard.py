"""Benchmark the alert scorecard: a 2007–2025 replay plus its scorecard, and the random baseline scored draw by draw.

Usage: .venv/bin/python bench/scorecard.py [--runs N] [--csv DIR]

Data: the real daily history in DIR (default ../shared/data when it exists), else 20 years of simulated
closes (macro.providers.demo, seed 7). Times the replay, the scorecard of every thesis (200 random draws
each, three periods), and — as the baseline measured in the same run — the random baseline computed
the straightforward way: every draw scored on its own (the figures must agree).
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from replay import timed  # bench/replay.py: median, fastest and result of timed runs

from regimebot.macro.catalog import load_catalog
from regimebot.macro.engine import replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.pain import business_days, pain_grid
from regimebot.macro.providers.demo import simulate_closes
from regimebot.macro.scorecard import (
    BUSINESS_DAYS_PER_YEAR,
    DRAWS,
    alert_figures,
    random_figures,
    random_picks,
    score_replay,
    status_on,
    status_path,
)
from regimebot.macro.watchlist import load_watchlist

SHARED = Path(__file__).resolve().parent.parent / ".." / "shared" / "data"


def load_market(csv: str | None) -> Market:
    catalog = load_catalog()
    folder = Path(csv) if csv else SHARED
    if folder.is_dir():
        from regimebot.macro.providers import FetchRequest
        from regimebot.macro.providers.csvdir import CsvDirProvider

        provider = CsvDirProvider(folder)
        fetched = provider.fetch([FetchRequest(s.id, s.symbol or s.id, date(1900, 1, 1)) for s in catalog.downloadable()])
        closes = make_closes(fetched.closes, catalog).loc["2004-01-01":]
        return Market(closes, provider.name, simulated=False)
    return Market(make_closes(simulate_closes(seed=7, end=date(2025, 12, 31), years=22), catalog), "demo", simulated=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median reported)")
    parser.add_argument("--csv", metavar="DIR", help="a csv:DIR data folder (default ../shared/data if present)")
    args = parser.parse_args()

    watchlist = load_watchlist(None, load_catalog())
    market = load_market(args.csv)
    start, end = date(2007, 1, 1), date(2025, 12, 31)
    print(f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")
    print(f"data: {market.label}, {market.closes.index[0].date()} → {market.closes.index[-1].date()}; "
          f"replay {start} → {end}; {len(watchlist.theses)} theses, {DRAWS} random draws each")

    t_replay, _, rp = timed(lambda: replay(market, watchlist, start, end), args.runs)
    t_score, _, scores = timed(lambda: score_replay(rp, market.closes, watchlist.theses), args.runs)
    print(f"replay:              median {t_replay * 1000:8.1f} ms over {args.runs} runs")
    print(f"scorecard (all):     median {t_score * 1000:8.1f} ms over {args.runs} runs")
    print(f"replay + scorecard:  {(t_replay + t_score):.2f} s (target: seconds)")

    # Baseline: the random baseline of the thesis with the most alerts, draw by draw, against the vectorised one.
    tid = max(scores, key=lambda k: scores[k].periods["all"].thesis.alerts)
    spec = watchlist.theses[tid]
    days = business_days(start, end)
    grid = pain_grid(market.closes[spec.position.series], spec.position, spec.pain, days)
    scored = status_on(status_path(rp, tid), days) >= 0
    years = scored.sum() / BUSINESS_DAYS_PER_YEAR
    count = scores[tid].periods["all"].thesis.alerts
    t_vector, _, fast = timed(lambda: random_figures(count, scored, grid, years), args.runs)

    def one_by_one() -> list[float | None]:
        return [alert_figures(row, None, scored, grid, years).hit_rate for row in random_picks(count, scored)]

    t_loop, _, each = timed(one_by_one, max(1, args.runs // 2))
    hits = [h for h in each if h is not None]
    agree = fast.hit_rate is not None and abs(fast.hit_rate - sum(hits) / len(hits)) < 1e-12
    print(f"random baseline of {tid} ({count} alerts, {DRAWS} draws): vectorised median {t_vector * 1000:.1f} ms, "
          f"draw by draw {t_loop * 1000:.1f} ms: {t_loop / t_vector:.1f}x; mean hit rates agree: {agree}")


if __name__ == "__main__":
    main()
