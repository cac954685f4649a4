"""/chart SERIES [period]: a price chart with the watch list's warn/breach levels for that series."""

from __future__ import annotations

import pandas as pd

from regimebot.handlers.charts import render_price_chart, visible_thresholds
from regimebot.handlers.context import Services
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.scenario import grammar_problem, problem_reply
from regimebot.handlers.usage import market_now, source_line, usage_text
from regimebot.macro.providers import DataError
from regimebot.macro.scenario.grammar import GrammarError, parse_chart

MIN_POINTS = 2


def thresholds(services: Services, series_id: str) -> list[tuple[str, str, float]]:
    """The watch list's (signal id, warn|breach, level) for a series; none when it has no level signal on it."""
    return services.watchlist.thresholds_for(series_id)


@REGISTRY.command("chart", summary="cmd.chart.summary", usage="cmd.chart.usage", group="market")
def chart(req: Request) -> Reply:
    """Draw a series over a period (default 1y) with its thresholds, as a photo."""
    if not req.args:
        return Reply(usage_text(req))
    try:
        query = parse_chart(req.args, req.services.catalog)
    except GrammarError as err:
        return grammar_problem(req, err)
    try:
        market = market_now(req)
    except DataError as exc:
        return Reply("⚠️ " + t(req.lang, "scenario.no_data", error=esc(exc)))
    values = market.series(query.series)
    if not values.empty:
        values = values.loc[values.index > values.index[-1] - pd.Timedelta(days=query.period.days)]
    if len(values) < MIN_POINTS:
        return problem_reply(req, "chart.no_data", series=query.series)
    series = req.services.catalog[query.series]
    levels = thresholds(req.services, query.series)
    near, far = visible_thresholds(values, levels)
    title = f"{query.series} · {query.period.text}"
    image = render_price_chart(values, title, series.unit, market.label, near)
    last = float(values.iloc[-1])
    parts = [
        "<b>" + esc(f"{series.id} — {series.name}") + "</b>",
        t(req.lang, "chart.last", value=f"{last:,.4g}", unit=esc(series.unit), start=values.index[0].date().isoformat(), n=len(values)),
    ]
    if near or far:
        lines = [f"{sid} {state} {level:,.4g}" for sid, state, level in near + far]
        parts.append(t(req.lang, "chart.thresholds") + " " + esc("; ".join(lines)))
        if far:
            parts.append(t(req.lang, "chart.off_chart", n=len(far)))
    parts.append(source_line(req.lang, market, values.index[-1].date()))
    return Reply("\n".join(parts), image=image, image_name=f"{series.id.lower()}.png")
