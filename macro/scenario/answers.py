"""One dispatch for every scenario question: a parsed query in, a typed answer out. The chat command and the
CLI both call `answer_scenario`; only how they find a portfolio's book and market differs (`shock_inputs`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market
from regimebot.macro.scenario.bets import DEFAULT_MAX_STAKE, BetScenario, bet_scenario
from regimebot.macro.scenario.funds import BondRun, run_bond
from regimebot.macro.scenario.grammar import BetQuery, BondQuery, MarginQuery, Query, ShockQuery
from regimebot.macro.scenario.margin import MarginScenario, margin_scenario
from regimebot.macro.scenario.presets import Preset
from regimebot.macro.scenario.shocks import ShockScenario, shock_scenario


@dataclass(frozen=True)
class ShockInputs:
    """What a portfolio shock needs from the front end: the market, the catalog and the chat's book."""

    market: Market
    catalog: Catalog
    book: Mapping[str, float]


@dataclass(frozen=True)
class ScenarioAnswer:
    """The answer to one scenario query: exactly one of the results is set (the one the query's kind asks for)."""

    query: Query
    bond: BondRun | None = None  # a bond fund or a leveraged fund (BondRun.bond or .leveraged)
    margin: MarginScenario | None = None
    bet: BetScenario | None = None
    shock: ShockScenario | None = None
    market: Market | None = None  # the market a shock was estimated on (for its as-of and source line)


def answer_scenario(query: Query, presets: dict[str, Preset], shock_inputs: Callable[[], ShockInputs]) -> ScenarioAnswer:
    """Compute the query; raises ScenarioError when its inputs do not allow an answer (and whatever
    `shock_inputs` raises when the front end has no book or market for a shock)."""
    if isinstance(query, BondQuery):
        return ScenarioAnswer(query, bond=run_bond(query, presets))
    if isinstance(query, MarginQuery):
        return ScenarioAnswer(query, margin=margin_scenario(query.leverage, query.maintenance, query.fall))
    if isinstance(query, BetQuery):
        return ScenarioAnswer(query, bet=bet_scenario(query.p, query.up, query.down, query.max_stake or DEFAULT_MAX_STAKE))
    assert isinstance(query, ShockQuery)
    inputs = shock_inputs()
    shock = shock_scenario(inputs.market, inputs.catalog, dict(inputs.book), query.shocks, query.lookback.days)
    return ScenarioAnswer(query, shock=shock, market=inputs.market)
