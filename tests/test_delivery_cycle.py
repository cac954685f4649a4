"""The evaluate cycle's fan-out: one alert per status change, one row per subscriber, atomic with the transitions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.macro.providers.demo import DemoProvider, stress_window
from regimebot.storage.db import StorageError
from tests.chat_world import outside

END = date(2026, 3, 31)
START, STRESS_END = stress_window(END)


@pytest.fixture
def world(tmp_path):
    provider = DemoProvider(end=END, reveal_until=START - timedelta(days=3), years=12)
    settings = Settings(data=DataSource("demo"), history_start=date(2014, 1, 1), alert_chats=(-100500,))
    services = build_services(settings, provider=provider, db_path=tmp_path / "cycle.db")
    services.store.chats.ensure_chat(1, "private")
    services.store.chats.subscribe(1, "*")
    services.store.chats.ensure_chat(2, "private")
    services.store.chats.subscribe(2, "long_usd_ai")
    services.store.chats.ensure_chat(3, "private")  # not subscribed
    services.store.chats.ensure_chat(4, "private")
    services.store.chats.subscribe(4, "*")
    services.store.chats.set_paused(4, True, "blocked")  # paused: nothing enqueued
    yield services, provider
    services.store.close()


def test_changes_fan_out_once_to_subscribers_and_alert_chats(world):
    services, provider = world
    first = services.evaluator.run()
    assert first.ok and first.alert_ids == [] and first.transitions > 0
    provider.reveal_until = STRESS_END
    second = services.evaluator.run()
    assert second.alert_ids
    alerts = [services.store.outbox.get_alert(i) for i in second.alert_ids]
    expected = 0
    for alert in alerts:
        recipients = {d.chat_id for d in services.store.outbox.deliveries_for_alert(alert.id)}
        wanted = {1, -100500} | ({2} if alert.thesis_id == "long_usd_ai" else set())
        assert recipients == wanted, alert.thesis_id
        expected += len(wanted)
        assert alert.simulated and alert.source == "demo" and alert.old is not None
        assert alert.urgent == (alert.new == "invalidated")
    assert second.deliveries == expected
    third = services.evaluator.run()
    assert third.alert_ids == [] and third.deliveries == 0
    runs = services.store.runs.last_runs(3)
    assert [r.ok for r in runs] == [True, True, True] and runs[1].alerts == len(second.alert_ids)


def test_a_crash_during_fan_out_loses_no_alert(world):
    services, provider = world
    services.evaluator.run()
    provider.reveal_until = STRESS_END
    side = outside(services.store)
    alerts_before = side.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    transitions_before = side.execute("SELECT COUNT(*) FROM transitions").fetchone()[0]
    # A real storage fault (not a patched function): SQLite itself refuses every outbox row.
    side.execute(
        "CREATE TRIGGER outbox_full BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(StorageError, match="disk is full"):  # one message for a storage fault
        services.evaluator.run()
    assert services.store.runs.last_runs(1)[0].ok is False
    assert "disk is full" in services.store.runs.last_runs(1)[0].error
    # Nothing half-done stays behind: no alert without its rows, no transition without its alert.
    assert side.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == alerts_before
    assert side.execute("SELECT COUNT(*) FROM transitions").fetchone()[0] == transitions_before
    side.execute("DROP TRIGGER outbox_full")
    retried = services.evaluator.run()  # the transitions were rolled back with the alerts: found again
    assert retried.alert_ids and retried.deliveries > 0
    assert services.store.outbox.delivery_backlog()["pending"] == retried.deliveries


def test_a_switch_before_the_first_evaluation_is_compared_with_the_state_at_the_switch(world):
    """/signal before any evaluation: the first cycle alerts the change the switch made (was: a silent baseline)."""
    services, _ = world
    store = services.store
    store.engine_state.set_manual_signal("tariffs_landed", True, 1, "tariffs announced")
    result = services.evaluator.run()
    alerts = [store.outbox.get_alert(i) for i in result.alert_ids]
    moved = [a for a in alerts if a.thesis_id == "geopolitical_noise"]
    assert len(moved) == 1 and (moved[0].old, moved[0].new) == ("intact", "weakening")
    assert [e["signal"] for e in moved[0].evidence] == ["tariffs_landed"]
    assert {a.thesis_id for a in alerts} == {"geopolitical_noise"}  # nothing else is news on a first evaluation
    assert services.evaluator.run().alert_ids == []
