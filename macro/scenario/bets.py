"""Asymmetric bets (seed 001: small controlled losses for a large repricing): EV, break-even, Kelly.

A bet wins `up` (e.g. +0.35) with probability p and loses `down` (e.g. −0.10) otherwise.
EV = p·up + (1−p)·down; break-even p* = −down/(up − down); the Kelly fraction of capital that
maximises expected log growth is f* = p/|down| − (1−p)/up (a fraction above 1 means borrowing).
Edges: with no edge (f* ≤ 0) Kelly says stake nothing (0, not a negative stake); at p = 100% the bet
cannot lose, log growth rises without bound in the stake, and Kelly has no finite answer (None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regimebot.macro.scenario import Caveat, ScenarioError
from regimebot.macro.scenario.caveats import probability_caveats

DEFAULT_MAX_STAKE = 0.25  # warn when Kelly asks for more than this share of capital


@dataclass(frozen=True)
class BetScenario:
    p: float
    up: float
    down: float
    max_stake: float
    expected_value: float
    break_even_p: float
    kelly: float | None  # share of capital: 0 with no edge; None when the bet cannot lose (p = 100%)
    caveats: tuple[Caveat, ...] = field(default=())

    @property
    def edge(self) -> bool:
        return self.kelly is None or self.kelly > 0.0

    @property
    def too_big(self) -> bool:
        return self.kelly is None or self.kelly > self.max_stake

    @property
    def kelly_loss(self) -> float | None:
        """Share of capital lost when a Kelly-sized bet loses (None: no finite Kelly stake)."""
        return None if self.kelly is None else self.kelly * -self.down

    def as_dict(self) -> dict[str, Any]:
        loss = self.kelly_loss
        return {
            "inputs": {"p_pct": self.p * 100, "up_pct": self.up * 100, "down_pct": self.down * 100, "max_stake_pct": self.max_stake * 100},
            "model": "EV = p*up + (1-p)*down; break-even p = -down/(up-down); Kelly f = max(0, p/|down| - (1-p)/up), none at p = 100%",
            "expected_value_pct": self.expected_value * 100,
            "break_even_p_pct": self.break_even_p * 100,
            "edge": self.edge,
            "kelly_pct": None if self.kelly is None else self.kelly * 100,
            "half_kelly_pct": None if self.kelly is None else self.kelly * 50,
            "kelly_loss_pct": None if loss is None else loss * 100,
            "warning": self.too_big,
            "warnings": [c.as_dict() for c in self.caveats],
        }


def bet_scenario(p: float, up: float, down: float, max_stake: float = DEFAULT_MAX_STAKE) -> BetScenario:
    """Expected value, break-even probability and Kelly fraction of a two-outcome bet."""
    if not 0.0 <= p <= 1.0:
        raise ScenarioError("p_range", f"p {p:.0%} must be from 0% to 100%", p=f"{p * 100:g}")
    if up <= 0.0:
        raise ScenarioError("up_range", "up must be a gain above 0%")
    if not -1.0 <= down < 0.0:
        raise ScenarioError("down_range", "down must be a loss between 0% and −100%")
    kelly = None if p >= 1.0 else max(0.0, p / -down - (1.0 - p) / up)
    return BetScenario(
        p=p,
        up=up,
        down=down,
        max_stake=max_stake,
        expected_value=p * up + (1.0 - p) * down,
        break_even_p=-down / (up - down),
        kelly=kelly,
        caveats=probability_caveats(p),
    )
