"""Pure formatting of scenario answers (Telegram HTML) in the chat's language: bond and leveraged funds,
margin, bets, warnings, refusals. Every word comes from the catalogs (handlers/locales/*/scenario.toml)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.text import esc, source_line
from regimebot.macro.market import Market
from regimebot.macro.scenario import Caveat
from regimebot.macro.scenario.answers import ScenarioAnswer
from regimebot.macro.scenario.bets import BetScenario
from regimebot.macro.scenario.claims import ClaimCheck
from regimebot.macro.scenario.funds import BondRun
from regimebot.macro.scenario.grammar import BondQuery, GrammarError, MarginQuery, ShockQuery
from regimebot.macro.scenario.margin import MarginScenario
from regimebot.macro.scenario.presets import Article, Preset, articles
from regimebot.macro.scenario.shocks import ShockScenario


def pct(value: float, digits: int = 1) -> str:
    """A signed percentage from a decimal: 0.164 → '+16.4%'."""
    return f"{value * 100:+.{digits}f}%"


def pct_input(value: float) -> str:
    """An input percentage as typed, never rounded away: 0.35 → '+35%', 0.004 → '+0.4%'."""
    return f"{value * 100:+.4g}%"


def cell(text: str, width: int, left: bool = False) -> str:
    """Pad for a monospace <pre> table, counting CJK characters as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    gap = " " * max(0, width - used)
    return text + gap if left else gap + text


def _figure(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float | int) and not isinstance(value, bool) else str(value)


def refusal(lang: str, key: str, values: Mapping[str, float | str]) -> str:
    """Why a scenario or correlation cannot be computed (scenario.refuse.<key>), values escaped."""
    return t(lang, f"scenario.refuse.{key}", **{k: esc(_figure(v)) for k, v in values.items()})


def caveat_lines(lang: str, caveats: Sequence[Caveat]) -> list[str]:
    """One ⚠️ line per warning (scenario.warn.<key>)."""
    return ["⚠️ " + t(lang, f"scenario.warn.{c.key}", **{k: esc(_figure(v)) for k, v in c.values}) for c in caveats]


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
        percent=quote(err.percent),
    )


def preset_line(lang: str, preset: Preset) -> str:
    """Where the preset's inputs come from, in the chat's words (a config file's own text as written)."""
    source = t(lang, f"scenario.source.{preset.source_key}") if preset.source_key else preset.source
    as_of = t(lang, "scenario.as_of_unknown") if preset.as_of == "unknown" else preset.as_of
    return "<i>" + t(lang, "scenario.preset", name=esc(preset.name), source=esc(source), as_of=esc(as_of)) + "</i>"


# ---- bond funds -------------------------------------------------------------------------------


def claims_text(lang: str, claims: Sequence[ClaimCheck], article: Article) -> list[str]:
    """The article named by its title and date, then each claimed shift judged on the article's own inputs."""
    if not claims:
        return []
    first = claims[0]
    intro = t(lang, "scenario.claim.intro", title=t(lang, f"scenario.article.{article.id}.title"),
              date=t(lang, f"scenario.article.{article.id}.date"), duration=f"{first.duration:g}",
              yield_=f"{first.yield_ * 100:.2f}", low_yield=f"{article.yield_low * 100:g}", high_yield=f"{article.yield_high * 100:g}")
    lines = [t(lang, f"scenario.claim.{c.verdict}", shift=f"{c.shift_bp:+.0f}", low=f"{c.low_pct:g}", high=f"{c.high_pct:g}",
               model=pct(c.model)) for c in claims]
    return [intro, *lines]


def format_bond(lang: str, run: BondRun, horizon: str) -> str:
    answer = run.bond
    assert answer is not None
    head = t(lang, "scenario.bond.title", fund=esc(answer.fund), horizon=esc(horizon))
    cols = t(lang, "scenario.bond.columns").split("|")
    lines = [" ".join(cell(c, w) for c, w in zip(cols, (7, 7, 7, 6, 7), strict=False))]
    for r in answer.rows:
        lines.append(f"{r.shift_bp:>+5.0f}bp {pct(r.price_return):>7} {pct(r.taylor_return):>7} {pct(r.carry):>6} {pct(r.total):>7}")
    lo, hi = min(answer.ladder.maturities), max(answer.ladder.maturities)
    model = t(
        lang,
        "scenario.bond.model",
        ladder=t(lang, "scenario.bond.ladder", lo=f"{lo:g}", hi=f"{hi:g}", coupon=f"{answer.ladder.coupon * 100:.2f}"),
        duration=f"{answer.ladder_duration:.1f}",
        yield_=f"{answer.yield_ * 100:.2f}",
        convexity=f"{answer.convexity:.0f}",
        convexity_from=t(lang, f"scenario.bond.convexity_from.{answer.convexity_from}"),
        ladder_convexity=f"{answer.ladder_convexity:.0f}",
    )
    parts = [f"<b>{head}</b>", "<pre>" + esc("\n".join(lines)) + "</pre>", model,
             t(lang, "scenario.bond.total", horizon=esc(horizon))]
    if run.article is not None:
        parts += claims_text(lang, run.claims, articles()[run.article])
    parts += caveat_lines(lang, answer.caveats)
    parts.append(preset_line(lang, run.preset))
    return "\n".join(parts)


def format_leveraged(lang: str, run: BondRun, horizon: str) -> str:
    answers, preset = run.leveraged, run.preset
    first = answers[0]
    underlying = preset.underlying or t(lang, "scenario.lev.the_underlying")
    head = t(lang, "scenario.lev.title", fund=esc(first.fund), leverage=f"{first.leverage:g}", horizon=esc(horizon))
    naive = t(lang, "scenario.lev.naive", leverage=f"{first.leverage:g}", underlying=esc(underlying))
    cols = t(lang, "scenario.lev.columns").split("|")  # shift | pinned | naive | unpinned
    lines = []
    for a in answers:
        lines.append(" ".join([cell(f"{a.shift_bp:+.0f}bp", 9, left=True)] + [cell(q, 7) for q in ("5%", "50%", "95%")]))
        for label, band in ((cols[1], a.fund_outcome), (cols[2], a.naive), (cols[3], a.fund_unpinned)):
            lines.append(f"{cell(label, 9, left=True)} {pct(band.p5):>7} {pct(band.p50):>7} {pct(band.p95):>7}")
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
    caveats = list(dict.fromkeys(c for a in answers for c in a.caveats))
    return "\n".join(
        [
            f"<b>{head}</b>",
            "<pre>" + esc("\n".join(lines)) + "</pre>",
            t(lang, "scenario.lev.rows", fund=esc(first.fund), pinned=esc(cols[1]), naive=naive, naive_label=esc(cols[2]),
              unpinned=esc(cols[3]), vol=f"{first.vol_bp:g}"),
            t(lang, "scenario.lev.drag", drags=esc(drags)),
            model,
            *caveat_lines(lang, caveats),
            preset_line(lang, preset),
        ]
    )


# ---- margin and bets ---------------------------------------------------------------------------


def format_margin(lang: str, answer: MarginScenario, assumed_mm: bool) -> str:
    parts = [f"<b>{t(lang, 'scenario.margin.title', leverage=f'{answer.leverage:g}', mm=f'{answer.maintenance * 100:g}')}</b>"]
    if assumed_mm:
        parts.append(t(lang, "scenario.margin.assumed_mm", mm=f"{answer.maintenance * 100:g}"))
    status = answer.status
    if status == "above":
        parts.append(t(lang, "scenario.margin.call", fall=f"{answer.call_fall * 100:.1f}"))
    else:
        icon = "⚠️ " if status in ("at", "below") else ""
        parts.append(icon + t(lang, f"scenario.margin.{status}", start=f"{100 / answer.leverage:.3g}",
                              mm=f"{answer.maintenance * 100:g}"))
    after = answer.after
    if after is not None:
        fall = f"{after.fall * 100:g}"
        if after.status in ("wiped_out", "worthless"):
            owed = max(0.0, -(after.equity_change + 1.0))
            parts.append("🔴 " + t(lang, f"scenario.margin.{after.status}", fall=fall, owed=f"{owed * 100:.1f}"))
        else:
            key = "scenario.margin.after_call" if after.margin_call else "scenario.margin.after_ok"
            parts.append(t(lang, key, fall=fall, equity=pct(after.equity_change), leverage=f"{after.leverage or 1.0:.2f}"))
    parts += caveat_lines(lang, answer.caveats)
    parts.append(t(lang, "scenario.margin.model"))
    return "\n".join(parts)


def format_bet(lang: str, answer: BetScenario) -> str:
    parts = [
        f"<b>{t(lang, 'scenario.bet.title', p=f'{answer.p * 100:.4g}', up=pct_input(answer.up), down=pct_input(answer.down))}</b>",
        t(lang, "scenario.bet.ev", ev=pct(answer.expected_value, 2 if abs(answer.expected_value) < 0.01 else 1)),
        t(lang, "scenario.bet.break_even", p=f"{answer.break_even_p * 100:.1f}"),
    ]
    loss = answer.kelly_loss
    if answer.kelly is None:
        parts.append("⚠️ " + t(lang, "scenario.bet.no_finite_kelly"))
    elif not answer.edge:
        parts.append("⚠️ " + t(lang, "scenario.bet.no_edge"))
    else:
        parts.append(t(lang, "scenario.bet.kelly", kelly=f"{answer.kelly * 100:.1f}", half=f"{answer.kelly * 50:.1f}"))
        if answer.too_big and loss is not None:
            parts.append("⚠️ " + t(lang, "scenario.bet.too_big", max=f"{answer.max_stake * 100:g}", loss=f"{loss * 100:.1f}"))
    parts += caveat_lines(lang, answer.caveats)
    parts.append(t(lang, "scenario.bet.model"))
    return "\n".join(parts)


LOW_R2 = 0.3  # below it a holding's move is mostly unexplained by the shocked series
MAX_BETA_COLUMNS = 3

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


def format_answer(lang: str, answer: ScenarioAnswer) -> str:
    """Any scenario answer as Telegram HTML (the chat command and the CLI print the same text)."""
    query = answer.query
    if answer.bond is not None and isinstance(query, BondQuery):
        run = answer.bond
        return format_bond(lang, run, query.horizon.text) if run.bond is not None else format_leveraged(lang, run, query.horizon.text)
    if answer.margin is not None and isinstance(query, MarginQuery):
        return format_margin(lang, answer.margin, not query.maintenance_given)
    if answer.bet is not None:
        return format_bet(lang, answer.bet)
    assert answer.shock is not None and answer.market is not None and isinstance(query, ShockQuery)
    return format_shock(lang, answer.shock, answer.market, query.lookback.text)
