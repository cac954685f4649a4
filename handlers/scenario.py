"""/scenario: bond fund repricing, leveraged funds, margin, portfolio shocks and asymmetric bets."""

from __future__ import annotations

from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.scenario import (
    cell,
    format_bet,
    format_bond,
    format_leveraged,
    format_margin,
    grammar_message,
    pct,
    refusal,
)
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import market_now, source_line, usage_text
from regimebot.macro.correlation import CorrelationError
from regimebot.macro.market import Market
from regimebot.macro.providers import DataError
from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bets import DEFAULT_MAX_STAKE, bet_scenario
from regimebot.macro.scenario.funds import run_bond
from regimebot.macro.scenario.grammar import BetQuery, BondQuery, GrammarError, MarginQuery, ShockQuery, parse_scenario
from regimebot.macro.scenario.margin import margin_scenario
from regimebot.macro.scenario.presets import Preset, load_presets
from regimebot.macro.scenario.shocks import ShockScenario, shock_scenario

LOW_R2 = 0.3
MAX_BETA_COLUMNS = 3


def grammar_problem(req: Request, err: GrammarError) -> Reply:
    """The usage of the asking command plus what was wrong with which argument."""
    return Reply(f"⚠️ {grammar_message(req.lang, err)}\n{usage_text(req)}")


def problem_reply(req: Request, key: str, **values: Any) -> Reply:
    text = t(req.lang, key, **{k: esc(v) for k, v in values.items()})
    return Reply(f"⚠️ {text}\n{usage_text(req)}")


def refusal_reply(req: Request, exc: ScenarioError | CorrelationError) -> Reply:
    """A computation the inputs do not allow: why, in the chat's language, and the usage."""
    return Reply(f"⚠️ {refusal(req.lang, exc.key, exc.values)}\n{usage_text(req)}")


def presets_for(req: Request) -> dict[str, Preset]:
    return load_presets(req.services.settings.scenario_presets)


def _bond_reply(req: Request, query: BondQuery, presets: dict[str, Preset]) -> Reply:
    run = run_bond(query, presets)
    if run.bond is not None:
        return Reply(format_bond(req.lang, run, query.horizon.text))
    return Reply(format_leveraged(req.lang, run, query.horizon.text))


# ---- portfolio shocks --------------------------------------------------------------------------


def format_shock(lang: str, answer: ShockScenario, market: Market, lookback: str) -> str:
    shocks = " · ".join(
        f"{sid} {value:+g}bp" if answer.units[sid] == "bp" else f"{sid} {pct(value, 1)}" for sid, value in answer.shocks.items()
    )
    head = t(lang, "scenario.shock.title", shocks=esc(shocks), total=pct(answer.total))
    cols = t(lang, "scenario.shock.columns").split("|")
    lines = [" ".join([cell(cols[0], 6, left=True)] + [cell(c, w) for c, w in zip(cols[1:], (5, 7, 7, 4))])]
    for h in answer.holdings:
        r2 = "—" if h.r2 is None else f"{h.r2:.2f}"
        lines.append(f"{h.series:<6} {h.weight * 100:>4.0f}% {pct(h.move):>7} {pct(h.contribution):>7} {r2:>4}")
    parts = [f"<b>{head}</b>", "<pre>" + esc("\n".join(lines)) + "</pre>"]
    estimated = [h for h in answer.holdings if h.r2 is not None]
    shocked = list(answer.shocks)[:MAX_BETA_COLUMNS]
    if estimated:
        rows = [" ".join([cell("β", 6, left=True)] + [cell(sid[:7], 7) for sid in shocked])]
        for h in estimated:
            values = [h.betas[sid] * (10_000.0 if answer.units[sid] == "bp" else 1.0) for sid in shocked]
            rows.append(" ".join([cell(h.series, 6, left=True)] + [f"{v:>+7.2f}" for v in values]))
        parts.append("<pre>" + esc("\n".join(rows)) + "</pre>" + t(lang, "scenario.shock.beta_units"))
    parts.append(
        t(
            lang,
            "scenario.shock.model",
            series=esc(", ".join(answer.shocks)),
            lookback=esc(lookback),
            start=esc(answer.start.isoformat() if answer.start else "?"),
            end=esc(answer.end.isoformat() if answer.end else "?"),
            n=answer.observations,
        )
    )
    weak = [h.series for h in answer.holdings if h.r2 is not None and h.r2 < LOW_R2]
    if weak:
        parts.append("⚠️ " + t(lang, "scenario.shock.low_r2", series=esc(", ".join(weak)), r2=f"{LOW_R2:g}"))
    parts.append(source_line(lang, market, answer.end))
    return "\n".join(parts)


def _shock_reply(req: Request, query: ShockQuery) -> Reply:
    book = req.services.store.portfolios.load_portfolio(req.chat.id)
    if not book:
        return problem_reply(req, "scenario.shock.empty")
    try:
        market = market_now(req)
    except DataError as exc:
        return Reply("⚠️ " + t(req.lang, "scenario.no_data", error=esc(exc)))
    answer = shock_scenario(market, req.services.catalog, book, query.shocks, query.lookback.days)
    return Reply(format_shock(req.lang, answer, market, query.lookback.text))


# ---- the command -------------------------------------------------------------------------------


@REGISTRY.command("scenario", summary="cmd.scenario.summary", usage="cmd.scenario.usage", group="scenario")
def scenario(req: Request) -> Reply:
    """What-if math: `TLT -100bp`, `TMF -100bp vol=120`, `margin lev=2 mm=25%`, `shock DXY=-5%`, `bet p=30% up=35% down=-10%`."""
    try:
        presets = presets_for(req)
    except ScenarioError as exc:
        return Reply("⚠️ " + t(req.lang, "scenario.bad_preset", error=refusal(req.lang, exc.key, exc.values)))
    if not req.args:
        return Reply(usage_text(req))
    try:
        query = parse_scenario(req.args, list(presets), req.services.catalog)
    except GrammarError as err:
        return grammar_problem(req, err)
    try:
        if isinstance(query, BondQuery):
            return _bond_reply(req, query, presets)
        if isinstance(query, MarginQuery):
            margin = margin_scenario(query.leverage, query.maintenance, query.fall)
            return Reply(format_margin(req.lang, margin, not query.maintenance_given))
        if isinstance(query, BetQuery):
            bet = bet_scenario(query.p, query.up, query.down, query.max_stake or DEFAULT_MAX_STAKE)
            return Reply(format_bet(req.lang, bet))
        return _shock_reply(req, query)
    except ScenarioError as exc:
        return refusal_reply(req, exc)
