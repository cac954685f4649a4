"""`regimebot scenario …` and `regimebot corr …`: the chat's /scenario and /corr on the command line.

Both take the same words as the chat commands (macro/scenario/grammar.py), e.g.
`regimebot scenario TLT -100bp horizon=6m`, `regimebot scenario margin lev=2 mm=25%`,
`regimebot scenario shock DXY=-5% US10Y=-100bp --chat 12345` (the chat's stored portfolio),
`regimebot corr TLT SPX GOLD DXY lookback=2y [--png heatmap.png]`. `--json` prints one JSON object (NaN → null);
percentages in JSON are in percent (16.4 means +16.4%), yields moves in bp, dates ISO.

JSON shapes: README.md, "Machine-readable output (`--json`)" (one place, so they cannot drift apart).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regimebot.bot.cli.common import UsageError, print_json
from regimebot.bot.config import Settings
from regimebot.bot.console.render import render_html
from regimebot.handlers.messages.i18n import t

if TYPE_CHECKING:  # registering the subcommands imports no math (pandas) and no market-data wiring
    from regimebot.bot.services import DataServices
    from regimebot.macro.correlation import CorrelationError
    from regimebot.macro.market import Market
    from regimebot.macro.scenario import ScenarioError
    from regimebot.macro.scenario.answers import ScenarioAnswer, ShockInputs
    from regimebot.macro.scenario.funds import BondRun
    from regimebot.macro.scenario.grammar import BondQuery, GrammarError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sc = sub.add_parser("scenario", help="what-if math: bond funds, leveraged funds, margin, portfolio shocks, bets")
    sc.add_argument("words", nargs=argparse.REMAINDER, metavar="WORDS", help="as in the chat: TLT -100bp | margin lev=2 mm=25%% | …")
    _common(sc)
    sc.set_defaults(func=run_scenario)
    co = sub.add_parser("corr", help="correlation of daily changes, same-bet pairs, effective number of bets")
    co.add_argument("words", nargs=argparse.REMAINDER, metavar="WORDS", help="SERIES… [lookback=1y] (or --chat ID for its portfolio)")
    co.add_argument("--png", metavar="PATH", help="also write the heatmap to this PNG file")
    _common(co)
    co.set_defaults(func=run_corr)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output (shape in the README)")
    parser.add_argument("--chat", metavar="ID", help="use this chat's stored portfolio (shock; corr without series)")
    parser.add_argument("--cached", action="store_true", help="use the price cache only, do not refresh")


def _split_flags(args: argparse.Namespace) -> list[str]:
    """Flags written after the words (argparse.REMAINDER keeps them there) are honoured too."""
    words: list[str] = []
    items = list(args.words or [])
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--json":
            args.json = True
        elif item == "--cached":
            args.cached = True
        elif item == "--chat":
            if i + 1 >= len(items):
                raise UsageError("--chat: expected a chat id")
            args.chat = items[i + 1]
            i += 1
        elif item.startswith("--chat="):
            args.chat = item.split("=", 1)[1]
        elif item == "--png" and hasattr(args, "png"):  # argparse's Namespace: only `corr` defines --png
            if i + 1 >= len(items):
                raise UsageError("--png: expected a file path")
            args.png = items[i + 1]
            i += 1
        elif item.startswith("--"):
            raise UsageError(f"unknown option {item}; options: --json, --chat ID, --cached (corr: --png PATH)")
        else:
            words.append(item)
        i += 1
    return words


def _chat_id(args: argparse.Namespace) -> int | None:
    if args.chat is None:
        return None
    try:
        return int(args.chat)
    except ValueError:
        raise UsageError(f"--chat: expected a numeric chat id, got {args.chat!r}") from None


def _grammar_error(settings: Settings, err: GrammarError) -> UsageError:
    from regimebot.handlers.messages.scenario import grammar_message

    return UsageError(grammar_message(settings.language, err, escape=False))


def _refusal(settings: Settings, exc: ScenarioError | CorrelationError) -> UsageError:
    from regimebot.handlers.messages.scenario import refusal

    return UsageError(render_html(t(settings.language, "scenario.cannot", error=refusal(settings.language, exc.key, exc.values))))


def _market(services: DataServices, cached: bool) -> Market:
    return services.market_data.market() if cached else services.market_data.refresh()


def _book(services: DataServices, chat_id: int | None) -> dict[str, float]:
    if chat_id is None:
        return {}
    return services.store.portfolios.load_portfolio(chat_id)


def _bond_payload(run: BondRun, query: BondQuery) -> dict[str, Any]:
    """The bond or leveraged JSON object (README shape), with the article named when its claims are checked."""
    preset = run.preset
    meta = {"name": preset.name, "source": preset.source, "as_of": preset.as_of}
    if run.bond is None:
        return {"kind": "leveraged", "fund": query.fund, "preset": meta, "scenarios": [a.as_dict() for a in run.leveraged]}
    article = None
    if run.article is not None:
        article = {"id": run.article, "title": t("en", f"scenario.article.{run.article}.title"),
                   "title_zh_tw": t("zh-TW", f"scenario.article.{run.article}.title"),
                   "date": t("en", f"scenario.article.{run.article}.date")}
    return {"kind": "bond", **run.bond.as_dict(), "preset": meta, "article": article,
            "article_claims": [c.as_dict() for c in run.claims]}


def run_scenario(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.handlers.messages.scenario import format_answer
    from regimebot.macro.catalog import load_catalog
    from regimebot.macro.scenario import ScenarioError
    from regimebot.macro.scenario.answers import answer_scenario
    from regimebot.macro.scenario.grammar import GrammarError, parse_scenario
    from regimebot.macro.scenario.presets import load_presets

    words = _split_flags(args)
    catalog = load_catalog()
    try:
        presets = load_presets(settings.scenario_presets)
    except ScenarioError as exc:
        raise UsageError(f"scenario presets in the config file: {exc}") from exc
    if not words:
        raise UsageError("scenario: expected e.g. `TLT -100bp`, `margin lev=2 mm=25%`, `shock DXY=-5% --chat ID`, `bet p=30% up=35% down=-10%`")
    try:
        query = parse_scenario(words, list(presets), catalog)
    except GrammarError as err:
        raise _grammar_error(settings, err) from err
    try:
        answer = answer_scenario(query, presets, lambda: _shock_inputs(args, settings))
    except ScenarioError as exc:
        raise _refusal(settings, exc) from exc
    payload = _payload(answer, args)
    text = format_answer(settings.language, answer)
    if args.json:
        print_json(payload)
    else:
        print(render_html(text))
    return 0


def _shock_inputs(args: argparse.Namespace, settings: Settings) -> ShockInputs:
    """The book of the chat named with --chat, and the market (refreshed unless --cached)."""
    from regimebot.bot.services import open_data
    from regimebot.macro.scenario.answers import ShockInputs

    chat_id = _chat_id(args)
    if chat_id is None:
        raise UsageError("scenario shock: give the chat whose portfolio to shock with --chat ID")
    services = open_data(settings)
    book = _book(services, chat_id)
    if not book:
        raise UsageError(f"chat {chat_id} has no portfolio: set one with /portfolio set TLT 30 GOLD 20 … in that chat")
    return ShockInputs(_market(services, args.cached), services.catalog, book)


def _payload(answer: ScenarioAnswer, args: argparse.Namespace) -> dict[str, Any]:
    """The JSON object of an answer (README shape)."""
    from regimebot.macro.scenario.grammar import BondQuery, MarginQuery

    query = answer.query
    if answer.bond is not None and isinstance(query, BondQuery):
        return _bond_payload(answer.bond, query)
    if answer.margin is not None and isinstance(query, MarginQuery):
        return {"kind": "margin", **answer.margin.as_dict(), "maintenance_assumed": not query.maintenance_given}
    if answer.bet is not None:
        return {"kind": "bet", **answer.bet.as_dict()}
    assert answer.shock is not None and answer.market is not None
    market = answer.market
    return {"kind": "shock", "data_source": market.label, "simulated": market.simulated, "chat_id": _chat_id(args),
            **answer.shock.as_dict()}


def run_corr(args: argparse.Namespace, settings: Settings) -> int:
    from regimebot.bot.services import open_data
    from regimebot.handlers.messages.correlation import format_correlation
    from regimebot.macro.catalog import load_catalog
    from regimebot.macro.correlation import CorrelationError, correlation_report
    from regimebot.macro.providers import DataError
    from regimebot.macro.scenario.grammar import GrammarError, parse_corr

    words = _split_flags(args)
    catalog = load_catalog()
    try:
        query = parse_corr(words, catalog)
    except GrammarError as err:
        raise _grammar_error(settings, err) from err
    chat_id = _chat_id(args)
    services = open_data(settings)
    series, weights = list(query.series), None
    if not series:
        book = _book(services, chat_id)
        if len(book) < 2:
            raise UsageError("corr: name two or more series (e.g. TLT SPX GOLD DXY), or --chat ID with a portfolio of two or more")
        series, weights = list(book), book
    elif len(series) < 2:
        raise UsageError("corr: name at least two series")
    market = _market(services, args.cached)
    try:
        report = correlation_report(market, series, services.catalog, query.lookback.days, weights)
    except CorrelationError as exc:
        raise DataError(f"cannot correlate {', '.join(series)} from {market.label}: {exc}") from exc
    if args.png:
        from regimebot.handlers.charts import render_heatmap

        Path(args.png).write_bytes(render_heatmap(report.matrix, report.series, f"{query.lookback.text} → {report.end.isoformat()}", market.label))
    if args.json:
        print_json({"data_source": market.label, "simulated": market.simulated, "lookback": query.lookback.text, **report.as_dict()})
    else:
        print(render_html(format_correlation(settings.language, report, query.lookback.text, weights is not None, market)))
    return 0
