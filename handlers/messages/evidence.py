"""Evidence: one signal's reading as an alert carries it (typed), read from stored JSON or an engine result."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from regimebot.macro.signal_specs import SignalSpec
from regimebot.macro.signals import SignalResult


@dataclass(frozen=True)
class Evidence:
    """A signal's state and value against its thresholds, as of an alert (or now)."""

    signal: str
    state: str
    value: float | None = None
    unit: str = ""
    direction: str | None = None
    warn: float | None = None
    breach: float | None = None
    warn_exit: float | None = None
    breach_exit: float | None = None
    kind: str = ""

    @property
    def manual(self) -> bool:
        return self.kind == "manual"

    @property
    def moving(self) -> bool:
        """In warn or breach: a cause of a move toward invalidation."""
        return self.state in ("warn", "breach")

    @classmethod
    def from_result(cls, result: SignalResult) -> Evidence:
        """From the engine's reading of a signal."""
        return cls(result.id, result.state, _finite(result.value), result.unit, result.direction, result.warn,
                   result.breach, result.warn_exit, result.breach_exit, result.kind)

    @classmethod
    def from_stored(cls, item: Mapping[str, object], spec: SignalSpec | None = None) -> Evidence:
        """From stored alert evidence (every shape regimebot has written); missing thresholds from the signal's spec."""
        thresholds = item.get("thresholds")
        limits: Mapping[str, object] = thresholds if isinstance(thresholds, Mapping) else item

        def number(key: str, fallback: float | None) -> float | None:
            value = limits.get(key, item.get(key))
            return _finite(value) if value is not None else fallback

        signal = str(item.get("signal") or item.get("signal_id") or item.get("id") or "?")
        return cls(
            signal=signal,
            state=str(item.get("state") or "unknown"),
            value=_finite(item.get("value")),
            unit=str(item.get("unit") or (spec.unit if spec else "") or ""),
            direction=_text(item.get("direction")) or (spec.direction if spec else None),
            warn=number("warn", spec.warn if spec else None),
            breach=number("breach", spec.breach if spec else None),
            warn_exit=number("warn_exit", spec.warn_exit if spec else None),
            breach_exit=number("breach_exit", spec.breach_exit if spec else None),
            kind=str(item.get("kind") or (spec.kind if spec else "") or ""),
        )


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
