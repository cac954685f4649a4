"""Scenario math: bond ETF repricing, leveraged funds, margin, portfolio shocks, asymmetric bets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ScenarioError(ValueError):
    """A scenario cannot be computed from these inputs: `key` names the refusal, `values` its figures.

    The message catalogs render `scenario.refuse.<key>` with `values`; str(error) is the English fallback.
    """

    def __init__(self, key: str, message: str, **values: float | str) -> None:
        super().__init__(message)
        self.key = key
        self.values: dict[str, float | str] = dict(values)


@dataclass(frozen=True)
class Caveat:
    """An answer computed, but from inputs a reader should doubt (beyond history, a certain bet, …)."""

    key: str
    values: tuple[tuple[str, float | str], ...] = ()

    @classmethod
    def of(cls, key: str, values: Mapping[str, float | str] | None = None) -> Caveat:
        return cls(key, tuple((values or {}).items()))

    def as_dict(self) -> dict[str, Any]:
        return {"warning": self.key, **dict(self.values)}
