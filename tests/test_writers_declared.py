"""Property: a command or button not registered with `writes=True` changes nothing, even asked by an admin.

Only `writes` handlers run inside the dispatcher's transaction (test_handler_rollback); one that wrote
without saying so would leave half its change behind after a fault. This catches it, whatever the arguments.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers import load_commands
from regimebot.handlers.registry import Chat, Request
from regimebot.storage.store import Store
from tests.chat_world import ADMIN, FakeEvaluator, make_services, shared_state

REGISTRY = load_commands()
SERVICES = make_services(store=Store.open(Path(tempfile.mkdtemp(prefix="regimebot-writers-")) / "state.db"),
                         evaluator=FakeEvaluator())  # /evaluate's cycle keeps its own transactions: not run here
GROUP = Chat(-100901, "supergroup", "Fund desk", thread_id=5)
SLOW = {"backtest", "chart", "corr"}  # read-only and slow: fewer examples


def _seed() -> None:
    store = SERVICES.store
    store.chats.ensure_chat(GROUP.id, "supergroup", title=GROUP.title)
    store.chats.subscribe(GROUP.id, "long_usd_ai")
    alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-02", "test", False, [])
    store.outbox.enqueue_deliveries(alert.id, [GROUP.id])
    store.journal.append("long_duration", "open", {"entry_date": "2025-06-02", "entry_level": 90.0, "series": "TLT"},
                         user_id=ADMIN, via="chat")


_seed()


WORDS = st.one_of(
    st.sampled_from(["all", "on", "off", "set", "add", "remove", "clear", "TLT", "GOLD", "DXY", "50", "long_usd_ai",
                     "long_duration", "tariffs_landed", "1", "#1", "1y", "5", "2026-01-31", "TLT=-100bp", "-100bp",
                     "lookback=1y", "quiet", "22:00-07:00"]),
    st.text(min_size=1, max_size=10).filter(lambda s: s.strip() and not any(c.isspace() for c in s)),
)
# the shapes that change something when a command does write (a portfolio, a subscription, a switch, a setting, the journal)
SHAPES = [("set", "TLT", "60", "GOLD", "40"), ("add", "DXY", "10"), ("clear",), ("all",), ("long_usd_ai",),
          ("tariffs_landed", "on"), ("quiet", "22:00-07:00"), ("language", "zh-TW"), ("long_duration", "a", "note"),
          ("long_duration", "2026-09-30", "Fed", "meeting"), ("long_usd_ai", "entry=2026-01-05"), ("long_duration", "done", "1")]
READERS = sorted(c.name for c in REGISTRY.commands() if not c.writes)
READER_BUTTONS = sorted(c.prefix for c in REGISTRY.callbacks() if not c.writes)


def test_the_readers_include_the_commands_people_use_most():
    assert {"dxy", "quote", "regime", "theses", "thesis", "status", "journal", "alerts", "why", "evaluate"} <= set(READERS)
    assert "alert" in READER_BUTTONS


@pytest.mark.parametrize("name", READERS)
def test_a_command_not_declared_as_writing_changes_nothing_in_any_writing_shape(name):
    for args in SHAPES[:3] if name in SLOW else SHAPES:
        before = shared_state(SERVICES.store)
        req = Request(command=name, args=args, chat=GROUP, user_id=ADMIN, lang="en", services=SERVICES, is_admin=True)
        REGISTRY.get(name).handler(req)
        assert shared_state(SERVICES.store) == before, (name, args)


@pytest.mark.parametrize("name", READERS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_command_not_declared_as_writing_changes_nothing(name, data):
    args = data.draw(st.lists(WORDS, max_size=1 if name in SLOW else 3).map(tuple), label="args")
    before = shared_state(SERVICES.store)
    req = Request(command=name, args=args, chat=GROUP, user_id=ADMIN, lang="en", services=SERVICES, is_admin=True)
    REGISTRY.get(name).handler(req)
    assert shared_state(SERVICES.store) == before


@pytest.mark.parametrize("prefix", READER_BUTTONS)
@settings(max_examples=20, deadline=None)
@given(rest=st.one_of(st.sampled_from(["1", "2", "long_usd_ai", "why:1"]), st.text(max_size=20)))
def test_a_button_not_declared_as_writing_changes_nothing(prefix, rest):
    before = shared_state(SERVICES.store)
    req = Request(command=prefix, args=(), chat=GROUP, user_id=ADMIN, lang="en", services=SERVICES, is_admin=True)
    REGISTRY.get_callback(prefix).handler(req, rest)
    assert shared_state(SERVICES.store) == before
