"""Which status changes become messages: known-to-known moves only, never a data gap or a first observation."""

from __future__ import annotations

from datetime import date

import pytest

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.jobs.cycle import fan_out
from regimebot.macro.providers.demo import DemoProvider
from regimebot.storage.engine_state import StoredTransition


@pytest.fixture
def services():
    services = build_services(Settings(data=DataSource("demo")), provider=DemoProvider(end=date(2026, 3, 31), years=2), db_path=":memory:")
    services.store.chats.ensure_chat(1, "private")
    services.store.chats.subscribe(1, "*")
    yield services
    services.store.close()


def change(i: int, old: str | None, new: str) -> StoredTransition:
    return StoredTransition(id=i, thesis_id="long_usd_ai", old=old, new=new, as_of=date(2026, 3, 31), evidence=[], created_at="2026-03-31T22:00:00+00:00")


@pytest.mark.parametrize("old, new, alerts", [
    (None, "intact", 0),            # first observation
    ("weakening", "unknown", 0),    # data went missing: not a recovery
    ("unknown", "invalidated", 0),  # data came back: not news by itself
    ("intact", "weakening", 1),
    ("weakening", "invalidated", 1),
    ("invalidated", "intact", 1),   # a recovery: the quieter message
])
def test_only_moves_between_known_statuses_are_sent(services, old, new, alerts):
    ids, rows = fan_out(services.store, [change(1, old, new)], "demo", True)
    assert len(ids) == alerts and rows == alerts
    assert services.store.outbox.delivery_backlog()["pending"] == alerts


def test_alerts_go_to_the_forum_topic_subscribed_from(services):
    from regimebot.handlers import load_commands
    from regimebot.handlers.registry import Chat, Request

    registry = load_commands()
    forum = Chat(id=-100777, type="supergroup", title="Fund desk", thread_id=42)
    services.store.chats.ensure_chat(forum.id, "supergroup", "Fund desk")
    reply = registry.get("subscribe").handler(Request("subscribe", ("all",), forum, 9, "en", services, is_admin=True))
    assert "all" in reply.text.lower()
    fan_out(services.store, [change(1, "intact", "weakening")], "demo", True)
    rows = {d.chat_id: d.thread_id for d in services.store.outbox.due_deliveries()}
    assert rows == {1: None, -100777: 42}
