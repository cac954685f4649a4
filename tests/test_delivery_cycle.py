"""The evaluate cycle's fan-out: one alert per status change, one row per subscriber, atomic with the transitions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.jobs import cycle
from regimebot.macro.providers.demo import DemoProvider, stress_window
from regimebot.storage import chats, outbox, run_log
from regimebot.storage.db import StorageError

END = date(2026, 3, 31)
START, STRESS_END = stress_window(END)


@pytest.fixture
def world():
    provider = DemoProvider(end=END, reveal_until=START - timedelta(days=3), years=12)
    settings = Settings(data=DataSource("demo"), history_start=date(2014, 1, 1), alert_chats=(-100500,))
    services = build_services(settings, provider=provider, db_path=":memory:")
    chats.ensure_chat(services.db, 1, "private")
    chats.subscribe(services.db, 1, "*")
    chats.ensure_chat(services.db, 2, "private")
    chats.subscribe(services.db, 2, "long_usd_ai")
    chats.ensure_chat(services.db, 3, "private")  # not subscribed
    chats.ensure_chat(services.db, 4, "private")
    chats.subscribe(services.db, 4, "*")
    chats.set_paused(services.db, 4, True, "blocked")  # paused: nothing enqueued
    yield services, provider
    services.db.close()


def test_changes_fan_out_once_to_subscribers_and_alert_chats(world):
    services, provider = world
    first = cycle.run_cycle(services)
    assert first.ok and first.alert_ids == [] and first.transitions > 0
    provider.reveal_until = STRESS_END
    second = cycle.run_cycle(services)
    assert second.alert_ids
    alerts = [outbox.get_alert(services.db, i) for i in second.alert_ids]
    expected = 0
    for alert in alerts:
        recipients = {d.chat_id for d in outbox.deliveries_for_alert(services.db, alert.id)}
        wanted = {1, -100500} | ({2} if alert.thesis_id == "long_usd_ai" else set())
        assert recipients == wanted, alert.thesis_id
        expected += len(wanted)
        assert alert.simulated and alert.source == "demo" and alert.old is not None
        assert alert.urgent == (alert.new == "invalidated")
    assert second.deliveries == expected
    third = cycle.run_cycle(services)
    assert third.alert_ids == [] and third.deliveries == 0
    runs = run_log.last_runs(services.db, 3)
    assert [r.ok for r in runs] == [True, True, True] and runs[1].alerts == len(second.alert_ids)


def test_a_crash_during_fan_out_loses_no_alert(world):
    services, provider = world
    cycle.run_cycle(services)
    provider.reveal_until = STRESS_END
    alerts_before = services.db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    transitions_before = services.db.execute("SELECT COUNT(*) FROM transitions").fetchone()[0]
    # A real storage fault (not a patched function): SQLite itself refuses every outbox row.
    services.db.execute(
        "CREATE TRIGGER outbox_full BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(StorageError, match="disk is full"):  # one message for a storage fault
        cycle.run_cycle(services)
    assert run_log.last_runs(services.db, 1)[0].ok is False
    assert "disk is full" in run_log.last_runs(services.db, 1)[0].error
    # Nothing half-done stays behind: no alert without its rows, no transition without its alert.
    assert services.db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == alerts_before
    assert services.db.execute("SELECT COUNT(*) FROM transitions").fetchone()[0] == transitions_before
    services.db.execute("DROP TRIGGER outbox_full")
    retried = cycle.run_cycle(services)  # the transitions were rolled back with the alerts: found again
    assert retried.alert_ids and retried.deliveries > 0
    assert outbox.delivery_backlog(services.db)["pending"] == retried.deliveries


def test_a_switch_before_the_first_evaluation_is_compared_with_the_state_at_the_switch(world):
    """/signal before any evaluation: the first cycle alerts the change the switch made (was: a silent baseline)."""
    from regimebot.storage import engine_state

    services, _ = world
    engine_state.set_manual_signal(services.db, "tariffs_landed", True, 1, "tariffs announced")
    result = cycle.run_cycle(services)
    alerts = [outbox.get_alert(services.db, i) for i in result.alert_ids]
    moved = [a for a in alerts if a.thesis_id == "geopolitical_noise"]
    assert len(moved) == 1 and (moved[0].old, moved[0].new) == ("intact", "weakening")
    assert [e["signal"] for e in moved[0].evidence] == ["tariffs_landed"]
    assert {a.thesis_id for a in alerts} == {"geopolitical_noise"}  # nothing else is news on a first evaluation
    assert cycle.run_cycle(services).alert_ids == []
