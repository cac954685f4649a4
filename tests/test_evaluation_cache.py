"""One evaluation per data version, shared by /regime, /theses, /thesis, the digest and the cycle — never stale."""

from __future__ import annotations

import pytest

from regimebot.handlers.evaluation import EVALUATIONS, EvaluationCache, evaluate_cached
from regimebot.jobs.digest import build_digest
from regimebot.macro.engine import evaluate
from tests.chat_world import ADMIN, GeneratedProvider, ask, generated_closes, make_services


@pytest.fixture
def services():
    return make_services(generated_closes())


def test_commands_digest_and_cycle_share_one_evaluation(services):
    before = EVALUATIONS.computed
    ask(services, "/regime")
    assert EVALUATIONS.computed == before + 1
    ask(services, "/theses")
    ask(services, "/thesis LONG_USD_AI")
    build_digest(services, "en")
    ask(services, "/regime", lang="zh-TW")
    assert EVALUATIONS.computed == before + 1  # the same market, watch list and switches: computed once

    services.evaluator.run()  # the cycle refreshes (same data: a new market object) and evaluates once
    assert EVALUATIONS.computed == before + 2
    market, first = evaluate_cached(services)
    assert EVALUATIONS.computed == before + 2  # the commands after a cycle reuse the cycle's evaluation
    assert evaluate_cached(services)[1] is first


def test_a_manual_switch_is_seen_at_once(services):
    _, before = evaluate_cached(services)
    assert before.signals["tariffs_landed"].state != "breach"
    services.store.engine_state.set_manual_signal("tariffs_landed", True, ADMIN, "took effect")  # no cycle runs
    market, after = evaluate_cached(services)
    assert after.signals["tariffs_landed"].state == "breach"
    fresh = evaluate(market, services.watchlist, manual={"tariffs_landed": True})
    assert {t: r.status for t, r in after.theses.items()} == {t: r.status for t, r in fresh.theses.items()}
    switched_on = ask(services, "/thesis geopolitical_noise").text
    services.store.engine_state.set_manual_signal("tariffs_landed", False, ADMIN)
    assert evaluate_cached(services)[1].signals["tariffs_landed"].state != "breach"
    switched_off = ask(services, "/thesis geopolitical_noise").text
    assert "tariffs_landed" in switched_on and switched_on != switched_off  # the command shows each position at once


def test_new_data_is_never_served_stale():
    closes = generated_closes()
    provider_closes = {sid: s.iloc[:-5] for sid, s in closes.items()}  # the last five days are not out yet
    services = make_services(provider_closes)
    old_as_of = evaluate_cached(services)[1].as_of
    assert "As of " + old_as_of.isoformat() in ask(services, "/regime").text

    provider = services.market_data.provider
    assert isinstance(provider, GeneratedProvider)
    provider.closes = closes  # the data source publishes the missing days
    services.market_data.refresh()
    new_as_of = evaluate_cached(services)[1].as_of
    assert new_as_of == closes["DXY"].index[-1].date() > old_as_of
    assert "As of " + new_as_of.isoformat() in ask(services, "/regime").text


def test_the_cache_keys_on_the_objects_and_forgets_the_oldest():
    services = make_services(generated_closes())
    cache = EvaluationCache(keep=2)
    market = services.market_data.market()
    first = cache.evaluation(market, services.watchlist, None)
    assert cache.evaluation(market, services.watchlist, {}) is first  # no switches stored = none set
    switched = cache.evaluation(market, services.watchlist, {"tariffs_landed": True})
    assert switched is not first and cache.computed == 2
    copy = type(market)(market.closes.copy(), market.source, market.simulated, market.errors)
    other = cache.evaluation(copy, services.watchlist, None)  # an equal but different market: its own version
    assert other is not first and cache.computed == 3
    assert cache.evaluation(market, services.watchlist, None) is not first  # evicted (keep=2): computed again
    assert cache.computed == 4
