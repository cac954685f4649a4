"""The market as the engine sees it: a wide frame of daily closes plus where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from regimebot.macro.catalog import Catalog, with_derived


@dataclass(frozen=True)
class Market:
    """Daily closes of many series, as of some date.

    `closes` is a wide DataFrame: a naive, sorted, unique DatetimeIndex named "date" (one row per
    calendar date on which any series has an observation), one float column per series id, NaN
    where a series has no observation that day. Derived series (CREDIT, HIBETA, CURVE_30_5) are
    included. `errors` maps series ids to the data error of the last refresh (stale/unknown).
    """

    closes: pd.DataFrame
    source: str
    simulated: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The data source as shown to users: its kind (never a server folder); simulated data always says so."""
        kind = source_kind(self.source)
        return f"{kind} (SIMULATED)" if self.simulated else kind

    def series(self, series_id: str) -> pd.Series:
        """One series' own observations (NaN rows dropped), oldest first."""
        if series_id not in self.closes.columns:
            return pd.Series(dtype="float64", name=series_id, index=pd.DatetimeIndex([], name="date"))
        return self.closes[series_id].dropna()

    def last_date(self) -> date | None:
        if self.closes.empty:
            return None
        return pd.Timestamp(self.closes.index[-1]).date()

    def until(self, as_of: date | pd.Timestamp | str) -> Market:
        """The market as it was known at the close of `as_of` (later rows dropped)."""
        cut = pd.Timestamp(as_of)
        return Market(self.closes.loc[:cut], self.source, self.simulated, self.errors)


def source_kind(source: str) -> str:
    """What kind of source a provider's name is (`csv`, `yfinance`, `fred`, `demo`): `csv:/srv/data` is `csv`."""
    return source.split(":", 1)[0].strip() or "unknown"


def make_closes(observations: Mapping[str, pd.Series], catalog: Catalog | None = None) -> pd.DataFrame:
    """Build the wide closes frame from per-series observations (index: dates, values: closes)."""
    cols = {}
    for sid, s in observations.items():
        s = pd.Series(s, dtype="float64").dropna()
        idx = pd.DatetimeIndex(pd.to_datetime(s.index))
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        s.index = idx.normalize()
        s = s[~s.index.duplicated(keep="last")].sort_index()
        cols[sid] = s
    if cols:
        frame = pd.concat(cols, axis=1, sort=True)
    else:
        frame = pd.DataFrame(index=pd.DatetimeIndex([]))
    frame.index.name = "date"
    frame = frame.astype("float64")
    if catalog is not None:
        frame = with_derived(frame, catalog)
    return frame
