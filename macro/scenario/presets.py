"""Bond fund presets (duration, convexity, yield, leverage) with their as-of date and source.

Bundled presets live in macro/data/scenario_presets.toml; the config file's [scenario.presets.NAME]
tables override them key by key (a preset changed in config says "config file" unless it names its
own source). Yields and expense ratios are in percent in both files. The same file holds the largest
12-month move of the 30-year yield (the "beyond history" bound) and the article whose claims are checked.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from regimebot.macro.scenario import ScenarioError

DEFAULT_LADDER = (20.0, 30.0)
CONFIG_SOURCE = "config file"


@dataclass(frozen=True)
class Preset:
    """One fund's inputs. `yield_` and `expense_ratio` are decimals here; leverage 1 for unlevered funds.

    `source_key` names the source's message in the catalogs (bundled presets); None: `source` is the
    config file's own words, shown as written.
    """

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
    source_key: str | None = None

    @property
    def leveraged(self) -> bool:
        return self.leverage != 1.0


@dataclass(frozen=True)
class HistoryBound:
    """The largest 12-month rise and fall of the 30-year Treasury yield since 1990, in bp, with dates."""

    rise_bp: float
    rise_end: str
    fall_bp: float
    fall_end: str
    series: str


@dataclass(frozen=True)
class Article:
    """A published article's claims for one fund: its own duration and yield range, and (shift bp, low %, high %)."""

    id: str
    fund: str
    duration: float
    yield_low: float  # decimal
    yield_high: float  # decimal
    claims: tuple[tuple[float, float, float], ...]

    @property
    def yield_mid(self) -> float:
        return (self.yield_low + self.yield_high) / 2.0


@lru_cache(maxsize=1)
def _bundled_file() -> dict[str, Any]:
    text = resources.files("regimebot.macro").joinpath("data/scenario_presets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def bundled_presets() -> dict[str, dict[str, Any]]:
    """The raw bundled preset tables, by upper-case name."""
    return {name.upper(): dict(table) for name, table in _bundled_file().get("presets", {}).items()}


def history_bound() -> HistoryBound:
    """The bundled 12-month bound of the 30-year yield (see the data file for how it was computed)."""
    table = _bundled_file()["history"]["us30y_12m"]
    return HistoryBound(float(table["largest_rise_bp"]), str(table["rise_end"]), float(table["largest_fall_bp"]),
                        str(table["fall_end"]), str(table["series"]))


def articles() -> dict[str, Article]:
    """The bundled articles whose claims are checked, by id."""
    out = {}
    for key, table in _bundled_file().get("articles", {}).items():
        claims = tuple((float(bp), float(lo), float(hi)) for bp, lo, hi in table["claims"])
        out[key] = Article(key, str(table["fund"]).upper(), float(table["duration"]), float(table["yield_low"]) / 100.0,
                           float(table["yield_high"]) / 100.0, claims)
    return out


def _merged(config: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    raw = bundled_presets()
    for name, table in (config or {}).items():
        base = dict(raw.get(name.upper(), {}))
        base.update(dict(table))
        base.pop("source_key", None)
        if "source" not in table:
            base["source"] = CONFIG_SOURCE
            base["source_key"] = "config"
        if "as_of" not in table:
            base["as_of"] = "unknown"
        raw[name.upper()] = base
    return raw


def _number(table: Mapping[str, Any], key: str, name: str, default: float | None = None) -> float:
    value = table.get(key, default)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError("bad_preset", f"preset {name}: '{key}' must be a number (got {value!r})", name=name, option=key, value=repr(value))
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
                raise ScenarioError("bad_underlying", f"preset {name}: underlying {underlying!r} is not a preset",
                                    name=name, underlying=str(underlying))
            bond = {**under, **{k: v for k, v in table.items() if k in ("duration", "convexity", "yield", "ladder")}}
        ladder = bond.get("ladder", DEFAULT_LADDER)
        source_key = table.get("source_key")
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
            source_key=str(source_key) if source_key is not None else None,
        )
    return out
