"""Engine state in real SQLite: statuses, idempotent transitions with evidence, manual switches."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.macro.engine import Evaluation, ThesisResult
from regimebot.macro.regime import Regime
from regimebot.macro.signals import SignalResult
from regimebot.storage.store import Store
from tests.chat_world import outside

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


def test_migration_version_two_is_applied(tmp_path):
    store = Store.open(tmp_path / "state.db")
    assert store.schema_version >= 2
    tables = {name for (name,) in outside(store).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"thesis_states", "signal_states", "transitions", "manual_signals", "manual_signal_history"} <= tables


def test_first_status_is_stored_with_old_none_and_not_an_alert():
    store = Store.open()
    first = store.engine_state.record_evaluation(evaluation(t1="intact", t2="weakening"))
    assert [(t.thesis_id, t.old, t.new) for t in first] == [("t1", None, "intact"), ("t2", None, "weakening")]
    assert not any(t.toward_invalidation or t.recovery for t in first)
    assert store.engine_state.current_statuses() == {"t1": ("intact", DAY), "t2": ("weakening", DAY)}


def test_same_data_twice_records_nothing_new():
    store = Store.open()
    store.engine_state.record_evaluation(evaluation(t1="intact"))
    assert store.engine_state.record_evaluation(evaluation(t1="intact")) == []
    assert store.engine_state.record_evaluation(evaluation(DAY + timedelta(days=1), t1="intact")) == []
    assert len(store.engine_state.recent_transitions()) == 1


def test_a_change_is_recorded_once_with_its_evidence():
    store = Store.open()
    store.engine_state.record_evaluation(evaluation(t1="intact"))
    later = DAY + timedelta(days=1)
    changed = store.engine_state.record_evaluation(evaluation(later, t1="invalidated"))
    assert len(changed) == 1
    tr = changed[0]
    assert (tr.thesis_id, tr.old, tr.new, tr.as_of) == ("t1", "intact", "invalidated", later)
    assert tr.toward_invalidation and not tr.recovery
    assert [e["signal"] for e in tr.evidence] == ["a", "b"]
    a = tr.evidence[0]
    assert (a["state"], a["value"], a["warn"], a["breach"], a["unit"]) == ("breach", 2.5, 1.0, 2.0, "%")
    assert a["meaning"] == {"en": "a is high", "zh-TW": "a 偏高"} and a["since"] == DAY.isoformat()
    assert store.engine_state.get_transition(tr.id) == tr
    assert store.engine_state.get_transition(999_999) is None
    assert store.engine_state.record_evaluation(evaluation(later, t1="invalidated")) == []
    back = store.engine_state.record_evaluation(evaluation(later + timedelta(days=1), t1="intact"))
    assert back[0].recovery
    assert [t.new for t in store.engine_state.recent_transitions(limit=2)] == ["intact", "invalidated"]


def test_an_older_evaluation_does_not_rewind_the_state():
    store = Store.open()
    store.engine_state.record_evaluation(evaluation(DAY, t1="weakening"))
    assert store.engine_state.record_evaluation(evaluation(DAY - timedelta(days=3), t1="intact")) == []
    assert store.engine_state.current_statuses()["t1"][0] == "weakening"


def test_signal_states_are_stored_with_null_for_unknown():
    store = Store.open()
    store.engine_state.record_evaluation(evaluation(t1="intact"))
    stored = store.engine_state.signal_states()
    assert stored["a"]["state"] == "breach" and stored["a"]["value"] == 2.5
    assert stored["c"]["state"] == "unknown" and stored["c"]["value"] is None


def test_manual_switches_and_history():
    store = Store.open()
    assert store.engine_state.manual_signals() == {}
    store.engine_state.set_manual_signal("tariffs_landed", True, 42, "took effect on 2025-04-09")
    store.engine_state.set_manual_signal("tariffs_landed", False, 7)
    store.engine_state.set_manual_signal("eu_countermeasures", True, None, "x" * 2000)
    assert store.engine_state.manual_signals() == {"tariffs_landed": False, "eu_countermeasures": True}
    hist = store.engine_state.manual_history("tariffs_landed")
    assert [(h["who"], h["on"], h["note"]) for h in hist] == [(42, True, "took effect on 2025-04-09"), (7, False, "")]
    assert all(h["when"] for h in hist)
    assert len(store.engine_state.manual_history("eu_countermeasures")[0]["note"]) == 500
    assert store.engine_state.manual_history("never_set") == []


def test_sql_is_parameterised_against_hostile_ids():
    store = Store.open()
    hostile = "x'); DROP TABLE transitions; --"
    store.engine_state.set_manual_signal(hostile, True, 1)
    assert store.engine_state.manual_signals() == {hostile: True}
    ev = evaluation(**{"t1": "intact"})
    ev = replace(ev, theses={hostile: replace(ev.theses["t1"], id=hostile)})
    assert store.engine_state.record_evaluation(ev)[0].thesis_id == hostile
    assert store.engine_state.recent_transitions()[0].thesis_id == hostile  # the table is still there


STATUS = st.sampled_from(["intact", "weakening", "invalidated", "unknown"])


@settings(max_examples=60, deadline=None)
@given(st.lists(STATUS, min_size=1, max_size=25))
def test_records_exactly_the_status_changes(sequence):
    store = Store.open()
    recorded = []
    for i, status in enumerate(sequence):
        ev = evaluation(DAY + timedelta(days=i), t1=status)
        recorded += store.engine_state.record_evaluation(ev)
        assert store.engine_state.record_evaluation(ev) == []  # idempotent
    expected = [(None, sequence[0])] + [(a, b) for a, b in zip(sequence, sequence[1:]) if a != b]
    assert [(t.old, t.new) for t in recorded] == expected
    assert store.engine_state.current_statuses()["t1"][0] == sequence[-1]
