"""Warnings for inputs beyond experience: shifts larger than any 12-month move of the 30-year yield
since 1990, a negative resulting yield, leverage above 10×, a bet that cannot lose or cannot win."""

from __future__ import annotations

from collections.abc import Sequence

from regimebot.macro.scenario import Caveat
from regimebot.macro.scenario.presets import history_bound

MAX_USUAL_LEVERAGE = 10.0


def shift_caveats(y0: float, shifts_bp: Sequence[float]) -> tuple[Caveat, ...]:
    """The most extreme shift beyond the historical 12-month rise or fall, and the lowest negative yield reached."""
    bound = history_bound()
    out = []
    falls = [bp for bp in shifts_bp if bp < -bound.fall_bp]
    if falls:
        out.append(Caveat.of("beyond_history_fall", {"shift_bp": min(falls), "bound_bp": bound.fall_bp, "record_end": bound.fall_end}))
    rises = [bp for bp in shifts_bp if bp > bound.rise_bp]
    if rises:
        out.append(Caveat.of("beyond_history_rise", {"shift_bp": max(rises), "bound_bp": bound.rise_bp, "record_end": bound.rise_end}))
    negative = [bp for bp in shifts_bp if y0 + bp / 10_000.0 < 0.0]
    if negative:
        worst = min(negative)
        out.append(Caveat.of("negative_yield", {"shift_bp": worst, "yield_pct": y0 * 100.0 + worst / 100.0}))
    return tuple(out)


def leverage_caveats(leverage: float) -> tuple[Caveat, ...]:
    """Leverage above 10× is beyond what a broker lends against securities."""
    if leverage > MAX_USUAL_LEVERAGE:
        return (Caveat.of("high_leverage", {"leverage": leverage, "bound": MAX_USUAL_LEVERAGE}),)
    return ()


def probability_caveats(p: float) -> tuple[Caveat, ...]:
    """p at 0 or 100% is certainty, which no market offers: the answer is the arithmetic of a sure thing."""
    if p <= 0.0:
        return (Caveat.of("certain_loss", {"p_pct": p * 100.0}),)
    if p >= 1.0:
        return (Caveat.of("certain_win", {"p_pct": p * 100.0}),)
    return ()
