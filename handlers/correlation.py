"""/corr: correlation of daily changes for the chat's portfolio (or named series), as text and a heatmap."""

from __future__ import annotations

from regimebot.handlers.charts import render_heatmap
from regimebot.handlers.messages.correlation import format_correlation
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.scenario import refusal
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.scenario import grammar_problem, problem_reply
from regimebot.handlers.usage import market_now, usage_text
from regimebot.macro.correlation import CorrelationError, correlation_report
from regimebot.macro.providers import DataError
from regimebot.macro.scenario.grammar import GrammarError, parse_corr


@REGISTRY.command("corr", summary="cmd.corr.summary", usage="cmd.corr.usage", group="portfolio")
def corr(req: Request) -> Reply:
    """Correlation matrix, same-bet pairs, effective bets, diversification ratio, and hedges that moved."""
    catalog = req.services.catalog
    try:
        query = parse_corr(req.args, catalog)
    except GrammarError as err:
        return grammar_problem(req, err)
    weights = None
    series = list(query.series)
    if not series:
        book = req.services.store.portfolios.load_portfolio(req.chat.id)
        if len(book) < 2:
            return problem_reply(req, "corr.need_portfolio")
        series, weights = list(book), book
    elif len(series) < 2:
        return problem_reply(req, "corr.need_two")
    try:
        market = market_now(req)
    except DataError as exc:
        return Reply("⚠️ " + t(req.lang, "scenario.no_data", error=esc(exc)))
    try:
        report = correlation_report(market, series, catalog, query.lookback.days, weights)
    except CorrelationError as exc:
        return Reply("⚠️ " + t(req.lang, "corr.cannot", error=refusal(req.lang, exc.key, exc.values)) + "\n" + usage_text(req))
    text = format_correlation(req.lang, report, query.lookback.text, weights is not None, market)
    title = f"{query.lookback.text} → {report.end.isoformat()}"  # ASCII-safe: the chart font has no CJK glyphs
    image = render_heatmap(report.matrix, report.series, title, market.label)
    return Reply(text, image=image, image_name="correlation.png")
