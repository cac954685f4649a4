"""Benchmark `/scenario TMF -100bp` through the chat handler against the previous algorithm, measured in the same run.

Usage: .venv/bin/python bench/scenario.py [--runs N]

Three figures, each the median (and 90th percentile) of N timed runs after one warm-up:
- baseline: the previous simulation (2000 pinned paths, the full ladder priced on a 4001-point grid and read
  with np.interp, one shift, no cache), kept below only to measure against;
- cold: the handler on an input it has not seen (a new seed= each run, so the per-input cache misses): fit the
  ladder, 1000 pinned and 1000 unpinned paths on shared random steps, the price curve by a Chebyshev fit;
- cached: the handler asked the same question again (the answer is cached per input; the reply is re-rendered).
The target of issue 8 item 8 is ≤ 50 ms through the handler. The machine's load shifts every figure alike, so the
ratios are the comparable numbers; the absolute ones are printed with the load average at the start.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.handlers import load_commands
from regimebot.handlers.registry import REGISTRY, Chat, Request
from regimebot.macro.scenario.bonds import fit_ladder


def baseline_tmf(seed: int) -> float:
    """The previous algorithm (pre issue 13) for TMF −100bp over 12m: 2000 bridge paths, np.interp on a price grid."""
    ladder = fit_ladder(16.3, 0.048)
    days, paths, vol, y0, shift = 252, 2000, 0.01, 0.048, -0.01
    rng = np.random.default_rng(seed)
    steps = rng.standard_normal((paths, days)) * (vol / np.sqrt(days))
    walk = np.concatenate([np.zeros((paths, 1)), np.cumsum(steps, axis=1)], axis=1)
    frac = np.arange(days + 1) / days
    yields = y0 + frac[None, :] * shift + walk - frac[None, :] * walk[:, -1:]
    maturities = [int(round(m * 2)) for m in ladder.maturities]
    k = np.concatenate([np.arange(1, n + 1) for n in maturities]).astype(float)  # every bond's cash flows, unsummed
    cf = np.concatenate([np.full(n, ladder.coupon / 2) + (np.arange(1, n + 1) == n) for n in maturities])
    grid = np.linspace(yields.min() - 1e-4, yields.max() + 1e-4, 4001)
    level = np.interp(yields, grid, ((1 + grid[:, None] / 2) ** -k[None, :]) @ cf)
    daily = level[:, 1:] / level[:, :-1] - 1 + yields[:, :-1] / days
    fund = np.prod(1 + 3 * daily - (2 * 0.04 + 0.01) / days, axis=1) - 1
    return float(np.percentile(fund, 50))


def timed(fn: Callable[[int], object], runs: int) -> tuple[float, float, float]:
    """Median and 90th percentile wall time, and median CPU time of this process, of `runs` calls fn(i) (after a warm-up)."""
    fn(-1)
    times, cpu = [], []
    for i in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(i)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), float(np.percentile(times, 90)), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per measurement (median reported)")
    args = parser.parse_args()
    load_commands()
    # the bond and leveraged-fund answers read no market data: an in-memory database and the offline demo source
    services = build_services(dataclasses.replace(Settings(), data=DataSource("demo"), db=Path(":memory:")))
    handler = REGISTRY.get("scenario").handler

    def ask(*words: str) -> str:
        request = Request(command="scenario", args=words, chat=Chat(id=1, type="private"), user_id=1, lang="en", services=services)
        return handler(request).text

    assert "given end" in ask("TMF", "-100bp")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    base, base90, base_cpu = timed(lambda i: baseline_tmf(1000 + i), args.runs)
    cold, cold90, cold_cpu = timed(lambda i: ask("TMF", "-100bp", f"seed={2000 + i}"), args.runs)
    warm, warm90, warm_cpu = timed(lambda i: ask("TMF", "-100bp"), args.runs)
    for label, (wall, p90, cpu) in (("baseline, previous algorithm (2000 pinned paths, np.interp)", (base, base90, base_cpu)),
                                    ("/scenario TMF -100bp, new input (cache miss)", (cold, cold90, cold_cpu)),
                                    ("/scenario TMF -100bp, asked again (cached per input)", (warm, warm90, warm_cpu))):
        print(f"{label:<62} wall median {wall * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  ratio {wall / base:6.3f}x"
              f"  | CPU median {cpu * 1000:7.1f} ms  ratio {cpu / base_cpu:6.3f}x")
    print("(CPU time is this process's own: what the wall time would be on an otherwise idle core)")
    for label, wall, cpu in (("new input", cold, cold_cpu), ("repeated input", warm, warm_cpu)):
        print(f"target ≤ 50 ms through the handler, {label}: wall {'met' if wall <= 0.05 else 'MISSED'}, "
              f"CPU {'met' if cpu <= 0.05 else 'MISSED'}")


if __name__ == "__main__":
    main()
