"""An article's claims for a bond fund, judged by exact repricing on the article's own inputs.

The verdict is shown only when the question is the article's own (its fund, with no override that
differs from the article's duration or yield), and it is always computed at the article's duration and
the middle of its yield range, never at the preset's: a claim is judged on what its author assumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regimebot.macro.scenario.bonds import fit_ladder
from regimebot.macro.scenario.presets import Article, articles

DURATION_MATCH = 0.05  # years: dur=15.5 is the article's 15.5


@dataclass(frozen=True)
class ClaimCheck:
    """One claimed shift: the article's range (percent), the exact price return on its inputs, and where it lands."""

    article: str
    shift_bp: float
    low_pct: float
    high_pct: float
    model: float  # decimal price return at the article's duration and mid yield
    verdict: str  # below | lower_half | upper_half | above
    duration: float
    yield_: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "shift_bp": self.shift_bp,
            "low_pct": self.low_pct,
            "high_pct": self.high_pct,
            "model_pct": self.model * 100,
            "model": self.verdict,
            "judged_at": {"duration_years": self.duration, "yield_pct": self.yield_ * 100},
        }


def verdict(value_pct: float, low: float, high: float) -> str:
    """Where a model figure lands in a claimed range: below | lower_half | upper_half | above."""
    if value_pct < low:
        return "below"
    if value_pct <= (low + high) / 2.0:
        return "lower_half"
    if value_pct <= high:
        return "upper_half"
    return "above"


def article_for(fund: str, duration: float | None, yield_: float | None) -> Article | None:
    """The article whose claims this question asks about: same fund, and any override equal to the article's."""
    for article in articles().values():
        if article.fund != fund.upper():
            continue
        if duration is not None and abs(duration - article.duration) > DURATION_MATCH:
            continue
        if yield_ is not None and not article.yield_low - 1e-9 <= yield_ <= article.yield_high + 1e-9:
            continue
        return article
    return None


def check_claims(article: Article, shifts_bp: Sequence[float], span: tuple[float, float]) -> tuple[ClaimCheck, ...]:
    """The article's claims at the shifts asked about, repriced exactly at the article's duration and mid yield."""
    asked = {float(bp) for bp in shifts_bp}
    claims = [c for c in article.claims if c[0] in asked]
    if not claims:
        return ()
    y = article.yield_mid
    ladder = fit_ladder(article.duration, y, span)
    out = []
    for bp, low, high in claims:
        value = ladder.reprice(y, bp / 10_000.0)
        out.append(ClaimCheck(article.id, bp, low, high, value, verdict(value * 100, low, high), article.duration, y))
    return tuple(out)
