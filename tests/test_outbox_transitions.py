"""Outbox status transitions: a sent or failed row is final; late updates change nothing (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from regimebot.storage import outbox
from regimebot.storage.db import open_database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def db():
    return open_database(None)


def _row(db, status: str) -> outbox.Delivery:
    alert = outbox.create_alert(db, "bitcoin_bottom", "intact", "weakening", "2026-03-02", "demo", True, [], now=NOW)
    outbox.enqueue_deliveries(db, alert.id, [101], now=NOW)
    row = outbox.deliveries_for_alert(db, alert.id)[0]
    if status == "sent":
        assert outbox.mark_sent(db, row.id, 555, now=NOW)
    elif status == "failed":
        assert outbox.mark_failed(db, row.id, "refused by Telegram: bad request", now=NOW)
    elif status == "held":
        assert outbox.hold_until(db, row.id, NOW + timedelta(hours=8))
    return outbox.get_delivery(db, row.id)


@pytest.mark.parametrize("final", ["sent", "failed"])
def test_reschedule_never_resurrects_a_final_row(db, final):
    row = _row(db, final)
    assert outbox.reschedule(db, row.id, NOW + timedelta(seconds=5), "timeout") is False
    after = outbox.get_delivery(db, row.id)
    assert after == row  # status, attempts, error, message id all untouched
    assert outbox.due_deliveries(db, NOW + timedelta(days=1)) == []


@pytest.mark.parametrize("final", ["sent", "failed"])
def test_hold_never_reopens_a_final_row(db, final):
    row = _row(db, final)
    assert outbox.hold_until(db, row.id, NOW + timedelta(hours=1)) is False
    assert outbox.get_delivery(db, row.id) == row


def test_a_sent_row_is_never_relabelled_failed(db):
    row = _row(db, "sent")
    assert outbox.mark_failed(db, row.id, "chat gone: blocked", now=NOW) is False
    after = outbox.get_delivery(db, row.id)
    assert (after.status, after.message_id, after.last_error, after.attempts) == ("sent", 555, None, 1)


def test_a_failed_row_is_not_marked_sent_later(db):
    row = _row(db, "failed")
    assert outbox.mark_sent(db, row.id, 777, now=NOW) is False
    after = outbox.get_delivery(db, row.id)
    assert (after.status, after.message_id, after.last_error) == ("failed", None, "refused by Telegram: bad request")


@pytest.mark.parametrize("waiting", ["pending", "held"])
def test_waiting_rows_move_normally(db, waiting):
    row = _row(db, waiting)
    assert row.status == waiting
    assert outbox.reschedule(db, row.id, NOW + timedelta(seconds=30), "timeout") is True
    after = outbox.get_delivery(db, row.id)
    assert (after.status, after.attempts, after.last_error) == ("pending", 1, "timeout")
    assert after.next_attempt_at == NOW + timedelta(seconds=30)
    assert outbox.mark_sent(db, row.id, 9, now=NOW) is True
    assert outbox.get_delivery(db, row.id).status == "sent"
