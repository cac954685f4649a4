"""/dxy, /tlt and /quote: the latest readings of catalog series (or any yfinance symbol), compact for a phone."""

from __future__ import annotations

import re
import time

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.readings import format_reading, format_source
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import market_clock, usage_reply
from regimebot.macro.catalog import Series, adhoc_series
from regimebot.macro.providers import DataError
from regimebot.macro.readings import Reading, reading

MAX_SYMBOLS = 6
FIRST_LOAD_WAIT = 2.0  # seconds a command waits for a new bot's first refresh before saying it is loading
_SYMBOL = re.compile(r"^[A-Za-z0-9^=.\-]{1,20}$")


def format_readings(lang: str, readings: list[Reading], labels: list[str]) -> str:
    """Readings separated by blank lines, then each distinct data source (SIMULATED said plainly)."""
    body = "\n\n".join(format_reading(r, lang) for r in readings)
    footer = [f"<i>{format_source(label, lang)}</i>" for label in dict.fromkeys(labels)]
    if any(r.simulated for r in readings):
        footer.append(f"<i>{t(lang, 'common.simulated')}</i>")
    return body + "\n\n" + "\n".join(footer)


def _readings(req: Request, names: list[str]) -> Reply:
    services = req.services
    catalog = services.catalog
    wanted: list[Series] = []
    adhoc: list[str] = []
    yfinance = services.settings.data.kind == "yfinance"
    for name in names:
        if not _SYMBOL.match(name):
            return usage_reply(req, "market.bad_symbol", name=name[:24])
        series = catalog.resolve(name)
        if series is not None:
            if series not in wanted:
                wanted.append(series)
        elif yfinance:
            sym = adhoc_series(name).id
            if sym not in adhoc:
                adhoc.append(sym)
        else:
            return usage_reply(req, "market.unknown_series", name=name[:24], known=" ".join(catalog.ids))
    readings: list[Reading] = []
    labels: list[str] = []
    if wanted:
        market = services.market_data.first_market(FIRST_LOAD_WAIT)
        if market is None:  # a new bot's first refresh is still running: say so rather than "no data"
            since = services.market_data.refreshing_since()
            seconds = max(0, round(time.time() - since)) if since is not None else 0
            return Reply("⏳ " + t(req.lang, "market.loading", seconds=seconds))
        readings += [reading(market, s, now=market_clock(market)) for s in wanted]
        labels.append(market.label)
    if adhoc:
        try:
            extra = services.market_data.adhoc(adhoc)
        except DataError as exc:
            return Reply("⚠️ " + t(req.lang, "market.fetch_failed", error=esc(exc)))
        readings += [reading(extra, adhoc_series(sym), now=market_clock(extra)) for sym in adhoc]
        labels.append(extra.label)
    return Reply(format_readings(req.lang, readings, labels))


@REGISTRY.command("dxy", summary="cmd.dxy.summary", usage="cmd.dxy.usage", group="market")
def dxy(req: Request) -> Reply:
    """The US dollar index reading."""
    if req.args:
        return usage_reply(req, "market.no_args")
    return _readings(req, ["DXY"])


@REGISTRY.command("tlt", summary="cmd.tlt.summary", usage="cmd.tlt.usage", group="market")
def tlt(req: Request) -> Reply:
    """The 20+ year Treasury ETF reading, with the 30-year yield beside it."""
    if req.args:
        return usage_reply(req, "market.no_args")
    return _readings(req, ["TLT", "US30Y"])


@REGISTRY.command("quote", summary="cmd.quote.summary", usage="cmd.quote.usage", group="market")
def quote(req: Request) -> Reply:
    """Readings of up to six series: catalog ids (DXY, US10Y…) or, on yfinance data, any symbol."""
    if not req.args:
        return usage_reply(req, "market.need_symbol")
    if len(req.args) > MAX_SYMBOLS:
        return usage_reply(req, "market.too_many", limit=MAX_SYMBOLS)
    return _readings(req, list(req.args))
