"""Command latency through the real dispatcher (handlers.dispatch): each chat command's first call, median and p99.

The market is the real history in ../shared/data (csv:DIR) when present, else the simulated demo market, in a
throwaway database refreshed once. Every command runs through `Dispatcher.dispatch` exactly as Telegram and
the console call it (language, allow-list, handler, PNG rendering), so the figures include the reply's image.
Nothing caches a reply or an image: every /chart and /corr call computes and renders its PNG afresh, so
repeating the same request measures the uncached render (the only caches are the market per data version
and, for /regime and friends, the evaluation per data version; /scenario caches per input).
Wall times include waiting for the CPU on a busy machine; the CPU-time column does not. The baseline,
measured in the same run, is one uncached evaluation of the watch list (`macro.engine.evaluate` on the same
market): what /regime, /theses, /thesis and the digest each paid before evaluations were shared.

    .venv/bin/python bench/commands.py               # 30 runs per command
    .venv/bin/python bench/commands.py --runs 100 --data demo
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regimebot.bot.config import DataSource, Settings  # noqa: E402
from regimebot.bot.services import build_services  # noqa: E402
from regimebot.handlers import load_commands  # noqa: E402
from regimebot.handlers.dispatch import Dispatcher, Incoming  # noqa: E402
from regimebot.handlers.evaluation import manual_switches  # noqa: E402
from regimebot.handlers.registry import Chat  # noqa: E402
from regimebot.jobs.digest import build_digest  # noqa: E402
from regimebot.macro.engine import evaluate  # noqa: E402
from regimebot.macro.providers.demo import DemoProvider  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ADMIN = 1
CHAT = Chat(id=77, type="private")
# (command line, target in ms for the median after the first call, or None: reported only)
COMMANDS: list[tuple[str, float | None]] = [
    ("/regime", 50), ("/theses", 50), ("/thesis long_usd_ai", 50),
    ("/dxy", None), ("/tlt", None), ("/quote DXY US10Y GOLD", None),
    ("/chart DXY 1y", 400), ("/chart US10Y 5y", 400),
    ("/corr TLT SPX GOLD DXY", 400), ("/corr TLT SPX GOLD DXY BTC HYG LQD VIX lookback=2y", 400),
    ("/scenario TLT -100bp", None), ("/scenario TMF -100bp", 50), ("/status", None),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


CPU_TIMES: list[float] = []  # the last timed() call's CPU time per run (ms): what other processes' load does not inflate


def timed(call: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    """The first call's wall time and the following `runs` calls' wall times, in ms (CPU times in CPU_TIMES)."""
    start = time.perf_counter()
    call()
    first = (time.perf_counter() - start) * 1000
    times = []
    CPU_TIMES.clear()
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - start) * 1000)
        CPU_TIMES.append((time.process_time() - cpu) * 1000)
    return first, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--data", choices=("auto", "csv", "demo"), default="auto")
    args = parser.parse_args()
    use_csv = args.data == "csv" or (args.data == "auto" and SHARED_DATA.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        data = DataSource("csv", SHARED_DATA) if use_csv else DataSource("demo")
        settings = Settings(db=Path(tmp) / "bench.db", data=data, admins=frozenset({ADMIN}), history_start=date(2005, 1, 1))
        provider = None if use_csv else DemoProvider(seed=7, years=20)
        services = build_services(settings, provider=provider)
        services.market_data.refresh()
        dispatcher = Dispatcher(load_commands(), services)
        market = services.market_data.market()
        print(f"data: {market.label}, {market.closes.shape[1]} series, {market.closes.index[0].date()} → {market.last_date()}; "
              f"{args.runs} runs per command after its first call; load average at start {load_average()}")
        print("/chart and /corr: every run renders its PNG afresh (no reply or image cache): uncached figures")

        _, base_times = timed(lambda: evaluate(market, services.watchlist, manual=manual_switches(services)), max(5, args.runs // 3))
        base = statistics.median(base_times)
        print(f"baseline: one uncached watch-list evaluation, median {base:.1f} ms\n")

        def command(line: str) -> Callable[[], object]:
            name, *words = line.lstrip("/").split()
            incoming = Incoming(CHAT, ADMIN, "en", name, tuple(words))

            def run() -> object:
                outcome = dispatcher.dispatch(incoming, is_admin=True)
                assert outcome.reply is not None and "⚠️" not in outcome.reply.text[:3], (line, outcome)
                return outcome

            return run

        rows: list[tuple[str, Callable[[], object], float | None]] = [(line, command(line), target) for line, target in COMMANDS]
        rows.append(("digest (jobs.digest.build_digest)", lambda: build_digest(services, "en"), 50))
        print(f"{'command':<52} {'first':>8} {'median':>8} {'p99':>8} {'cpu med':>8} {'target':>8} {'÷ baseline':>10}  ok (p99)")
        for name, call, target in rows:
            first, times = timed(call, args.runs)
            med, p99 = statistics.median(times), percentile(times, 0.99)
            ok = "-" if target is None else ("yes" if p99 <= target else "NO")
            shown = f"{target:.0f}ms" if target is not None else "-"
            cpu = statistics.median(CPU_TIMES)
            print(f"{name:<52} {first:>6.0f}ms {med:>6.1f}ms {p99:>6.1f}ms {cpu:>6.1f}ms {shown:>8} {med / base:>10.2f}  {ok}")

        first, times = timed(services.evaluator.run, max(3, args.runs // 10))  # refresh (no new rows) + evaluate + record
        print(f"{'cycle (jobs.cycle.Cycle.run: refresh + evaluate)':<52} {first:>6.0f}ms {statistics.median(times):>6.1f}ms "
              f"{percentile(times, 0.99):>6.1f}ms {statistics.median(CPU_TIMES):>6.1f}ms {'-':>8} "
              f"{statistics.median(times) / base:>10.2f}  -")
        after_cycle, _ = timed(command("/regime"), 0)
        print(f"{'/regime right after a cycle (shares its evaluation)':<52} {after_cycle:>6.1f}ms")
        services.store.close()
    print(f"({os.cpu_count()} CPUs, load average at the end {load_average()}: wall times scale with it, CPU times much less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
