"""storage.chats on real in-memory SQLite: preferences, subscriptions, mutes, snoozes, migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from regimebot.storage.chats import ChatError
from regimebot.storage.store import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store():
    return Store.open()


def test_ensure_chat_inserts_once_and_keeps_preferences(store):
    first = store.chats.ensure_chat(42, "private", title="Ann", language="zh-TW", timezone="Asia/Taipei")
    assert (first.chat_id, first.language, first.timezone, first.urgent_bypass_quiet, first.paused) == (42, "zh-TW", "Asia/Taipei", True, False)
    again = store.chats.ensure_chat(42, "private", language="en")  # a known chat keeps its language
    assert again.language == "zh-TW"
    assert store.chats.get_chat(7) is None
    assert [c.chat_id for c in store.chats.all_chats()] == [42]


def test_update_chat_validates_every_field_and_changes_nothing_on_error(store):
    store.chats.ensure_chat(1, "group", title="Fund")
    updated = store.chats.update_chat(1, quiet_start="22:00", quiet_end="07:30", digest_time="08:00", urgent_bypass_quiet=False)
    assert (updated.quiet_start, updated.quiet_end, updated.digest_time, updated.urgent_bypass_quiet) == ("22:00", "07:30", "08:00", False)
    for bad in ({"quiet_start": "24:00"}, {"digest_time": "8:00"}, {"language": "fr"}, {"timezone": "Mars/Olympus"},
                {"timezone": "../etc/passwd"}, {"timezone": "Asia"}, {"urgent_bypass_quiet": "yes"}, {"paused": True}, {"created_at": "x"}):
        with pytest.raises(ChatError):
            store.chats.update_chat(1, **bad)
    assert store.chats.get_chat(1) == updated
    with pytest.raises(ChatError, match="not known"):
        store.chats.update_chat(99, language="en")
    cleared = store.chats.update_chat(1, digest_time=None)
    assert cleared.digest_time is None


def test_subscriptions_and_subscribers(store):
    for cid in (1, 2, 3, 4):
        store.chats.ensure_chat(cid, "private")
    assert store.chats.subscribe(1, "long_usd") is True
    assert store.chats.subscribe(1, "long_usd") is False
    store.chats.subscribe(2, "*")
    store.chats.subscribe(3, "bitcoin")
    store.chats.subscribe(4, "*")
    store.chats.subscribe(4, "long_usd")  # both: listed once
    assert store.chats.subscriptions(4) == {"*", "long_usd"}
    assert [c.chat_id for c in store.chats.subscribers("long_usd", NOW)] == [1, 2, 4]
    assert [c.chat_id for c in store.chats.subscribers("bitcoin", NOW)] == [2, 3, 4]
    assert store.chats.unsubscribe(4, "*") is True
    assert store.chats.subscriptions(4) == set()
    assert store.chats.unsubscribe(4, "*") is False
    with pytest.raises(ChatError):
        store.chats.subscribe(1, "bad id; DROP TABLE chats")
    with pytest.raises(ChatError):
        store.chats.subscribe(77, "long_usd")  # unknown chat


def test_paused_muted_and_snoozed_chats_get_nothing(store):
    for cid in (1, 2, 3, 4):
        store.chats.ensure_chat(cid, "private")
        store.chats.subscribe(cid, "*")
    store.chats.set_paused(1, True, "Forbidden: bot was blocked by the user")
    store.chats.mute_thesis(2, "long_usd", None)
    store.chats.mute_thesis(3, "long_usd", NOW + timedelta(days=1))
    assert store.chats.get_chat(1).paused_reason == "Forbidden: bot was blocked by the user"
    assert [c.chat_id for c in store.chats.subscribers("long_usd", NOW)] == [4]
    assert [c.chat_id for c in store.chats.subscribers("bitcoin", NOW)] == [2, 3, 4]
    # the snooze ends after a day; the mute does not
    later = NOW + timedelta(days=1, seconds=1)
    assert [c.chat_id for c in store.chats.subscribers("long_usd", later)] == [3, 4]
    # a naive datetime is read as UTC
    assert [c.chat_id for c in store.chats.subscribers("long_usd", later.replace(tzinfo=None))] == [3, 4]
    assert set(store.chats.mutes(2, NOW)) == {"long_usd"}
    assert store.chats.unmute_thesis(2, "long_usd") is True
    store.chats.set_paused(1, False, None)
    assert store.chats.get_chat(1).paused_reason is None
    assert [c.chat_id for c in store.chats.subscribers("long_usd", NOW)] == [1, 2, 4]


def test_migrate_chat_moves_preferences_subscriptions_and_mutes(store):
    store.chats.ensure_chat(-100, "group", title="Desk", language="zh-TW")
    store.chats.subscribe(-100, "japan")
    store.chats.mute_thesis(-100, "bitcoin", None)
    moved = store.chats.migrate_chat(-100, -1001234)
    assert (moved.chat_id, moved.type, moved.language) == (-1001234, "supergroup", "zh-TW")
    assert store.chats.get_chat(-100) is None
    assert store.chats.subscriptions(-1001234) == {"japan"}
    assert set(store.chats.mutes(-1001234, NOW)) == {"bitcoin"}


def test_migrate_chat_merges_into_an_existing_new_chat(store):
    store.chats.ensure_chat(-5, "group")
    store.chats.subscribe(-5, "japan")
    store.chats.ensure_chat(-1005, "supergroup", language="zh-TW")
    store.chats.subscribe(-1005, "bitcoin")
    merged = store.chats.migrate_chat(-5, -1005)
    assert merged.language == "zh-TW"
    assert store.chats.subscriptions(-1005) == {"japan", "bitcoin"}
    assert store.chats.get_chat(-5) is None


def test_digest_chats_lists_only_unpaused_chats_with_a_time(store):
    store.chats.ensure_chat(1, "private")
    store.chats.ensure_chat(2, "private")
    store.chats.ensure_chat(3, "private")
    store.chats.update_chat(1, digest_time="07:00")
    store.chats.update_chat(3, digest_time="21:15")
    store.chats.set_paused(3, True, "blocked")
    assert [c.chat_id for c in store.chats.digest_chats()] == [1]


def test_bad_chat_ids_are_refused(store):
    with pytest.raises(ChatError):
        store.chats.ensure_chat("1", "private")  # type: ignore[arg-type]
    with pytest.raises(ChatError):
        store.chats.ensure_chat(1, "bot")
