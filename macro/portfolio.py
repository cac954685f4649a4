"""A chat's portfolio: series ids with positive weights, parsed from words and normalised to 100%.

Raw weights are kept as typed (`TLT 30 GOLD 15`); shares are weight / total. Yields and spreads
cannot be held (hold TLT or IEF for duration), only prices and indices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regimebot.macro.catalog import Catalog

MAX_HOLDINGS = 20
_WEIGHT = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)%?$")
_PAIR = re.compile(r"^(.+)[=:]([^=:]*)$")


class PortfolioError(ValueError):
    """A holding or weight was not understood; `arg` is the offending word, `reason` a message key suffix."""

    def __init__(self, reason: str, arg: str = "") -> None:
        super().__init__(f"{reason}: {arg}" if arg else reason)
        self.reason = reason
        self.arg = arg


def _holding(word: str, catalog: Catalog) -> str:
    series = catalog.resolve(word)
    if series is None:
        raise PortfolioError("unknown_series", word)
    if series.changes_in_bp:
        raise PortfolioError("not_holdable", series.id)
    return series.id


def _weight(word: str) -> float:
    match = _WEIGHT.match(word.replace("％", "%"))
    if not match:
        raise PortfolioError("bad_weight", word)
    value = float(match.group(1))
    if not 0.0 < value <= 1e6:
        raise PortfolioError("bad_weight", word)
    return value


def parse_weights(words: Sequence[str], catalog: Catalog) -> dict[str, float]:
    """`TLT 30 GOLD 15`, `TLT=30 GOLD=15%` or `TLT:30` → {"TLT": 30.0, "GOLD": 15.0}, in order."""
    out: dict[str, float] = {}
    items: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        word = words[i]
        pair = None if catalog.resolve(word) else _PAIR.match(word)
        if pair:
            items.append((pair.group(1), pair.group(2)))
            i += 1
        elif i + 1 < len(words):
            items.append((word, words[i + 1]))
            i += 2
        else:
            raise PortfolioError("missing_weight", word)
    for name, weight in items:
        sid = _holding(name, catalog)
        if sid in out:
            raise PortfolioError("duplicate", sid)
        out[sid] = _weight(weight)
    if not out:
        raise PortfolioError("empty")
    if len(out) > MAX_HOLDINGS:
        raise PortfolioError("too_many", str(MAX_HOLDINGS))
    return out


def parse_names(words: Sequence[str], catalog: Catalog) -> list[str]:
    """Series ids named in `remove TLT GOLD`."""
    ids = []
    for word in words:
        series = catalog.resolve(word)
        if series is None:
            raise PortfolioError("unknown_series", word)
        ids.append(series.id)
    if not ids:
        raise PortfolioError("empty")
    return ids


def add_holdings(book: Mapping[str, float], new: Mapping[str, float]) -> dict[str, float]:
    """The book with `new` holdings added (a holding already there takes the new weight)."""
    out = dict(book)
    out.update(new)
    if len(out) > MAX_HOLDINGS:
        raise PortfolioError("too_many", str(MAX_HOLDINGS))
    return out


def remove_holdings(book: Mapping[str, float], ids: Sequence[str]) -> dict[str, float]:
    """The book without `ids`; naming a series not held is an error."""
    absent = [sid for sid in ids if sid not in book]
    if absent:
        raise PortfolioError("not_held", absent[0])
    return {sid: w for sid, w in book.items() if sid not in ids}


def normalise(book: Mapping[str, float]) -> dict[str, float]:
    """Shares of the total (summing to 1), same order."""
    total = sum(book.values())
    if total <= 0:
        return {}
    return {sid: w / total for sid, w in book.items()}


@dataclass(frozen=True)
class Holding:
    series: str
    weight: float
    share: float


def holdings(book: Mapping[str, float]) -> list[Holding]:
    shares = normalise(book)
    return [Holding(sid, w, shares[sid]) for sid, w in book.items()]
