"""`regimebot evaluate` (the watch list today or on a date) and `regimebot replay` (over history)."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from regimebot.bot.cli.common import UsageError, iso_date, print_json
from regimebot.bot.config import Settings

MAX_DRAWS = 10_000
WARM_UP_DAYS = 800  # replay loads this much history before --start so 200-day and 2-year windows are filled

if TYPE_CHECKING:  # the engine (pandas) and the wiring are imported when a command runs, not to register it
    from regimebot.handlers.context import Services
    from regimebot.macro.engine import Evaluation, Replay, Transition
    from regimebot.macro.market import Market
    from regimebot.macro.signals import SignalResult
    from regimebot.macro.watchlist import Watchlist


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ev = sub.add_parser("evaluate", help="evaluate the watch list: every thesis, its signals, the regime verdict")
    ev.add_argument("--as-of", metavar="DATE", help="evaluate as of this ISO date (default: the latest data)")
    ev.add_argument("--json", action="store_true", help="machine-readable output")
    ev.add_argument("--check", action="store_true", help="only validate the watch-list file (exit 0 valid, 2 invalid)")
    ev.add_argument("--cached", action="store_true", help="use the price cache only, do not refresh")
    ev.set_defaults(func=run_evaluate)

    rp = sub.add_parser("replay", help="run the watch list day by day over history and list the alerts it would have sent")
    rp.add_argument("--start", metavar="DATE", required=True, help="first day (ISO date)")
    rp.add_argument("--end", metavar="DATE", required=True, help="last day (ISO date)")
    rp.add_argument("--json", action="store_true", help="machine-readable output")
    rp.add_argument("--cached", action="store_true", help="use the price cache only, do not refresh")
    rp.add_argument("--score", action="store_true",
                    help="the alert scorecard: each thesis's alerts against its declared pain, beside two baselines")
    rp.add_argument("--seed", type=int, help="--score: seed of the random baseline (default 0, macro.scorecard.SEED)")
    rp.add_argument("--draws", type=int,
                    help=f"--score: random-baseline draws averaged (default 200, macro.scorecard.DRAWS; at most {MAX_DRAWS})")
    rp.set_defaults(func=run_replay)


def _services(settings: Settings) -> Services:
    from regimebot.bot.services import build_services

    return build_services(settings)


def _market(services: Services, cached: bool) -> Market:
    from regimebot.macro.providers import DataError

    market = services.market_data.market() if cached else services.market_data.refresh()
    if market.closes.empty:
        raise DataError(f"no market data from {services.market_data.source}: run `regimebot fetch` or check REGIMEBOT_DATA")
    return market


def _manual(services: Services) -> dict[str, bool]:
    return services.store.engine_state.manual_signals()


def run_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.macro.engine import evaluate

    if args.check:
        from regimebot.macro.catalog import load_catalog
        from regimebot.macro.watchlist import load_watchlist

        wl = load_watchlist(settings.watchlist, load_catalog())
        print(f"watch list OK ({wl.origin}): {len(wl.signals)} signals, {len(wl.theses)} theses, "
              f"{len(wl.manual_signals())} manual")
        return 0
    as_of = iso_date(args.as_of, "--as-of") if args.as_of else None
    services = _services(settings)
    market = _market(services, args.cached)
    if as_of is not None:
        first = market.closes.index[0].date()
        if as_of < first:
            raise UsageError(f"--as-of: {as_of} is before the first data date {first}")
    result = evaluate(market, services.watchlist, as_of, _manual(services))
    if args.json:
        print_json(evaluation_json(result, services.watchlist))
    else:
        print(format_evaluation(result, services.watchlist, settings.language))
    return 0


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.macro.engine import replay, replay_with_and_without_dwell

    start = iso_date(args.start, "--start")
    end = iso_date(args.end, "--end")
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    if args.draws is not None and not 1 <= args.draws <= MAX_DRAWS:
        raise UsageError(f"--draws: expected a whole number from 1 to {MAX_DRAWS}, got {args.draws}")
    warm = start - timedelta(days=WARM_UP_DAYS)
    if warm < settings.history_start:
        settings = dataclasses.replace(settings, history_start=warm)
    services = _services(settings)
    market = _market(services, args.cached)
    if args.score:
        from regimebot.bot.cli.scorecard import format_scorecard, scorecard_json
        from regimebot.macro.scorecard import DRAWS, SEED, score_replay

        draws = DRAWS if args.draws is None else args.draws
        seed = SEED if args.seed is None else args.seed
        # one signal pass; the dwell-off replay gives whipsaw_before_dwell
        result, before_dwell = replay_with_and_without_dwell(market, services.watchlist, start, end, _manual(services))
        scores = score_replay(result, market.closes, services.watchlist.theses, draws, seed, before_dwell)
        if args.json:
            print_json(scorecard_json(result, scores, seed, draws))
        else:
            print(format_scorecard(result, scores))
        return 0
    result = replay(market, services.watchlist, start, end, _manual(services))
    if args.json:
        print_json(replay_json(result, services.watchlist))
    else:
        print(format_replay(result, services.watchlist, settings.language))
    return 0


# ---------------------------------------------------------------- JSON


def signal_json(r: SignalResult) -> dict[str, Any]:
    return r.to_dict()


def protects_json(watchlist: Watchlist, thesis_id: str) -> dict[str, dict[str, str] | dict[str, float | int | bool]]:
    """`position` and `pain` of a thesis (what it protects, the loss it exists to avoid)."""
    spec = watchlist.theses[thesis_id]
    return {"position": spec.position.to_dict(), "pain": spec.pain.to_dict()}


def evaluation_json(ev: Evaluation, watchlist: Watchlist) -> dict[str, Any]:
    return {
        "as_of": ev.as_of,
        "source": ev.source,
        "simulated": ev.simulated,
        "regime": {
            "verdict": ev.regime.verdict,
            "reasons": list(ev.regime.reasons),
            "lines": [dataclasses.asdict(line) for line in ev.regime.lines],
        },
        "theses": {
            tid: {
                "status": t.status,
                "since": t.since,
                "held": t.held,
                "signals": [signal_json(s) for s in t.signals],
                "evidence": [s.id for s in t.evidence],
                **protects_json(watchlist, tid),
            }
            for tid, t in ev.theses.items()
        },
        "signals": {sid: signal_json(s) for sid, s in ev.signals.items()},
    }


def _kind(t: Transition) -> str:
    return "alert" if t.toward_invalidation else "recovery" if t.recovery else "unknown"


def replay_json(rp: Replay, watchlist: Watchlist) -> dict[str, Any]:
    return {
        "start": rp.start,
        "end": rp.end,
        "source": rp.final.source,
        "simulated": rp.final.simulated,
        "transitions": [
            {"date": t.date, "thesis": t.thesis_id, "old": t.old, "new": t.new, "kind": _kind(t),
             "alerted": t.alerted, "evidence": [signal_json(s) for s in t.evidence]}
            for t in rp.transitions
        ],
        "stats": {tid: {**dataclasses.asdict(s), **protects_json(watchlist, tid)} for tid, s in rp.stats.items()},
        "final": evaluation_json(rp.final, watchlist),
    }


# ---------------------------------------------------------------- text


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 10000 else f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def format_signal(r: SignalResult) -> str:
    """One line: state, value, thresholds, since (or why unknown)."""
    if r.kind == "manual":
        return f"{r.id:<28} {r.state.upper():<8} manual switch {'ON' if r.state == 'breach' else 'off'}"
    side = ">" if r.direction == "above" else "<"
    limits = []
    if r.warn is not None:
        limits.append(f"warn {side} {r.warn:g}")
    if r.breach is not None:
        limits.append(f"breach {side} {r.breach:g}")
    tail = f"since {r.since}" if r.since else r.reason
    return f"{r.id:<28} {r.state.upper():<8} {_num(r.value, r.unit):>12}  ({', '.join(limits)})  {tail}"


def format_evaluation(ev: Evaluation, watchlist: Watchlist, language: str = "en") -> str:
    lines = [f"Watch list as of {ev.as_of} — data: {ev.source}", "", f"Regime: {ev.regime.verdict}"]
    for line in ev.regime.lines:
        lines.append(f"  {line.key:<18} {_num(line.value, line.unit):>12}  {line.state}")
    lines.append("")
    for tid, t in ev.theses.items():
        name = watchlist.theses[tid].name.get(language) or watchlist.theses[tid].name["en"]
        held = " — held through a data gap" if t.held else ""
        lines.append(f"[{t.status.upper()}] {name} ({tid}) since {t.since}{held}")
        for s in t.signals:
            lines.append("    " + format_signal(s))
        lines.append("")
    lines.append(f"Data: {ev.source}")
    return "\n".join(lines)


def format_replay(rp: Replay, watchlist: Watchlist, language: str = "en") -> str:
    lines = [f"Replay {rp.start} → {rp.end} — data: {rp.final.source}", ""]
    alerted = rp.alerts()
    lines.append(f"{len(alerted)} messages would have been sent ({sum(t.toward_invalidation for t in alerted)} alerts, "
                 f"{sum(t.recovery for t in alerted)} recoveries):")
    for t in alerted:
        mark = "ALERT   " if t.toward_invalidation else "recovery"
        evidence = "; ".join(f"{s.id} {s.state} {_num(s.value, s.unit)}" for s in t.evidence) or "no signal in warn/breach"
        lines.append(f"  {t.date}  {mark} {t.thesis_id:<28} {t.old} → {t.new}  [{evidence}]")
    lines += ["", f"{'thesis':<28} {'msgs/yr':>8} {'alerts':>7} {'intact':>7} {'weaken':>7} {'invalid':>7} {'unknown':>7}  (days)"]
    for tid, s in rp.stats.items():
        d = s.days_in_status
        lines.append(f"{tid:<28} {s.transitions_per_year:>8.2f} {s.alerts:>7} {d['intact']:>7} {d['weakening']:>7} "
                     f"{d['invalidated']:>7} {d['unknown']:>7}")
    lines += ["", f"Final state as of {rp.final.as_of}: "
              + ", ".join(f"{tid} {t.status}" for tid, t in rp.final.theses.items()),
              f"Data: {rp.final.source}"]
    return "\n".join(lines)
