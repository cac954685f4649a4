"""/scenario: bond fund repricing, leveraged funds, margin, portfolio shocks and asymmetric bets."""

from __future__ import annotations

from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.scenario import format_answer, grammar_message, refusal
from regimebot.handlers.messages.text import esc
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import market_now, usage_text
from regimebot.macro.correlation import CorrelationError
from regimebot.macro.providers import DataError
from regimebot.macro.scenario import ScenarioError
from regimebot.macro.scenario.answers import ShockInputs, answer_scenario
from regimebot.macro.scenario.grammar import GrammarError, parse_scenario
from regimebot.macro.scenario.presets import Preset, load_presets


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


# ---- portfolio shocks --------------------------------------------------------------------------




class _NoShockInputs(Exception):
    """The chat has no book to shock, or no market data: the reply says which."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("no shock inputs")
        self.reply = reply


def _shock_inputs(req: Request) -> ShockInputs:
    """The chat's book and the cached market, or _NoShockInputs with the reply explaining why not."""
    book = req.services.store.portfolios.load_portfolio(req.chat.id)
    if not book:
        raise _NoShockInputs(problem_reply(req, "scenario.shock.empty"))
    try:
        market = market_now(req)
    except DataError as exc:
        raise _NoShockInputs(Reply("⚠️ " + t(req.lang, "scenario.no_data", error=esc(exc)))) from exc
    return ShockInputs(market, req.services.catalog, book)


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
        return Reply(format_answer(req.lang, answer_scenario(query, presets, lambda: _shock_inputs(req))))
    except _NoShockInputs as missing:
        return missing.reply
    except ScenarioError as exc:
        return refusal_reply(req, exc)
