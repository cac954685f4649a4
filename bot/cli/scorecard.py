"""`regimebot replay --score`: the alert scorecard as JSON or as a readable table with plain verdicts."""

from __future__ import annotations

from collections.abc import Mapping

from regimebot.macro.engine import Replay
from regimebot.macro.scorecard import PERIODS, Figures, PeriodScore, ThesisScore, pooled

PERIOD_TITLES = {"all": "Whole replay", "in_sample": "In sample", "out_of_sample": "Out of sample"}


def scorecard_json(rp: Replay, scores: Mapping[str, ThesisScore], seed: int, draws: int) -> dict[str, object]:
    """{"scorecard": {THESIS: …}, "overall": {PERIOD: …}} with the replay's window, data source and the random draws."""
    return {
        "start": rp.start,
        "end": rp.end,
        "source": rp.final.source,
        "simulated": rp.final.simulated,
        "random": {"seed": seed, "draws": draws},
        "periods": {name: {"start": first, "end": last} for name, (first, last) in PERIODS.items()},
        "scorecard": {tid: score.to_dict() for tid, score in scores.items()},
        "overall": {name: pooled(scores, name) for name in ("all", *PERIODS)},
    }


def _pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


THESIS_HEADER = (f"  {'thesis':<28} {'position':<10} {'pain':<9} {'alerts/yr':>9} {'whipsaw':>7} {'hit':>5} "
                 f"{'base':>6} {'lift':>5} {'recall':>6} {'lead':>5} {'FA/yr':>6}")
BASELINE_HEADER = (f"  {'baselines':<28} {'random: hit':>11} {'lift':>5} {'recall':>6} {'lead':>5} | "
                   f"{'200-day: alerts/yr':>18} {'whipsaw':>7} {'hit':>5} {'lift':>5} {'recall':>6} {'lead':>5}")


def _thesis_row(tid: str, score: ThesisScore, f: Figures) -> str:
    position = f"{score.position.side} {score.position.series}"
    pain = f"{score.pain.drawdown_pct:g}%/{score.pain.within_days}d"
    return (f"  {tid:<28} {position:<10} {pain:<9} {_num(f.alerts_per_year):>9} {_pct(f.whipsaw):>7} {_pct(f.hit_rate):>5} "
            f"{_pct(f.base_rate, 1):>6} {_num(f.lift):>5} {_pct(f.recall):>6} {_num(f.lead_days, 0):>5} "
            f"{_num(f.false_alarms_per_year):>6}")


def _baseline_row(tid: str, rnd: Figures, ma: Figures) -> str:
    return (f"  {tid:<28} {_pct(rnd.hit_rate):>11} {_num(rnd.lift):>5} {_pct(rnd.recall):>6} {_num(rnd.lead_days, 0):>5} | "
            f"{_num(ma.alerts_per_year):>18} {_pct(ma.whipsaw):>7} {_pct(ma.hit_rate):>5} {_num(ma.lift):>5} "
            f"{_pct(ma.recall):>6} {_num(ma.lead_days, 0):>5}")


def verdict(tid: str, name: str, period: PeriodScore) -> str | None:
    """One plain sentence when the thesis does not beat a baseline (or cannot be compared) in a period."""
    f = period.thesis
    where = f"{tid}, {PERIOD_TITLES[name].lower()}"
    if f.status_days == 0:
        return None
    if f.lift is None:
        reason = "no alerts" if not f.alerts else "no pain in the period to measure against"
        return f"{where}: cannot be compared with the baselines ({reason})."
    misses = []
    for label, baseline in (("the random baseline", period.random), ("the 200-day-average baseline", period.ma200)):
        beats = period.beats(baseline)
        if beats is False:
            misses.append(f"does NOT beat {label} (lift {f.lift:.2f} vs {_num(baseline.lift)})")
        elif beats is None:
            misses.append(f"cannot be compared with {label} (it has no lift: {_describe(baseline)})")
    return f"{where}: " + "; ".join(misses) + "." if misses else None


def _describe(f: Figures) -> str:
    return "no alerts" if not f.alerts else "no pain to measure against"


def format_scorecard(rp: Replay, scores: Mapping[str, ThesisScore]) -> str:
    """Per period, one row per thesis with its figures beside the baselines', then the plain verdicts."""
    lines = [f"Alert scorecard, replay {rp.start} → {rp.end} — data: {rp.final.source}",
             "Pain: each thesis's declared loss on its position (drawdown % within business days). Figures are",
             "defined in the README, \"The alert scorecard\"; baselines are scored on the same days.", ""]
    verdicts: list[str] = []
    split = [name for name in PERIODS if any(s.periods[name].start is not None for s in scores.values())]
    for name in ("in_sample", "out_of_sample", "all"):
        periods = {tid: s.periods[name] for tid, s in scores.items()}
        first = next(iter(periods.values()), None)
        if first is None or first.start is None:
            continue
        if name == "all" and len(split) == 1 and (first.start, first.end) == (rp.start, rp.end):
            continue  # the replay lies inside one period: its table is already shown
        total = pooled(scores, name)
        raw = ("" if total["checked_before_dwell"] is None else
               f"; with the recovery dwell off, {total['undone_before_dwell']} of {total['checked_before_dwell']} "
               f"escalations undone (whipsaw before dwell {_pct(total['whipsaw_before_dwell'])})")
        lines.append(f"{PERIOD_TITLES[name]} ({first.start} → {first.end}): {total['alerts']} alerts, "
                     f"{total['undone']} of {total['checked']} undone within 7 business days "
                     f"(whipsaw {_pct(total['whipsaw'])}){raw}")
        lines.append(THESIS_HEADER)
        lines += [_thesis_row(tid, scores[tid], period.thesis) for tid, period in periods.items()]
        lines.append(BASELINE_HEADER)
        lines += [_baseline_row(tid, period.random, period.ma200) for tid, period in periods.items()]
        lines.append("")
        if name in (split or ["all"]):
            verdicts += [v for tid, period in periods.items() if (v := verdict(tid, name, period))]
    lines.append("Where a thesis falls short:" if verdicts else "Every thesis beats both baselines in every period.")
    lines += [f"  - {v}" for v in verdicts]
    return "\n".join(lines)
