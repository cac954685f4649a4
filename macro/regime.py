"""The regime dashboard: one line per configured signal and a one-line verdict.

The verdict is the first rule of the watch list's [[regime.verdicts]] whose conditions hold
("signal:warn" holds in warn or breach, "signal:breach" only in breach; a rule needs all its
`when_all` and, if any are given, one of its `when_any`). No rule matching gives "calm" when every
`require` signal is known, "unknown" otherwise. Default order: cross_border_outflow,
credit_stress, bond_market_stress, liquidity_panic. Language-neutral: handlers translate keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from regimebot.macro.signals import SignalResult
from regimebot.macro.watchlist import RegimeSpec

_AT_LEAST = {"warn": ("warn", "breach"), "breach": ("breach",)}


@dataclass(frozen=True)
class RegimeLine:
    """One dashboard reading: a translatable key, the signal's value, state and unit."""

    key: str
    value: float | None
    state: str
    unit: str
    signal: str = ""


@dataclass(frozen=True)
class Regime:
    lines: list[RegimeLine]
    verdict: str
    reasons: tuple[str, ...] = ()  # the "signal:level" conditions that decided the verdict


def _holds(results: Mapping[str, SignalResult], ref: tuple[str, str]) -> bool:
    sid, level = ref
    result = results.get(sid)
    return result is not None and result.state in _AT_LEAST[level]


def regime_from(results: Mapping[str, SignalResult], spec: RegimeSpec) -> Regime:
    """Dashboard lines and verdict from the day's signal results."""
    lines = []
    for line in spec.lines:
        r = results[line.signal]
        lines.append(RegimeLine(key=line.key, value=r.value, state=r.state, unit=r.unit, signal=r.id))
    for rule in spec.verdicts:
        if not all(_holds(results, ref) for ref in rule.when_all):
            continue
        matched = [ref for ref in rule.when_any if _holds(results, ref)]
        if rule.when_any and not matched:
            continue
        reasons = tuple(f"{s}:{lvl}" for s, lvl in (*rule.when_all, *matched))
        return Regime(lines=lines, verdict=rule.verdict, reasons=reasons)
    if any(results[sid].state == "unknown" for sid in spec.require):
        return Regime(lines=lines, verdict="unknown")
    return Regime(lines=lines, verdict="calm")
