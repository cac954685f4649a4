"""A bond-fund query answered from its preset: overrides recompute what depends on them, leveraged
funds are simulated, and the article's claims are checked when the question is the article's own."""

from __future__ import annotations

from dataclasses import dataclass

from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.bonds import DEFAULT_SHIFTS_BP, BondScenario, bond_scenario, fit_ladder
from regimebot.macro.scenario.claims import ClaimCheck, article_for, check_claims
from regimebot.macro.scenario.grammar import BondQuery
from regimebot.macro.scenario.leveraged import DAYS_PER_YEAR, LeveragedScenario, leveraged_scenarios, shifts_tuple
from regimebot.macro.scenario.presets import Preset

DEFAULT_VOL_BP = 100.0  # assumed annual yield volatility for leveraged funds (override vol=)
DEFAULT_FINANCING = 0.04  # assumed financing rate on the borrowed part (override fin=)
DEFAULT_PATHS = 1000
MAX_STEPS = 2_000_000  # paths × days simulated per shift: bounds memory and time
DEFAULT_SEED = 7
LEVERAGED_SHIFTS_BP = (-100.0, 100.0)


@dataclass(frozen=True)
class BondRun:
    """What a bond-fund query produced: the inputs used, the answer, and any article claims it checks."""

    preset: Preset  # the preset with the query's overrides applied
    bond: BondScenario | None
    leveraged: tuple[LeveragedScenario, ...]
    claims: tuple[ClaimCheck, ...]
    article: str | None  # id of the article whose claims are checked


def run_bond(query: BondQuery, presets: dict[str, Preset]) -> BondRun:
    """Compute a bond query with the preset's inputs, overridden by the query's; raises ScenarioError.

    A dur= or yield= override refits the model ladder, and the shorthand then uses that ladder's own
    convexity (unless cvx= is given): the preset's convexity belongs to the preset's duration and yield.
    """
    preset = presets[query.fund]
    duration = query.duration if query.duration is not None else preset.duration
    y = query.yield_ if query.yield_ is not None else preset.yield_
    leverage = query.leverage if query.leverage is not None else preset.leverage
    overridden = query.duration is not None or query.yield_ is not None
    convexity = query.convexity if query.convexity is not None else (None if overridden else preset.convexity)
    if leverage == 1.0:
        shifts = query.shifts_bp or DEFAULT_SHIFTS_BP
        answer = bond_scenario(query.fund, duration, convexity, y, shifts, query.horizon.years, preset.ladder,
                               convexity_from="given" if query.convexity is not None else "preset")
        used = _used(preset, duration, answer.convexity, y, leverage)
        article = article_for(query.fund, query.duration, query.yield_)
        claims = check_claims(article, shifts, preset.ladder) if article is not None else ()
        return BondRun(used, answer, (), claims, article.id if claims and article is not None else None)
    ladder = fit_ladder(duration, y, preset.ladder)
    days = max(1, round(query.horizon.years * DAYS_PER_YEAR))
    most = max(1, MAX_STEPS // days)
    if query.paths is not None and query.paths > most:
        raise ScenarioError("too_many_paths", f"paths={query.paths} over {query.horizon.text} is too many: at most {most}",
                            paths=query.paths, horizon=query.horizon.text, most=most)
    answers = leveraged_scenarios(
        query.fund,
        ladder,
        y,
        shifts_tuple(query.shifts_bp or LEVERAGED_SHIFTS_BP),
        query.horizon.years,
        query.vol_bp if query.vol_bp is not None else DEFAULT_VOL_BP,
        leverage,
        query.fee if query.fee is not None else preset.expense_ratio,
        query.financing if query.financing is not None else DEFAULT_FINANCING,
        query.paths or min(DEFAULT_PATHS, most),
        query.seed if query.seed is not None else DEFAULT_SEED,
    )
    used = _used(preset, duration, convexity if convexity is not None else ladder.convexity(y), y, leverage)
    return BondRun(used, None, answers, (), None)


def _used(preset: Preset, duration: float, convexity: float, y: float, leverage: float) -> Preset:
    return Preset(preset.name, duration, convexity, y, preset.as_of, preset.source, leverage, preset.underlying,
                  preset.expense_ratio, preset.ladder, preset.source_key)
