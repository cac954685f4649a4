"""`regimebot quote` (readings) and `regimebot fetch` (fill the price cache).

Registering the subcommands imports nothing heavy: the data wiring is imported when a command runs.
"""

from __future__ import annotations

import argparse
import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from regimebot.bot.cli.common import UsageError, iso_date, print_json
from regimebot.bot.config import Settings

if TYPE_CHECKING:
    from regimebot.macro.readings import Reading


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    quote = sub.add_parser("quote", help="latest readings of series (catalog ids or yfinance symbols)")
    quote.add_argument("series", nargs="+", metavar="SERIES", help="catalog id (DXY, TLT, US10Y…) or a yfinance symbol")
    quote.add_argument("--json", action="store_true", help="machine-readable output")
    quote.add_argument("--cached", action="store_true", help="use the cache only, do not refresh")
    quote.set_defaults(func=run_quote)

    fetch = sub.add_parser("fetch", help="fill the price cache from the data source")
    fetch.add_argument("--start", metavar="DATE", help="first date to fetch for series not cached yet (ISO, default: history_start)")
    fetch.set_defaults(func=run_fetch)


def run_quote(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.bot.services import open_data
    from regimebot.handlers.messages.readings import format_reading
    from regimebot.macro.catalog import adhoc_series
    from regimebot.macro.readings import reading

    services = open_data(settings)
    catalog = services.catalog
    wanted, adhoc = [], []
    for name in args.series:
        found = catalog.resolve(name)
        if found is not None:
            wanted.append(found)
        elif settings.data.kind == "yfinance":
            adhoc.append(name)
        else:
            raise UsageError(f"SERIES: unknown series {name!r}; known: {', '.join(catalog.ids)} "
                             "(any yfinance symbol works when REGIMEBOT_DATA=yfinance)")
    market = services.market_data.market() if args.cached else services.market_data.refresh()
    readings = [reading(market, s) for s in wanted]
    if adhoc:
        extra = services.market_data.adhoc(adhoc)
        readings += [reading(extra, adhoc_series(sym)) for sym in adhoc]
    if args.json:
        print_json({
            "source": market.label,
            "simulated": market.simulated,
            "readings": [_reading_json(r) for r in readings],
        })
    else:
        for r in readings:
            print(format_reading(r, settings.language, html_mode=False))
            print()
        print(f"Data: {market.label}")
    return 0 if any(r.known for r in readings) else 1


def _reading_json(r: Reading) -> dict[str, Any]:
    out = dataclasses.asdict(r)
    out["change_unit"] = "bp" if r.in_bp else "percent"
    out.pop("in_bp")
    return out


def run_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.bot.services import open_data
    from regimebot.handlers.messages.i18n import t
    from regimebot.handlers.messages.sources import source_line

    if args.start:
        settings = dataclasses.replace(settings, history_start=iso_date(args.start, "--start"))
    services = open_data(settings)
    requests = services.market_data.requests()
    market = services.market_data.refresh()
    failed = 0
    for req in requests:
        s = market.series(req.series_id)
        error = market.errors.get(req.series_id)
        status = f"error: {error}" if error else f"{len(s)} closes, last {s.index[-1].date()}" if len(s) else "no data"
        failed += bool(error)
        print(f"{req.series_id:8s} {req.symbol:10s} from {req.start}  {status}")
    statuses = services.store.prices.source_status()
    print(f"{t(settings.language, 'sources.title')}: " + "; ".join(
        source_line(settings.language, st, datetime.now(UTC), html_mode=False) for st in statuses))
    print(f"Data: {market.label}; cache: {settings.db}")
    return 1 if failed == len(requests) else 0
