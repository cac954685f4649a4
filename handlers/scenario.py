"""/scenario: bond fund repricing, leveraged funds, margin, portfolio shocks and asymmetric bets."""

from __future__ import annotations

import unicodedata
from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import market_now, source_line, usage_text
from regimebot.macro.market import Market
from regimebot.macro.providers import DataError
from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bets import DEFAULT_MAX_STAKE, BetScenario, bet_scenario
from regimebot.macro.scenario.bonds import DEFAULT_SHIFTS_BP, BondScenario, bond_scenario, fit_ladder
from regimebot.macro.scenario.grammar import BetQuery, BondQuery, GrammarError, MarginQuery, ShockQuery, parse_scenario
from regimebot.macro.scenario.leveraged import DAYS_PER_YEAR, LeveragedScenario, leveraged_scenario
from regimebot.macro.scenario.margin import MarginScenario, margin_scenario
from regimebot.macro.scenario.presets import Preset, load_presets
from regimebot.macro.scenario.shocks import ShockScenario, shock_scenario

DEFAULT_VOL_BP = 100.0  # assumed annual yield volatility for leveraged funds (override vol=)
DEFAULT_FINANCING = 0.04  # assumed financing rate on the borrowed part (override fin=)
DEFAULT_PATHS = 2000
MAX_STEPS = 2_000_000  # paths × days simulated per shift: bounds memory (~100 MB) and time
DEFAULT_SEED = 7
LEVERAGED_SHIFTS_BP = (-100.0, 100.0)
LOW_R2 = 0.3
MAX_BETA_COLUMNS = 3


def pct(value: float, digits: int = 1) -> str:
    """A signed percentage from a decimal: 0.164 → '+16.4%'."""
    return f"{value * 100:+.{digits}f}%"


def cell(text: str, width: int, left: bool = False) -> str:
    """Pad for a monospace <pre> table, counting CJK characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    gap = " " * max(0, width - used)
    return text + gap if left else gap + text


def grammar_message(lang: str, err: GrammarError, escape: bool = True) -> str:
    """What was wrong with which argument, in `lang` (HTML-escaped unless for a terminal)."""
    quote = esc if escape else str
    expected = t(lang, f"scenario.expect.{err.expected}") if err.expected else ""
    return t(
        lang,
        f"scenario.error.{err.reason}",
        arg=quote(err.arg[:40]),
        expected=expected,
        range=quote(err.range),
        option=quote(err.key),
        choices=quote(err.choices),
    )


def grammar_problem(req: Request, err: GrammarError) -> Reply:
    """The usage of the asking command plus what was wrong with which argument."""
    return Reply(f"⚠️ {grammar_message(req.lang, err)}\n{usage_text(req)}")


def problem_reply(req: Request, key: str, **values: Any) -> Reply:
    text = t(req.lang, key, **{k: esc(v) for k, v in values.items()})
    return Reply(f"⚠️ {text}\n{usage_text(req)}")


def presets_for(req: Request) -> dict[str, Preset]:
    return load_presets(req.services.settings.scenario_presets)


def preset_line(lang: str, preset: Preset) -> str:
    return "<i>" + t(lang, "scenario.preset", name=esc(preset.name), source=esc(preset.source), as_of=esc(preset.as_of)) + "</i>"


# ---- bond funds -------------------------------------------------------------------------------


def ladder_text(lang: str, answer: BondScenario) -> str:
    lo, hi = min(answer.ladder.maturities), max(answer.ladder.maturities)
    return t(lang, "scenario.bond.ladder", lo=f"{lo:g}", hi=f"{hi:g}", coupon=f"{answer.ladder.coupon * 100:.2f}")


def format_bond(lang: str, answer: BondScenario, preset: Preset, horizon: str) -> str:
    head = t(lang, "scenario.bond.title", fund=esc(answer.fund), horizon=esc(horizon))
    cols = t(lang, "scenario.bond.columns").split("|")
    lines = [" ".join(cell(c, w) for c, w in zip(cols, (7, 7, 7, 6, 7)))]
    for r in answer.rows:
        lines.append(f"{r.shift_bp:>+5.0f}bp {pct(r.price_return):>7} {pct(r.taylor_return):>7} {pct(r.carry):>6} {pct(r.total):>7}")
    model = t(
        lang,
        "scenario.bond.model",
        ladder=ladder_text(lang, answer),
        duration=f"{answer.duration:.1f}",
        yield_=f"{answer.yield_ * 100:.2f}",
        convexity=f"{answer.convexity:.0f}",
        ladder_convexity=f"{answer.ladder_convexity:.0f}",
    )
    parts = [f"<b>{head}</b>", "<pre>" + esc("\n".join(lines)) + "</pre>", model]
    for bp, low, high, where in answer.claims:
        row = next(r for r in answer.rows if r.shift_bp == bp)
        parts.append(
            t(lang, f"scenario.claim.{where}", shift=f"{bp:+.0f}", low=f"{low:g}", high=f"{high:g}", model=pct(row.price_return))
        )
    parts.append(preset_line(lang, preset))
    return "\n".join(parts)


def format_leveraged(lang: str, answers: list[LeveragedScenario], preset: Preset, underlying: str, horizon: str) -> str:
    first = answers[0]
    head = t(lang, "scenario.lev.title", fund=esc(first.fund), leverage=f"{first.leverage:g}", horizon=esc(horizon))
    naive = t(lang, "scenario.lev.naive", leverage=f"{first.leverage:g}", underlying=esc(underlying))
    cols = t(lang, "scenario.lev.columns").split("|")
    lines = [" ".join(cell(c, 7) for c in (cols[0], "5%", "50%", "95%"))]
    for a in answers:
        lines.append(f"{a.shift_bp:>+5.0f}bp {pct(a.fund_outcome.p5):>7} {pct(a.fund_outcome.p50):>7} {pct(a.fund_outcome.p95):>7}")
        lines.append(f"{cell(cols[1], 7)} {pct(a.naive.p5):>7} {pct(a.naive.p50):>7} {pct(a.naive.p95):>7}")
    drags = ", ".join(f"{a.shift_bp:+.0f}bp: {a.drag * 100:+.1f} / {a.volatility_drag * 100:+.1f} pp" for a in answers)
    model = t(
        lang,
        "scenario.lev.model",
        paths=first.paths,
        seed=first.seed,
        vol=f"{first.vol_bp:g}",
        underlying=esc(underlying),
        duration=f"{preset.duration:.1f}",
        yield_=f"{first.yield_ * 100:.2f}",
        fee=f"{first.expense_ratio * 100:.2f}",
        financing=f"{first.financing * 100:.2f}",
        borrowed=f"{first.leverage - 1:g}",
    )
    return "\n".join(
        [
            f"<b>{head}</b>",
            "<pre>" + esc("\n".join(lines)) + "</pre>",
            t(lang, "scenario.lev.rows", fund=esc(first.fund), naive=naive),
            t(lang, "scenario.lev.drag", drags=esc(drags)),
            model,
            preset_line(lang, preset),
        ]
    )


def run_bond(query: BondQuery, presets: dict[str, Preset]) -> tuple[Preset, BondScenario | list[LeveragedScenario]]:
    """Compute a bond query with the preset's inputs (overridden by the query's); pure, raises ScenarioError."""
    preset = presets[query.fund]
    duration = query.duration if query.duration is not None else preset.duration
    convexity = query.convexity if query.convexity is not None else preset.convexity
    y = query.yield_ if query.yield_ is not None else preset.yield_
    leverage = query.leverage if query.leverage is not None else preset.leverage
    used = Preset(preset.name, duration, convexity, y, preset.as_of, preset.source, leverage, preset.underlying, preset.expense_ratio, preset.ladder)
    if leverage == 1.0:
        return used, bond_scenario(query.fund, duration, convexity, y, query.shifts_bp or DEFAULT_SHIFTS_BP, query.horizon.years, preset.ladder)
    ladder = fit_ladder(duration, y, preset.ladder)
    days = max(1, round(query.horizon.years * DAYS_PER_YEAR))
    most = max(1, MAX_STEPS // days)
    if query.paths is not None and query.paths > most:
        raise ScenarioError(f"paths={query.paths} over {query.horizon.text} is too many: at most {most}")
    paths = query.paths or min(DEFAULT_PATHS, most)
    answers = [
        leveraged_scenario(
            query.fund,
            ladder,
            y,
            bp,
            query.horizon.years,
            vol_bp=query.vol_bp if query.vol_bp is not None else DEFAULT_VOL_BP,
            leverage=leverage,
            expense_ratio=query.fee if query.fee is not None else preset.expense_ratio,
            financing=query.financing if query.financing is not None else DEFAULT_FINANCING,
            paths=paths,
            seed=query.seed if query.seed is not None else DEFAULT_SEED,
        )
        for bp in (query.shifts_bp or LEVERAGED_SHIFTS_BP)
    ]
    return used, answers


def _bond_reply(req: Request, query: BondQuery, presets: dict[str, Preset]) -> Reply:
    preset, answer = run_bond(query, presets)
    if isinstance(answer, BondScenario):
        return Reply(format_bond(req.lang, answer, preset, query.horizon.text))
    underlying = preset.underlying or t(req.lang, "scenario.lev.the_underlying")
    return Reply(format_leveraged(req.lang, answer, preset, underlying, query.horizon.text))


# ---- margin and bets ---------------------------------------------------------------------------


def format_margin(lang: str, answer: MarginScenario, assumed_mm: bool) -> str:
    parts = [f"<b>{t(lang, 'scenario.margin.title', leverage=f'{answer.leverage:g}', mm=f'{answer.maintenance * 100:g}')}</b>"]
    if assumed_mm:
        parts.append(t(lang, "scenario.margin.assumed_mm", mm=f"{answer.maintenance * 100:g}"))
    if answer.leverage == 1.0:
        parts.append(t(lang, "scenario.margin.no_debt"))
    elif answer.call_fall <= 0:
        parts.append("⚠️ " + t(lang, "scenario.margin.already"))
    else:
        parts.append(t(lang, "scenario.margin.call", fall=f"{answer.call_fall * 100:.1f}"))
    after = answer.after
    if after is not None:
        if after.leverage is None:
            parts.append("🔴 " + t(lang, "scenario.margin.wiped", fall=f"{after.fall * 100:g}"))
        else:
            key = "scenario.margin.after_call" if after.margin_call else "scenario.margin.after_ok"
            parts.append(t(lang, key, fall=f"{after.fall * 100:g}", equity=pct(after.equity_change), leverage=f"{after.leverage:.2f}"))
    parts.append(t(lang, "scenario.margin.model"))
    return "\n".join(parts)


def format_bet(lang: str, answer: BetScenario) -> str:
    parts = [
        f"<b>{t(lang, 'scenario.bet.title', p=f'{answer.p * 100:g}', up=pct(answer.up, 0), down=pct(answer.down, 0))}</b>",
        t(lang, "scenario.bet.ev", ev=pct(answer.expected_value)),
        t(lang, "scenario.bet.break_even", p=f"{answer.break_even_p * 100:.1f}"),
    ]
    if answer.kelly <= 0:
        parts.append("⚠️ " + t(lang, "scenario.bet.no_edge"))
    else:
        parts.append(t(lang, "scenario.bet.kelly", kelly=f"{answer.kelly * 100:.1f}", half=f"{answer.kelly * 50:.1f}"))
        if answer.too_big:
            parts.append(
                "⚠️ " + t(lang, "scenario.bet.too_big", max=f"{answer.max_stake * 100:g}", loss=f"{answer.kelly_loss * 100:.1f}")
            )
    parts.append(t(lang, "scenario.bet.model"))
    return "\n".join(parts)


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
        return Reply("⚠️ " + t(req.lang, "scenario.bad_preset", error=esc(exc)))
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
            answer = margin_scenario(query.leverage, query.maintenance, query.fall)
            return Reply(format_margin(req.lang, answer, not query.maintenance_given))
        if isinstance(query, BetQuery):
            answer = bet_scenario(query.p, query.up, query.down, query.max_stake or DEFAULT_MAX_STAKE)
            return Reply(format_bet(req.lang, answer))
        return _shock_reply(req, query)
    except ScenarioError as exc:
        return problem_reply(req, "scenario.cannot", error=str(exc))
