"""Inline-button data is untrusted input: the alert buttons accept only what they issued."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.bot.config import Settings
from regimebot.handlers.alerts import details_button, mute_button, snooze_button
from regimebot.handlers.context import Services
from regimebot.handlers.dispatch import CALLBACK_DATA as _CALLBACK
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.registry import Chat, Request
from regimebot.storage import chats, outbox
from regimebot.storage.db import open_database

THESES = {"long_usd_ai": SimpleNamespace(name={"en": "Long USD"}), "japan_reflation": SimpleNamespace(name={"en": "Japan"})}
NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _request(db, chat_id=5):
    services = Services(settings=Settings(), db=db, catalog=None, market_data=None,
                        watchlist=SimpleNamespace(theses=THESES, signals={}))
    return Request("snooze", (), Chat(chat_id, "private"), 5, "en", services, False)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_snooze_and_mute_store_only_known_thesis_ids(rest):
    db = open_database(None)
    req = _request(db)
    snooze_button(req, rest, now=NOW)
    mute_button(req, rest)
    stored = set(chats.mutes(db, 5, NOW)) if chats.get_chat(db, 5) else set()
    assert stored <= {rest} and (not stored or rest in THESES)
    db.close()


def _two_alerts(db):
    mine = outbox.create_alert(db, "long_usd_ai", "intact", "weakening", "2026-03-01", "demo", True, [])
    other = outbox.create_alert(db, "japan_reflation", "intact", "weakening", "2026-03-01", "demo", True, [])
    outbox.enqueue_deliveries(db, mine.id, [5])
    outbox.enqueue_deliveries(db, other.id, [6])
    return mine, other


def test_details_of_this_chats_alert_and_not_of_another_chats():
    db = open_database(None)
    mine, other = _two_alerts(db)
    assert f"<b>Alert #{mine.id}</b>" in details_button(_request(db), str(mine.id)).text
    assert details_button(_request(db), str(other.id)).text == t("en", "alerts.button_stale")
    db.close()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_details_never_leak_another_chats_alert(rest):
    db = open_database(None)
    mine, other = _two_alerts(db)
    text = details_button(_request(db), rest).text
    assert text == t("en", "alerts.button_stale") or f"<b>Alert #{mine.id}</b>" in text
    assert f"Alert #{other.id}" not in text
    db.close()


@given(st.text(max_size=100))
def test_callback_pattern_bounds_prefix_and_payload(data):
    match = _CALLBACK.match(data)
    if match:
        assert len(match.group(1)) <= 16 and len(match.group(2)) <= 60
        assert "<" not in data and " " not in data and "\n" not in data
