"""storage.chats on real in-memory SQLite: preferences, subscriptions, mutes, snoozes, migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from regimebot.storage import chats
from regimebot.storage.chats import ChatError
from regimebot.storage.db import open_database

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def db():
    return open_database(None)


def test_ensure_chat_inserts_once_and_keeps_preferences(db):
    first = chats.ensure_chat(db, 42, "private", title="Ann", language="zh-TW", timezone="Asia/Taipei")
    assert (first.chat_id, first.language, first.timezone, first.urgent_bypass_quiet, first.paused) == (42, "zh-TW", "Asia/Taipei", True, False)
    again = chats.ensure_chat(db, 42, "private", language="en")  # a known chat keeps its language
    assert again.language == "zh-TW"
    assert chats.get_chat(db, 7) is None
    assert [c.chat_id for c in chats.all_chats(db)] == [42]


def test_update_chat_validates_every_field_and_changes_nothing_on_error(db):
    chats.ensure_chat(db, 1, "group", title="Fund")
    updated = chats.update_chat(db, 1, quiet_start="22:00", quiet_end="07:30", digest_time="08:00", urgent_bypass_quiet=False)
    assert (updated.quiet_start, updated.quiet_end, updated.digest_time, updated.urgent_bypass_quiet) == ("22:00", "07:30", "08:00", False)
    for bad in ({"quiet_start": "24:00"}, {"digest_time": "8:00"}, {"language": "fr"}, {"timezone": "Mars/Olympus"},
                {"timezone": "../etc/passwd"}, {"timezone": "Asia"}, {"urgent_bypass_quiet": "yes"}, {"paused": True}, {"created_at": "x"}):
        with pytest.raises(ChatError):
            chats.update_chat(db, 1, **bad)
    assert chats.get_chat(db, 1) == updated
    with pytest.raises(ChatError, match="not known"):
        chats.update_chat(db, 99, language="en")
    cleared = chats.update_chat(db, 1, digest_time=None)
    assert cleared.digest_time is None


def test_subscriptions_and_subscribers(db):
    for cid in (1, 2, 3, 4):
        chats.ensure_chat(db, cid, "private")
    assert chats.subscribe(db, 1, "long_usd") is True
    assert chats.subscribe(db, 1, "long_usd") is False
    chats.subscribe(db, 2, "*")
    chats.subscribe(db, 3, "bitcoin")
    chats.subscribe(db, 4, "*")
    chats.subscribe(db, 4, "long_usd")  # both: listed once
    assert chats.subscriptions(db, 4) == {"*", "long_usd"}
    assert [c.chat_id for c in chats.subscribers(db, "long_usd", NOW)] == [1, 2, 4]
    assert [c.chat_id for c in chats.subscribers(db, "bitcoin", NOW)] == [2, 3, 4]
    assert chats.unsubscribe(db, 4, "*") is True
    assert chats.subscriptions(db, 4) == set()
    assert chats.unsubscribe(db, 4, "*") is False
    with pytest.raises(ChatError):
        chats.subscribe(db, 1, "bad id; DROP TABLE chats")
    with pytest.raises(ChatError):
        chats.subscribe(db, 77, "long_usd")  # unknown chat


def test_paused_muted_and_snoozed_chats_get_nothing(db):
    for cid in (1, 2, 3, 4):
        chats.ensure_chat(db, cid, "private")
        chats.subscribe(db, cid, "*")
    chats.set_paused(db, 1, True, "Forbidden: bot was blocked by the user")
    chats.mute_thesis(db, 2, "long_usd", None)
    chats.mute_thesis(db, 3, "long_usd", NOW + timedelta(days=1))
    assert chats.get_chat(db, 1).paused_reason == "Forbidden: bot was blocked by the user"
    assert [c.chat_id for c in chats.subscribers(db, "long_usd", NOW)] == [4]
    assert [c.chat_id for c in chats.subscribers(db, "bitcoin", NOW)] == [2, 3, 4]
    # the snooze ends after a day; the mute does not
    later = NOW + timedelta(days=1, seconds=1)
    assert [c.chat_id for c in chats.subscribers(db, "long_usd", later)] == [3, 4]
    # a naive datetime is read as UTC
    assert [c.chat_id for c in chats.subscribers(db, "long_usd", later.replace(tzinfo=None))] == [3, 4]
    assert set(chats.mutes(db, 2, NOW)) == {"long_usd"}
    assert chats.unmute_thesis(db, 2, "long_usd") is True
    chats.set_paused(db, 1, False, None)
    assert chats.get_chat(db, 1).paused_reason is None
    assert [c.chat_id for c in chats.subscribers(db, "long_usd", NOW)] == [1, 2, 4]


def test_migrate_chat_moves_preferences_subscriptions_and_mutes(db):
    chats.ensure_chat(db, -100, "group", title="Desk", language="zh-TW")
    chats.subscribe(db, -100, "japan")
    chats.mute_thesis(db, -100, "bitcoin", None)
    moved = chats.migrate_chat(db, -100, -1001234)
    assert (moved.chat_id, moved.type, moved.language) == (-1001234, "supergroup", "zh-TW")
    assert chats.get_chat(db, -100) is None
    assert chats.subscriptions(db, -1001234) == {"japan"}
    assert set(chats.mutes(db, -1001234, NOW)) == {"bitcoin"}


def test_migrate_chat_merges_into_an_existing_new_chat(db):
    chats.ensure_chat(db, -5, "group")
    chats.subscribe(db, -5, "japan")
    chats.ensure_chat(db, -1005, "supergroup", language="zh-TW")
    chats.subscribe(db, -1005, "bitcoin")
    merged = chats.migrate_chat(db, -5, -1005)
    assert merged.language == "zh-TW"
    assert chats.subscriptions(db, -1005) == {"japan", "bitcoin"}
    assert chats.get_chat(db, -5) is None


def test_digest_chats_lists_only_unpaused_chats_with_a_time(db):
    chats.ensure_chat(db, 1, "private")
    chats.ensure_chat(db, 2, "private")
    chats.ensure_chat(db, 3, "private")
    chats.update_chat(db, 1, digest_time="07:00")
    chats.update_chat(db, 3, digest_time="21:15")
    chats.set_paused(db, 3, True, "blocked")
    assert [c.chat_id for c in chats.digest_chats(db)] == [1]


def test_bad_chat_ids_are_refused(db):
    with pytest.raises(ChatError):
        chats.ensure_chat(db, "1", "private")  # type: ignore[arg-type]
    with pytest.raises(ChatError):
        chats.ensure_chat(db, 1, "bot")
