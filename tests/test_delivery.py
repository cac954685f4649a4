"""The outbox and the delivery job, with an in-process sender that fails on cue (real SQLite)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from regimebot.handlers.context import Services
from regimebot.jobs.deliver import (
    ChatGone,
    ChatMoved,
    PermanentFailure,
    RetryLater,
    RetryPolicy,
    TransientFailure,
    deliver_pending,
    quiet_until,
)
from regimebot.macro.catalog import load_catalog
from regimebot.macro.watchlist import load_watchlist
from regimebot.storage import process_lock
from regimebot.storage.chats import ChatPrefs
from regimebot.storage.store import Store
from tests.chat_world import outside, services_over

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class ScriptedSender:
    """Raises the scripted exceptions for a chat (in order), then accepts; records accepted sends."""

    def __init__(self, faults: dict[int, list[Exception]] | None = None) -> None:
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.accepted: list[tuple[int, str, int | None, bool]] = []

    async def send(self, chat_id, reply, thread_id=None, parts=None):
        pending = self.faults.get(chat_id)
        if pending:
            raise pending.pop(0)
        self.accepted.append((chat_id, reply.text, thread_id, reply.silent))
        return 1000 + len(self.accepted)


CATALOG = load_catalog()
WATCHLIST = load_watchlist(None, CATALOG)


def make_services() -> Services:
    """Services on a fresh in-memory database with the default watch list (no market data needed here)."""
    return services_over(watchlist=WATCHLIST)


@pytest.fixture
def services(tmp_path):
    return services_over(Store.open(tmp_path / "outbox.db"), watchlist=WATCHLIST)


def _alert(store, new="weakening", old="intact", urgent=False):
    evidence = [{"signal": "credit_widening", "state": "breach", "value": -4.5, "unit": "%", "direction": "below",
                 "thresholds": {"warn": -2.0, "breach": -4.0}}]
    return store.outbox.create_alert("bitcoin_bottom", old, new, "2026-03-02", "demo", True, evidence, urgent=urgent)


def _deliver(services, sender, now=NOW):
    return asyncio.run(deliver_pending(services, sender, now=now, policy=RetryPolicy(base=60)))


def _statuses(store, alert_id):
    return {d.chat_id: d.status for d in store.outbox.deliveries_for_alert(alert_id)}


def test_every_chat_gets_one_message_and_rows_are_marked_sent(services):
    alert = _alert(services.store)
    assert services.store.outbox.enqueue_deliveries(alert.id, [11, 12, (-1001, 7)], now=NOW) == 3
    assert services.store.outbox.enqueue_deliveries(alert.id, [11], now=NOW) == 0  # same alert × chat once
    sender = ScriptedSender()
    report = _deliver(services, sender)
    assert report.sent == 3
    assert sorted((c, th) for c, _, th, _ in sender.accepted) == [(-1001, 7), (11, None), (12, None)]
    assert set(_statuses(services.store, alert.id).values()) == {"sent"}
    assert _deliver(services, sender).sent == 0  # nothing is sent twice
    assert len(sender.accepted) == 3


def test_faults_are_retried_or_recorded_never_dropped(services):
    alert = _alert(services.store)
    services.store.chats.ensure_chat(14, "private")
    services.store.outbox.enqueue_deliveries(alert.id, [11, 12, 13, 14, 15], now=NOW)
    sender = ScriptedSender({
        11: [RetryLater(5)],
        12: [TransientFailure("HTTP 500"), TransientFailure("timed out")],
        13: [PermanentFailure("Bad Request: can't parse entities")],
        14: [ChatGone("Forbidden: bot was blocked by the user")],
    })
    first = _deliver(services, sender)
    assert (first.sent, first.retry, first.failed) == (1, 2, 2)
    statuses = _statuses(services.store, alert.id)
    assert statuses == {11: "pending", 12: "pending", 13: "failed", 14: "failed", 15: "sent"}
    assert services.store.chats.get_chat(14).paused
    rows = {d.chat_id: d for d in services.store.outbox.deliveries_for_alert(alert.id)}
    assert rows[11].next_attempt_at == NOW + timedelta(seconds=5)  # Telegram's retry_after
    assert rows[12].next_attempt_at == NOW + timedelta(seconds=60)  # backoff base
    assert "can't parse entities" in rows[13].last_error
    backlog = services.store.outbox.delivery_backlog()
    assert (backlog["pending"], backlog["failed"], backlog["sent"]) == (2, 2, 1)
    # Retries happen once their time has come (backoff: 60 s, then 120 s).
    assert _deliver(services, sender, now=NOW + timedelta(seconds=59)).sent == 1  # only the 429 row is due
    second = _deliver(services, sender, now=NOW + timedelta(seconds=60))
    assert (second.sent, second.retry) == (0, 1)
    assert services.store.outbox.deliveries_for_alert(alert.id)[1].next_attempt_at == NOW + timedelta(seconds=180)
    assert _deliver(services, sender, now=NOW + timedelta(seconds=180)).sent == 1
    assert _statuses(services.store, alert.id) == {11: "sent", 12: "sent", 13: "failed", 14: "failed", 15: "sent"}
    assert sorted(c for c, *_ in sender.accepted) == [11, 12, 15]


def test_chat_moved_follows_the_new_id(services):
    alert = _alert(services.store)
    services.store.chats.ensure_chat(-55, "group")
    services.store.chats.subscribe(-55, "*")
    services.store.outbox.enqueue_deliveries(alert.id, [-55], now=NOW)
    sender = ScriptedSender({-55: [ChatMoved(-100555)]})
    report = _deliver(services, sender)
    assert report.sent == 1 and report.moved == 1
    assert [c for c, *_ in sender.accepted] == [-100555]
    assert _statuses(services.store, alert.id) == {-100555: "sent"}
    assert services.store.chats.get_chat(-55) is None
    assert services.store.chats.subscriptions(-100555) == {"*"}


def test_transient_failures_give_up_after_max_attempts_and_say_why(services):
    alert = _alert(services.store)
    services.store.outbox.enqueue_deliveries(alert.id, [21], now=NOW)
    sender = ScriptedSender({21: [TransientFailure("HTTP 502")] * 3})
    policy = RetryPolicy(base=0.0, max_attempts=3)
    for _ in range(3):
        asyncio.run(deliver_pending(services, sender, now=NOW + timedelta(seconds=1), policy=policy))
    row = services.store.outbox.deliveries_for_alert(alert.id)[0]
    assert row.status == "failed" and "gave up after 3 attempts" in row.last_error and "502" in row.last_error


def test_quiet_hours_hold_non_urgent_alerts_until_they_end(services):
    store = services.store
    store.chats.ensure_chat(31, "private", timezone="Asia/Taipei")
    store.chats.update_chat(31, quiet_start="22:00", quiet_end="07:00")
    store.chats.ensure_chat(32, "private", timezone="Asia/Taipei")
    store.chats.update_chat(32, quiet_start="22:00", quiet_end="07:00", urgent_bypass_quiet=False)
    weak = _alert(store)
    urgent = _alert(store, new="invalidated", old="weakening", urgent=True)
    store.outbox.enqueue_deliveries(weak.id, [31, 32], now=NOW)
    store.outbox.enqueue_deliveries(urgent.id, [31, 32], now=NOW)
    night = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 23:30 in Taipei (UTC+8)
    sender = ScriptedSender()
    report = asyncio.run(deliver_pending(services, sender, now=night))
    assert report.sent == 1 and report.held == 3
    assert [(c, "invalidated" in t or "失效" in t) for c, t, *_ in sender.accepted] == [(31, True)]
    held = [d for d in store.outbox.deliveries_for_alert(weak.id)]
    morning = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 07:00 next day in Taipei
    assert all(d.status == "held" and d.next_attempt_at == morning for d in held)
    assert asyncio.run(deliver_pending(services, sender, now=morning)).sent == 3


def test_quiet_until_wraps_midnight_and_ignores_empty_windows():
    prefs = ChatPrefs(1, "private", "", "en", "UTC", quiet_start="22:00", quiet_end="07:00")
    assert quiet_until(prefs, datetime(2026, 1, 1, 21, 59, tzinfo=UTC)) is None
    assert quiet_until(prefs, datetime(2026, 1, 1, 22, 0, tzinfo=UTC)) == datetime(2026, 1, 2, 7, 0, tzinfo=UTC)
    assert quiet_until(prefs, datetime(2026, 1, 2, 6, 59, tzinfo=UTC)) == datetime(2026, 1, 2, 7, 0, tzinfo=UTC)
    assert quiet_until(prefs, datetime(2026, 1, 2, 7, 0, tzinfo=UTC)) is None
    day = ChatPrefs(1, "private", "", "en", "UTC", quiet_start="12:00", quiet_end="13:00")
    assert quiet_until(day, datetime(2026, 1, 1, 12, 30, tzinfo=UTC)) == datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    assert quiet_until(ChatPrefs(1, "private", "", "en", "UTC"), NOW) is None


def test_recoveries_are_sent_silently(services):
    alert = _alert(services.store, new="intact", old="weakening")
    services.store.outbox.enqueue_deliveries(alert.id, [41], now=NOW)
    sender = ScriptedSender()
    _deliver(services, sender)
    assert sender.accepted[0][3] is True


def test_process_lock_refuses_a_second_owner_until_it_expires(services):
    store = services.store
    assert store.process_locks.acquire_lock("hostA:1", ttl=30, now=NOW) is None
    assert store.process_locks.acquire_lock("hostB:2", ttl=30, now=NOW) == "hostA:1"
    assert store.process_locks.refresh_lock("hostA:1", ttl=30, now=NOW + timedelta(seconds=20))
    assert store.process_locks.acquire_lock("hostB:2", ttl=30, now=NOW + timedelta(seconds=45)) == "hostA:1"
    assert store.process_locks.acquire_lock("hostB:2", ttl=30, now=NOW + timedelta(seconds=51)) is None
    assert not store.process_locks.refresh_lock("hostA:1", ttl=30, now=NOW + timedelta(seconds=52))
    store.process_locks.release_lock("hostB:2")
    assert store.process_locks.acquire_lock("hostA:1", ttl=30, now=NOW + timedelta(seconds=53)) is None


def test_lock_of_a_dead_process_on_this_host_is_taken_over(services):
    import socket
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}:{proc.stdout.strip()}"
    assert services.store.process_locks.acquire_lock(dead, ttl=600, now=NOW) is None
    assert services.store.process_locks.acquire_lock(process_lock.lock_owner(), ttl=600, now=NOW) is None


def test_runs_record_success_and_failure(services):
    store = services.store
    r1 = store.runs.start_run(now=NOW)
    store.runs.finish_run(r1, ok=True, transitions=2, alerts=1, now=NOW + timedelta(seconds=3))
    r2 = store.runs.start_run(now=NOW + timedelta(hours=1))
    store.runs.finish_run(r2, ok=False, error="DataError: DXY", now=NOW + timedelta(hours=1, seconds=2))
    assert store.runs.last_success() == NOW + timedelta(seconds=3)
    runs = store.runs.last_runs(5)
    assert [(r.ok, r.error, r.alerts) for r in runs] == [(False, "DataError: DXY", 0), (True, None, 1)]


FAULTS = {
    "retry": lambda: RetryLater(30),
    "transient": lambda: TransientFailure("HTTP 500"),
    "permanent": lambda: PermanentFailure("Bad Request"),
    "gone": lambda: ChatGone("Forbidden: bot was kicked"),
}


@hsettings(max_examples=40, deadline=None)
@given(st.dictionaries(st.integers(1, 12), st.lists(st.sampled_from(sorted(FAULTS)), max_size=6), min_size=1, max_size=8),
       st.integers(1, 3))
def test_any_fault_sequence_ends_with_every_row_sent_once_or_failed_with_a_reason(script, n_alerts):
    store = Store.open()
    services = services_over(store, watchlist=WATCHLIST)
    for chat_id in script:
        store.chats.ensure_chat(chat_id, "private")
    alert_ids = []
    for _ in range(n_alerts):
        alert = _alert(store)
        store.outbox.enqueue_deliveries(alert.id, sorted(script), now=NOW)
        alert_ids.append(alert.id)
    sender = ScriptedSender({c: [FAULTS[k]() for k in kinds] for c, kinds in script.items()})
    policy = RetryPolicy(base=1.0, cap=8.0, max_attempts=4)
    now = NOW
    for _ in range(60):
        asyncio.run(deliver_pending(services, sender, now=now, policy=policy))
        if not store.outbox.due_deliveries(now + timedelta(days=1)):
            break
        now += timedelta(seconds=31)
    rows = [d for a in alert_ids for d in store.outbox.deliveries_for_alert(a)]
    assert len(rows) == n_alerts * len(script)
    assert {d.status for d in rows} <= {"sent", "failed"}  # nothing left waiting, nothing vanished
    assert all(d.last_error for d in rows if d.status == "failed")
    sent = sorted(d.chat_id for d in rows if d.status == "sent")
    assert sorted(c for c, *_ in sender.accepted) == sent  # each sent row went out exactly once
    for chat_id, kinds in script.items():
        chat_rows = [d for d in rows if d.chat_id == chat_id]
        if store.chats.get_chat(chat_id).paused:  # only a chat that told us it is gone is paused
            assert "gone" in kinds
        failures_possible = kinds.count("permanent") + kinds.count("transient") // policy.max_attempts
        if "gone" not in kinds:
            assert sum(d.status == "failed" for d in chat_rows) <= failures_possible
        if not set(kinds) & {"gone", "permanent"} and kinds.count("transient") < policy.max_attempts:
            assert all(d.status == "sent" for d in chat_rows), (chat_id, kinds)
    store.close()


class SlowSender(ScriptedSender):
    """Accepts after yielding to the event loop a few times (so other chats' sends are in flight)."""

    async def send(self, chat_id, reply, thread_id=None, parts=None):
        for _ in range(5):
            await asyncio.sleep(0)
        return await super().send(chat_id, reply, thread_id)


def test_an_unmapped_sender_fault_is_recorded_and_retried_with_backoff(services):
    alert = _alert(services.store)
    services.store.outbox.enqueue_deliveries(alert.id, [41, 42, 43], now=NOW)
    sender = SlowSender({42: [RuntimeError("socket closed mid-write")] * 2})
    policy = RetryPolicy(base=60, max_attempts=2)
    first = asyncio.run(deliver_pending(services, sender, now=NOW, policy=policy))
    # The other chats were not abandoned mid-pass: both were sent and recorded in this same pass.
    assert (first.sent, first.retry, first.failed) == (2, 1, 0)
    rows = {d.chat_id: d for d in services.store.outbox.deliveries_for_alert(alert.id)}
    assert (rows[41].status, rows[43].status) == ("sent", "sent")
    faulty = rows[42]
    assert faulty.status == "pending" and faulty.attempts == 1
    assert "RuntimeError" in faulty.last_error and "socket closed" in faulty.last_error
    assert faulty.next_attempt_at == NOW + timedelta(seconds=60)  # backoff, not a hot loop every tick
    assert asyncio.run(deliver_pending(services, sender, now=NOW + timedelta(seconds=59), policy=policy)).attempted == 0
    second = asyncio.run(deliver_pending(services, sender, now=NOW + timedelta(seconds=60), policy=policy))
    assert second.failed == 1  # the attempt cap applies to unexpected faults too
    row = services.store.outbox.get_delivery(faulty.id)
    assert row.status == "failed" and "gave up after 2 attempts" in row.last_error
    assert sorted(c for c, *_ in sender.accepted) == [41, 43]


def test_a_storage_fault_on_one_row_lets_the_other_chats_finish_before_the_pass_fails(services):
    import sqlite3

    alert = _alert(services.store)
    services.store.outbox.enqueue_deliveries(alert.id, [41, 42, 43], now=NOW)
    outside(services.store).execute(  # a real fault: recording chat 42's outcome fails (e.g. disk full)
        "CREATE TRIGGER no_update_42 BEFORE UPDATE ON deliveries WHEN OLD.chat_id = 42 "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    sender = SlowSender({42: []})
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        asyncio.run(deliver_pending(services, sender, now=NOW))
    # Every message Telegram accepted was recorded as sent: nothing in flight was abandoned to be sent twice.
    rows = {d.chat_id: d for d in services.store.outbox.deliveries_for_alert(alert.id)}
    accepted = sorted(c for c, *_ in sender.accepted)
    assert accepted == [41, 42, 43]
    assert (rows[41].status, rows[43].status) == ("sent", "sent")
    assert rows[42].status == "pending"  # its outcome could not be stored: it waits, nothing is lost


def test_a_chat_that_keeps_moving_is_retried_with_backoff_then_failed(services):
    alert = _alert(services.store)
    services.store.outbox.enqueue_deliveries(alert.id, [-61], now=NOW)
    hops = {-61 - 100 * k: [ChatMoved(-61 - 100 * (k + 1))] for k in range(10)}  # every new id has moved again
    sender = ScriptedSender(hops)
    policy = RetryPolicy(base=60, max_attempts=2)
    first = asyncio.run(deliver_pending(services, sender, now=NOW, policy=policy))
    assert first.retry == 1 and first.sent == 0
    row = services.store.outbox.deliveries_for_alert(alert.id)[0]
    assert row.status == "pending" and row.attempts == 1 and "moved twice" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(seconds=60)  # not due again at once: no hot loop
    asyncio.run(deliver_pending(services, sender, now=NOW + timedelta(seconds=60), policy=policy))
    row = services.store.outbox.get_delivery(row.id)
    assert row.status == "failed" and "gave up after 2 attempts" in row.last_error
    assert sender.accepted == []
