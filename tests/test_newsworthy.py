"""jobs.newsworthy, rule by rule: each rule silences its case and lets the case just inside its boundary through."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from regimebot.jobs.newsworthy import feed_staleness, judge, why_silent
from regimebot.macro.engine import Evaluation, ThesisResult, Transition
from regimebot.macro.regime import Regime
from regimebot.macro.signals import SignalResult

AS_OF = date(2026, 3, 18)  # a Wednesday
STALE_AFTER = 4
THESIS = "long_duration"


def signal(observed: date | None = AS_OF, kind: str = "level", state: str = "breach", sid: str = "us10y_level") -> SignalResult:
    return SignalResult(sid, kind, state, 5.1 if observed else None, "%", 4.8, 5.0, 4.7, 4.9, AS_OF - timedelta(days=3),
                        ("US10Y",), direction="above", observed=observed)


def evaluation(*evidence: SignalResult, since: date | None = AS_OF, held: bool = False, as_of: date = AS_OF) -> Evaluation:
    thesis = ThesisResult(THESIS, "weakening", since, tuple(evidence), tuple(evidence), held=held)
    return Evaluation(as_of, "csv", False, {s.id: s for s in evidence}, {THESIS: thesis}, Regime([], "calm"))


def change(old: str = "intact", new: str = "weakening") -> Transition:
    return Transition(THESIS, old, new, AS_OF, ())


def silent(ev: Evaluation, ch: Transition | None = None, previous: date | None = AS_OF - timedelta(days=1),
           manual_moved: bool = False, expected: date = AS_OF) -> str | None:
    return why_silent(ch or change(), THESIS, ev, previous, manual_moved, expected, STALE_AFTER)


def test_a_fresh_change_with_known_fresh_evidence_is_news():
    assert silent(evaluation(signal())) is None


def test_a_status_reached_on_a_backfilled_day_is_recorded_silently():
    previous = AS_OF - timedelta(days=1)
    why = silent(evaluation(signal(), since=previous - timedelta(days=1)), previous=previous)
    assert why is not None and "backfilled" in why and str(previous) in why
    assert silent(evaluation(signal(), since=previous), previous=previous) is None  # the last evaluated day itself: a correction, news
    assert silent(evaluation(signal(), since=previous - timedelta(days=1)), previous=None) is None  # nothing evaluated before
    # an admin's switch since the last evaluation explains a change dated earlier: news
    assert silent(evaluation(signal(), since=previous - timedelta(days=1)), previous=previous, manual_moved=True) is None


def test_a_feed_stale_beyond_stale_after_days_alerts_nothing_and_reports_its_lag():
    expected = AS_OF + timedelta(days=STALE_AFTER + 1)
    why = silent(evaluation(signal()), expected=expected)
    assert why is not None and f"{STALE_AFTER + 1} days old" in why
    assert feed_staleness(AS_OF, expected, STALE_AFTER) == STALE_AFTER + 1  # the cycle's admin notice reports this lag
    at_limit = AS_OF + timedelta(days=STALE_AFTER)
    assert silent(evaluation(signal()), expected=at_limit) is None and feed_staleness(AS_OF, at_limit, STALE_AFTER) is None
    # a stale feed silences recoveries too (nothing is news from old data)
    assert silent(evaluation(signal()), change("weakening", "intact"), expected=expected) is not None


def test_a_status_held_through_a_data_gap_is_not_news():
    why = silent(evaluation(signal(), held=True))
    assert why is not None and "data gap" in why
    assert silent(evaluation(signal(), held=False)) is None
    assert silent(evaluation(signal(), held=True), change("weakening", "intact")) is None  # a recovery is never "held"


@pytest.mark.parametrize("observed", [None, AS_OF - timedelta(days=STALE_AFTER + 1)])
def test_a_causing_signal_unknown_or_stale_on_the_as_of_date_silences_the_alert(observed):
    fresh = signal(sid="dxy_trend_break")
    why = silent(evaluation(fresh, signal(observed)))
    assert why is not None and "us10y_level" in why and str(observed) in why
    assert silent(evaluation(fresh, signal(AS_OF - timedelta(days=STALE_AFTER)))) is None  # at the limit: still fresh


def test_a_signal_with_its_own_staleness_limit_is_judged_by_it():
    weekly = signal(AS_OF - timedelta(days=STALE_AFTER + 6), sid="term_premium_rise")  # a weekly batch, 10 days old
    assert silent(evaluation(weekly)) is not None  # by the watch list's limit: stale
    ev = evaluation(weekly)
    assert why_silent(change(), THESIS, ev, AS_OF - timedelta(days=1), False, AS_OF, STALE_AFTER,
                      {"term_premium_rise": 12}) is None
    why = why_silent(change(), THESIS, ev, AS_OF - timedelta(days=1), False, AS_OF, STALE_AFTER, {"term_premium_rise": 9})
    assert why is not None and "term_premium_rise" in why
    # another signal's limit does not loosen this one
    assert why_silent(change(), THESIS, ev, AS_OF - timedelta(days=1), False, AS_OF, STALE_AFTER, {"us10y_level": 30}) is not None


def test_a_manual_signal_is_known_by_definition_and_no_evidence_is_no_alert():
    switch = signal(observed=None, kind="manual", sid="tariffs_landed")
    assert silent(evaluation(switch)) is None
    why = silent(evaluation())
    assert why is not None and "no signal is in warn or breach" in why


def test_judge_keeps_each_change_with_its_own_verdict():
    ev = evaluation(signal(), held=True)
    up, down = change(), change("weakening", "intact")
    verdicts = judge([(THESIS, up), (THESIS, down), ("not_in_the_list", up)], ev, {THESIS: AS_OF - timedelta(days=1)},
                     {}, AS_OF, STALE_AFTER)
    assert [v.change for v in verdicts] == [up, down, up]
    assert verdicts[0].silent_because is not None and "data gap" in verdicts[0].silent_because
    assert verdicts[1].silent_because is None
    assert verdicts[2].silent_because == "the thesis is not in this evaluation"
