"""What a thesis protects: the position it holds and the loss (pain) it exists to avoid.

A thesis declares `position = { series = "TLT", side = "long" }` (a catalog series you can hold,
long or short) and optionally `pain = { drawdown_pct = 10, within_days = 20 }`: a loss of at least
`drawdown_pct` percent from a day's close, reached at some close within the next `within_days`
business days (Monday to Friday). Without `pain`, the default of the position's asset class applies.
The scorecard (macro.scorecard) measures every alert against this pain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from regimebot.macro.catalog import Catalog
from regimebot.macro.signal_specs import WatchlistError, _keys

SIDES = ("long", "short")
MAX_WITHIN_DAYS = 260  # about a business year

# Catalog series a position can hold, by asset class (yields, ratios and volatility indices are not holdings
# with an obvious default: a thesis on one of them must declare its pain).
ASSET_CLASSES: Mapping[str, str] = MappingProxyType({
    "SPX": "equity", "EWJ": "equity", "SPHB": "equity", "SPLV": "equity",
    "TLT": "long_duration", "IEF": "duration", "TMF": "leveraged_duration",
    "HYG": "credit", "LQD": "credit",
    "DXY": "currency", "USDJPY": "currency", "EURUSD": "currency",
    "GOLD": "gold", "BTC": "crypto",
})


@dataclass(frozen=True)
class Pain:
    """A loss of at least `drawdown_pct`% from a close, reached within `within_days` business days."""

    drawdown_pct: float
    within_days: int
    default: bool = False  # True: the asset class's default, not declared by the thesis

    def to_dict(self) -> dict[str, float | int | bool]:
        return {"drawdown_pct": self.drawdown_pct, "within_days": self.within_days, "default": self.default}


# Defaults: roughly a two-sigma 20-business-day loss for the class's typical volatility (annualised:
# equities ~18%, long Treasuries ~15%, 7-10y ~7%, TMF ~45%, high yield ~8%, the dollar ~8%,
# gold ~16%, bitcoin ~65%), i.e. a loss a holder notices and cannot shrug off as daily noise.
DEFAULT_PAIN: Mapping[str, Pain] = MappingProxyType({
    "equity": Pain(10.0, 20, True),
    "long_duration": Pain(8.0, 20, True),
    "duration": Pain(4.0, 20, True),
    "leveraged_duration": Pain(25.0, 20, True),
    "credit": Pain(5.0, 20, True),
    "currency": Pain(4.0, 20, True),
    "gold": Pain(10.0, 20, True),
    "crypto": Pain(30.0, 20, True),
})


@dataclass(frozen=True)
class Position:
    """The holding a thesis protects: a catalog series, held long or short."""

    series: str
    side: str

    def to_dict(self) -> dict[str, str]:
        return {"series": self.series, "side": self.side}


def parse_position(raw: Any, where: str, catalog: Catalog) -> Position:
    """`{ series = "TLT", side = "long" }`, checked against the catalog."""
    example = 'position = { series = "TLT", side = "long" }'
    if raw is None:
        raise WatchlistError(f"{where}: position is required (the holding the thesis protects), e.g. {example}")
    if not isinstance(raw, Mapping):
        raise WatchlistError(f"{where}: position must be a table like {example} (got {raw!r})")
    _keys(raw, {"series", "side"}, f"{where}: position")
    series, side = raw.get("series"), raw.get("side")
    if not isinstance(series, str) or series not in catalog:
        raise WatchlistError(f"{where}: position series {series!r} is not in the catalog; known: {', '.join(catalog.series)}")
    kind = catalog.series[series].kind
    if kind in ("yield", "derived"):
        raise WatchlistError(f"{where}: position series {series} is a {kind} series, not a holding; name a price or index series")
    if side not in SIDES:
        raise WatchlistError(f"{where}: position side must be long or short (got {side!r})")
    return Position(series=series, side=side)


def parse_pain(raw: Any, where: str, position: Position) -> Pain:
    """`{ drawdown_pct = 10, within_days = 20 }`, or the position's asset-class default when omitted."""
    if raw is None:
        asset_class = ASSET_CLASSES.get(position.series)
        if asset_class is None:
            raise WatchlistError(f"{where}: position series {position.series} has no default pain; "
                                 "declare pain = { drawdown_pct = 10, within_days = 20 }")
        return DEFAULT_PAIN[asset_class]
    if not isinstance(raw, Mapping):
        raise WatchlistError(f"{where}: pain must be a table like {{ drawdown_pct = 10, within_days = 20 }} (got {raw!r})")
    _keys(raw, {"drawdown_pct", "within_days"}, f"{where}: pain")
    drawdown, within = raw.get("drawdown_pct"), raw.get("within_days")
    if isinstance(drawdown, bool) or not isinstance(drawdown, int | float) or not 0 < drawdown <= 100:
        raise WatchlistError(f"{where}: pain drawdown_pct must be a number of percent above 0 and at most 100 (got {drawdown!r})")
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN_DAYS:
        raise WatchlistError(f"{where}: pain within_days must be a whole number of business days from 1 to "
                             f"{MAX_WITHIN_DAYS} (got {within!r})")
    return Pain(drawdown_pct=float(drawdown), within_days=within)
