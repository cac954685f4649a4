"""The market as it was known day by day: each value dated by the day it was published, not the day it describes.

FRED's H.15 yields for day D come out on the next business day, the Fed's Wednesday balance sheet on
Thursday, NFCI the following Wednesday (the catalog's `published_lag_days`). Replaying history or
evaluating "as of" a past day on the observation dates would use numbers nobody had yet; re-dating
each value to its release day and then cutting at the evaluation day uses only what was known.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from regimebot.macro.calendars import release_days
from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market, make_closes


def as_published(market: Market, catalog: Catalog) -> Market:
    """The market with every catalog series re-dated to its release days and derived series recomputed.

    Series without a publication lag keep their dates. When two observations reach the same release
    day (a value skipped over a holiday), the newer one is what was known. Symbols outside the catalog
    are kept as they are.
    """
    derived = {s.id for s in catalog.derived()}
    observed: dict[str, pd.Series] = {}
    for column in market.closes.columns:
        sid = str(column)
        if sid in derived:
            continue
        values = market.series(sid)
        if sid in catalog and catalog[sid].published_lag_days and not values.empty:
            released = release_days(pd.DatetimeIndex(values.index), catalog[sid])
            values = pd.Series(values.to_numpy(), index=released, name=sid)
            values = values[~values.index.duplicated(keep="last")]
        observed[sid] = values
    closes = make_closes(observed, catalog)
    return Market(closes, market.source, market.simulated, market.errors)


def known_on(market: Market, catalog: Catalog, day: date) -> Market:
    """Everything that had been published by the evening of `day`, each value dated by its release."""
    return as_published(market, catalog).until(day)
