"""Outbox status transitions: a sent or failed row is final; late updates change nothing (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from regimebot.storage import outbox
from regimebot.storage.store import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store():
    return Store.open()


def _row(store, status: str) -> outbox.Delivery:
    alert = store.outbox.create_alert("bitcoin_bottom", "intact", "weakening", "2026-03-02", "demo", True, [], now=NOW)
    store.outbox.enqueue_deliveries(alert.id, [101], now=NOW)
    row = store.outbox.deliveries_for_alert(alert.id)[0]
    if status == "sent":
        assert store.outbox.mark_sent(row.id, 555, now=NOW)
    elif status == "failed":
        assert store.outbox.mark_failed(row.id, "refused by Telegram: bad request", now=NOW)
    elif status == "held":
        assert store.outbox.hold_until(row.id, NOW + timedelta(hours=8))
    return store.outbox.get_delivery(row.id)


@pytest.mark.parametrize("final", ["sent", "failed"])
def test_reschedule_never_resurrects_a_final_row(store, final):
    row = _row(store, final)
    assert store.outbox.reschedule(row.id, NOW + timedelta(seconds=5), "timeout") is False
    after = store.outbox.get_delivery(row.id)
    assert after == row  # status, attempts, error, message id all untouched
    assert store.outbox.due_deliveries(NOW + timedelta(days=1)) == []


@pytest.mark.parametrize("final", ["sent", "failed"])
def test_hold_never_reopens_a_final_row(store, final):
    row = _row(store, final)
    assert store.outbox.hold_until(row.id, NOW + timedelta(hours=1)) is False
    assert store.outbox.get_delivery(row.id) == row


def test_a_sent_row_is_never_relabelled_failed(store):
    row = _row(store, "sent")
    assert store.outbox.mark_failed(row.id, "chat gone: blocked", now=NOW) is False
    after = store.outbox.get_delivery(row.id)
    assert (after.status, after.message_id, after.last_error, after.attempts) == ("sent", 555, None, 1)


def test_a_failed_row_is_not_marked_sent_later(store):
    row = _row(store, "failed")
    assert store.outbox.mark_sent(row.id, 777, now=NOW) is False
    after = store.outbox.get_delivery(row.id)
    assert (after.status, after.message_id, after.last_error) == ("failed", None, "refused by Telegram: bad request")


@pytest.mark.parametrize("waiting", ["pending", "held"])
def test_waiting_rows_move_normally(store, waiting):
    row = _row(store, waiting)
    assert row.status == waiting
    assert store.outbox.reschedule(row.id, NOW + timedelta(seconds=30), "timeout") is True
    after = store.outbox.get_delivery(row.id)
    assert (after.status, after.attempts, after.last_error) == ("pending", 1, "timeout")
    assert after.next_attempt_at == NOW + timedelta(seconds=30)
    assert store.outbox.mark_sent(row.id, 9, now=NOW) is True
    assert store.outbox.get_delivery(row.id).status == "sent"
