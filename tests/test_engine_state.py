"""Engine state in real SQLite: statuses, idempotent transitions with evidence, manual switches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.macro.engine import Evaluation, ThesisResult
from regimebot.macro.regime import Regime
from regimebot.macro.signals import SignalResult
from regimebot.storage.db import open_database, schema_version
from regimebot.storage.engine_state import (
    current_statuses,
    get_transition,
    manual_history,
    manual_signals,
    recent_transitions,
    record_evaluation,
    set_manual_signal,
    signal_states,
)

DAY = date(2025, 4, 9)


def signal(sid: str, state: str, value: float | None = 1.0) -> SignalResult:
    return SignalResult(id=sid, kind="level", state=state, value=value, unit="%", warn=1.0, breach=2.0, warn_exit=0.8,
                        breach_exit=1.5, since=DAY, series=("X",), direction="above",
                        meaning={"en": f"{sid} is high", "zh-TW": f"{sid} 偏高"})


def evaluation(as_of: date = DAY, **statuses: str) -> Evaluation:
    sigs = {"a": signal("a", "breach", 2.5), "b": signal("b", "warn", 1.2), "c": signal("c", "unknown", None)}
    theses = {}
    for tid, status in statuses.items():
        own = tuple(sigs.values())
        theses[tid] = ThesisResult(id=tid, status=status, since=as_of, signals=own,
                                   evidence=tuple(s for s in own if s.state in ("warn", "breach")))
    return Evaluation(as_of=as_of, source="test", simulated=True, signals=sigs, theses=theses,
                      regime=Regime(lines=[], verdict="calm"))


def test_migration_version_two_is_applied():
    db = open_database(None)
    assert schema_version(db) >= 2
    assert {"thesis_states", "signal_states", "transitions", "manual_signals", "manual_signal_history"} <= set(db.table_names())


def test_first_status_is_stored_with_old_none_and_not_an_alert():
    db = open_database(None)
    first = record_evaluation(db, evaluation(t1="intact", t2="weakening"))
    assert [(t.thesis_id, t.old, t.new) for t in first] == [("t1", None, "intact"), ("t2", None, "weakening")]
    assert not any(t.toward_invalidation or t.recovery for t in first)
    assert current_statuses(db) == {"t1": ("intact", DAY), "t2": ("weakening", DAY)}


def test_same_data_twice_records_nothing_new():
    db = open_database(None)
    record_evaluation(db, evaluation(t1="intact"))
    assert record_evaluation(db, evaluation(t1="intact")) == []
    assert record_evaluation(db, evaluation(DAY + timedelta(days=1), t1="intact")) == []
    assert len(recent_transitions(db)) == 1


def test_a_change_is_recorded_once_with_its_evidence():
    db = open_database(None)
    record_evaluation(db, evaluation(t1="intact"))
    later = DAY + timedelta(days=1)
    changed = record_evaluation(db, evaluation(later, t1="invalidated"))
    assert len(changed) == 1
    tr = changed[0]
    assert (tr.thesis_id, tr.old, tr.new, tr.as_of) == ("t1", "intact", "invalidated", later)
    assert tr.toward_invalidation and not tr.recovery
    assert [e["signal"] for e in tr.evidence] == ["a", "b"]
    a = tr.evidence[0]
    assert (a["state"], a["value"], a["warn"], a["breach"], a["unit"]) == ("breach", 2.5, 1.0, 2.0, "%")
    assert a["meaning"] == {"en": "a is high", "zh-TW": "a 偏高"} and a["since"] == DAY.isoformat()
    assert get_transition(db, tr.id) == tr
    assert get_transition(db, 999_999) is None
    assert record_evaluation(db, evaluation(later, t1="invalidated")) == []
    back = record_evaluation(db, evaluation(later + timedelta(days=1), t1="intact"))
    assert back[0].recovery
    assert [t.new for t in recent_transitions(db, limit=2)] == ["intact", "invalidated"]


def test_an_older_evaluation_does_not_rewind_the_state():
    db = open_database(None)
    record_evaluation(db, evaluation(DAY, t1="weakening"))
    assert record_evaluation(db, evaluation(DAY - timedelta(days=3), t1="intact")) == []
    assert current_statuses(db)["t1"][0] == "weakening"


def test_signal_states_are_stored_with_null_for_unknown():
    db = open_database(None)
    record_evaluation(db, evaluation(t1="intact"))
    stored = signal_states(db)
    assert stored["a"]["state"] == "breach" and stored["a"]["value"] == 2.5
    assert stored["c"]["state"] == "unknown" and stored["c"]["value"] is None


def test_manual_switches_and_history():
    db = open_database(None)
    assert manual_signals(db) == {}
    set_manual_signal(db, "tariffs_landed", True, 42, "took effect on 2025-04-09")
    set_manual_signal(db, "tariffs_landed", False, 7)
    set_manual_signal(db, "eu_countermeasures", True, None, "x" * 2000)
    assert manual_signals(db) == {"tariffs_landed": False, "eu_countermeasures": True}
    hist = manual_history(db, "tariffs_landed")
    assert [(h["who"], h["on"], h["note"]) for h in hist] == [(42, True, "took effect on 2025-04-09"), (7, False, "")]
    assert all(h["when"] for h in hist)
    assert len(manual_history(db, "eu_countermeasures")[0]["note"]) == 500
    assert manual_history(db, "never_set") == []


def test_sql_is_parameterised_against_hostile_ids():
    db = open_database(None)
    hostile = "x'); DROP TABLE transitions; --"
    set_manual_signal(db, hostile, True, 1)
    assert manual_signals(db) == {hostile: True}
    ev = evaluation(**{"t1": "intact"})
    ev = replace(ev, theses={hostile: replace(ev.theses["t1"], id=hostile)})
    assert record_evaluation(db, ev)[0].thesis_id == hostile
    assert "transitions" in db.table_names()


STATUS = st.sampled_from(["intact", "weakening", "invalidated", "unknown"])


@settings(max_examples=60, deadline=None)
@given(st.lists(STATUS, min_size=1, max_size=25))
def test_records_exactly_the_status_changes(sequence):
    db = open_database(None)
    recorded = []
    for i, status in enumerate(sequence):
        ev = evaluation(DAY + timedelta(days=i), t1=status)
        recorded += record_evaluation(db, ev)
        assert record_evaluation(db, ev) == []  # idempotent
    expected = [(None, sequence[0])] + [(a, b) for a, b in zip(sequence, sequence[1:]) if a != b]
    assert [(t.old, t.new) for t in recorded] == expected
    assert current_statuses(db)["t1"][0] == sequence[-1]
