"""A handler that fails after its first write takes every write back: one polite line, nothing stored.

The fault is real SQLite (a trigger on another connection, as a full disk or a constraint would fail a
statement) and it strikes the handler's second write, after the first one went through. /signal's case
(the switch, then the evaluation and its deliveries) is in test_storage_faults.
"""

from __future__ import annotations

import pytest

from regimebot.handlers import load_commands
from regimebot.handlers.dispatch import Dispatcher, Incoming
from regimebot.handlers.registry import Chat
from regimebot.storage.store import Store
from tests.chat_world import ADMIN, FakeEvaluator, make_services, outside, shared_state

FORUM = Chat(-100700, "supergroup", "Fund desk", thread_id=9)
NEW_PRIVATE = Chat(777, "private")
FULL = "SELECT RAISE(ABORT, 'database or disk is full')"

# (what is asked, where, the trigger that fails the handler's second write)
CASES = {
    "/subscribe in a forum topic: the subscription, then the topic": (
        ("subscribe", ("all",)), None, FORUM, f"CREATE TRIGGER fault BEFORE UPDATE OF alert_thread_id ON chats BEGIN {FULL}; END"),
    "/settings in a new chat: the chat's row, then the change": (
        ("settings", ("quiet", "22:00-07:00")), None, NEW_PRIVATE, f"CREATE TRIGGER fault BEFORE UPDATE ON chats BEGIN {FULL}; END"),
    "the snooze button in a new chat: the chat's row, then the mute": (
        None, "snooze:long_usd_ai", NEW_PRIVATE, f"CREATE TRIGGER fault BEFORE INSERT ON thesis_mutes BEGIN {FULL}; END"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_fault_after_the_first_write_leaves_nothing_stored(tmp_path, case):
    command, button, chat, trigger = CASES[case]
    store = Store.open(tmp_path / "bot.db")
    services = make_services(store=store, evaluator=FakeEvaluator())
    dispatcher = Dispatcher(load_commands(), services)
    incoming = (Incoming(chat, ADMIN, "en", command[0], command[1]) if command
                else Incoming(chat, ADMIN, "en", button=button))
    before = shared_state(store)
    side = outside(store)
    side.execute(trigger)
    outcome = dispatcher.dispatch(incoming, True)
    assert outcome.reply is not None
    assert outcome.reply.text.startswith("⚠️ Sorry, the bot's database is unavailable"), outcome.reply.text
    assert "disk is full" in outcome.reply.text and "nothing was changed" in outcome.reply.text
    assert shared_state(store) == before  # the first write was taken back with the failed one
    side.execute("DROP TRIGGER fault")
    side.close()
    again = dispatcher.dispatch(incoming, True)  # the same request without the fault changes something
    assert again.reply is not None and "unavailable" not in again.reply.text
    assert shared_state(store) != before
    store.close()


def test_every_command_and_button_that_changes_a_chat_runs_in_one_transaction():
    registry = load_commands()
    writers = {c.name for c in registry.commands() if c.writes} | {f"{b.prefix}:" for b in registry.callbacks() if b.writes}
    assert {"signal", "subscribe", "unsubscribe", "portfolio", "settings", "open", "note", "catalyst", "close",
            "set:", "snooze:", "mute:", "jdone:"} <= writers
    assert "evaluate" not in writers  # the cycle keeps its own transactions: a failed run stays recorded
