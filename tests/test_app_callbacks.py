"""Inline-button data is untrusted input: the alert buttons accept only what they issued."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from regimebot.handlers.alerts import details_button, mute_button, snooze_button
from regimebot.handlers.dispatch import CALLBACK_DATA as _CALLBACK
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.registry import Chat, Request
from regimebot.macro.catalog import load_catalog
from regimebot.macro.watchlist import load_watchlist
from regimebot.storage.store import Store
from tests.chat_world import services_over

THESES = load_watchlist(None, load_catalog()).theses  # long_usd_ai and japan_reflation among them
NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _request(store, chat_id=5):
    services = services_over(store)
    return Request("snooze", (), Chat(chat_id, "private"), 5, "en", services, False)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_snooze_and_mute_store_only_known_thesis_ids(rest):
    store = Store.open()
    req = _request(store)
    snooze_button(req, rest, now=NOW)
    mute_button(req, rest)
    stored = set(store.chats.mutes(5, NOW)) if store.chats.get_chat(5) else set()
    assert stored <= {rest} and (not stored or rest in THESES)
    store.close()


def _two_alerts(store):
    mine = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-01", "demo", True, [])
    other = store.outbox.create_alert("japan_reflation", "intact", "weakening", "2026-03-01", "demo", True, [])
    store.outbox.enqueue_deliveries(mine.id, [5])
    store.outbox.enqueue_deliveries(other.id, [6])
    return mine, other


def test_details_of_this_chats_alert_and_not_of_another_chats():
    store = Store.open()
    mine, other = _two_alerts(store)
    assert f"<b>Alert #{mine.id}</b>" in details_button(_request(store), str(mine.id)).text
    assert details_button(_request(store), str(other.id)).text == t("en", "alerts.button_stale")
    store.close()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_details_never_leak_another_chats_alert(rest):
    store = Store.open()
    mine, other = _two_alerts(store)
    text = details_button(_request(store), rest).text
    assert text == t("en", "alerts.button_stale") or f"<b>Alert #{mine.id}</b>" in text
    assert f"Alert #{other.id}" not in text
    store.close()


@given(st.text(max_size=100))
def test_callback_pattern_bounds_prefix_and_payload(data):
    match = _CALLBACK.match(data)
    if match:
        assert len(match.group(1)) <= 16 and len(match.group(2)) <= 60
        assert "<" not in data and " " not in data and "\n" not in data
