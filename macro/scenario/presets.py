"""Bond fund presets (duration, convexity, yield, leverage) with their as-of date and source.

Bundled presets live in macro/data/scenario_presets.toml; the config file's [scenario.presets.NAME]
tables override them key by key (a preset changed in config says "config file" unless it names its
own source). Yields and expense ratios are in percent in both files.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from regimebot.macro.scenario import ScenarioError

DEFAULT_LADDER = (20.0, 30.0)


@dataclass(frozen=True)
class Preset:
    """One fund's inputs. `yield_` and `expense_ratio` are decimals here; leverage 1 for unlevered funds."""

    name: str
    duration: float
    convexity: float
    yield_: float
    as_of: str
    source: str
    leverage: float = 1.0
    underlying: str | None = None
    expense_ratio: float = 0.0
    ladder: tuple[float, float] = DEFAULT_LADDER

    @property
    def leveraged(self) -> bool:
        return self.leverage != 1.0


def bundled_presets() -> dict[str, dict[str, Any]]:
    """The raw bundled preset tables, by upper-case name."""
    text = resources.files("regimebot.macro").joinpath("data/scenario_presets.toml").read_text(encoding="utf-8")
    return {name.upper(): dict(table) for name, table in tomllib.loads(text).get("presets", {}).items()}


def _merged(config: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    raw = bundled_presets()
    for name, table in (config or {}).items():
        base = dict(raw.get(name.upper(), {}))
        base.update(dict(table))
        if "source" not in table:
            base["source"] = "config file"
        if "as_of" not in table:
            base["as_of"] = "unknown"
        raw[name.upper()] = base
    return raw


def _number(table: Mapping[str, Any], key: str, name: str, default: float | None = None) -> float:
    value = table.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"preset {name}: '{key}' must be a number (got {value!r})")
    return float(value)


def load_presets(config: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Preset]:
    """All presets, bundled merged with config; a leveraged preset takes bond inputs from its underlying."""
    raw = _merged(config)
    out: dict[str, Preset] = {}
    for name, table in raw.items():
        bond = table
        underlying = table.get("underlying")
        if underlying is not None:
            under = raw.get(str(underlying).upper())
            if under is None:
                raise ScenarioError(f"preset {name}: underlying {underlying!r} is not a preset")
            bond = {**under, **{k: v for k, v in table.items() if k in ("duration", "convexity", "yield", "ladder")}}
        ladder = bond.get("ladder", DEFAULT_LADDER)
        out[name] = Preset(
            name=name,
            duration=_number(bond, "duration", name),
            convexity=_number(bond, "convexity", name),
            yield_=_number(bond, "yield", name) / 100.0,
            as_of=str(table.get("as_of", "unknown")),
            source=str(table.get("source", "unknown")),
            leverage=_number(table, "leverage", name, 1.0),
            underlying=str(underlying).upper() if underlying is not None else None,
            expense_ratio=_number(table, "expense_ratio", name, 0.0) / 100.0,
            ladder=(float(ladder[0]), float(ladder[1])),
        )
    return out
