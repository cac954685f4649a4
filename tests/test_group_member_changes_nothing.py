"""Property: a plain member of a group (not an admin) changes no shared state, whatever command, arguments or button."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers import load_commands
from regimebot.handlers.registry import Chat, Request
from regimebot.storage.store import Store
from tests.chat_world import FakeEvaluator, make_services, shared_state

REGISTRY = load_commands()
SERVICES = make_services(store=Store.open(Path(tempfile.mkdtemp(prefix="regimebot-member-")) / "state.db"),
                         evaluator=FakeEvaluator(lambda: pytest.fail("a group member triggered an evaluation")))
GROUP = Chat(-100900, "supergroup", "Fund desk", thread_id=5)
MEMBER = 4242  # not in REGIMEBOT_ADMINS, not a chat administrator


def _seed() -> None:
    store = SERVICES.store
    store.chats.ensure_chat(GROUP.id, "supergroup", title=GROUP.title)
    store.chats.subscribe(GROUP.id, "long_usd_ai")
    store.portfolios.save_portfolio(GROUP.id, {"TLT": 60.0, "GOLD": 40.0})
    alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-02", "test", False, [])
    store.outbox.enqueue_deliveries(alert.id, [GROUP.id])
    store.engine_state.set_manual_signal("tariffs_landed", True, 1, "seeded by an admin")
    # an open journal entry with a catalyst, so /note, /catalyst, /close and the "done" button have a target
    store.journal.append("long_duration", "open", {"entry_date": "2025-06-02", "entry_level": 90.0, "series": "TLT",
                                                   "pain": 10.0}, user_id=1001, via="chat")
    store.journal.append("long_duration", "catalyst", {"date": "2025-09-30", "text": "two Fed cuts"}, user_id=1001, via="chat")


_seed()


def test_the_snapshot_covers_the_shared_state():
    state = shared_state(SERVICES.store)
    assert {"chats", "subscriptions", "portfolios", "deliveries", "manual_signals", "manual_signal_history",
            "journal_events"} <= set(state)
    assert state["subscriptions"] and state["portfolios"] and state["deliveries"] and state["manual_signal_history"]
    assert state["journal_events"]


WORDS = st.one_of(
    st.sampled_from(["all", "*", "on", "off", "set", "add", "remove", "clear", "TLT", "GOLD", "50", "long_usd_ai",
                     "tariffs_landed", "language", "zh-TW", "timezone", "Asia/Taipei", "quiet", "22:00-07:00", "digest",
                     "08:00", "urgent", "1", "#1", "long_duration", "done", "2", "2026-01-31", "pain=10%",
                     "series=TLT", "--entry", "horizon=18m"]),
    st.text(min_size=1, max_size=12).filter(lambda s: s.strip() and not any(c.isspace() for c in s)),
)
COMMANDS = sorted(c.name for c in REGISTRY.commands()
                  if c.name not in ("backtest", "chart", "corr", "scenario", "closest", "journal"))  # read-only, slow


def test_every_journal_command_and_button_is_covered():
    assert {"open", "note", "catalyst", "close", "reload"} <= set(COMMANDS)
    assert "jdone" in {c.prefix for c in REGISTRY.callbacks()}


@pytest.mark.parametrize("name", COMMANDS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=st.lists(WORDS, max_size=3).map(tuple))
def test_a_group_member_command_changes_nothing(name, args):
    before = shared_state(SERVICES.store)
    req = Request(command=name, args=args, chat=GROUP, user_id=MEMBER, lang="en", services=SERVICES, is_admin=False)
    REGISTRY.get(name).handler(req)
    assert shared_state(SERVICES.store) == before


@pytest.mark.parametrize("prefix", sorted(c.prefix for c in REGISTRY.callbacks()))
@settings(max_examples=30, deadline=None)
@given(rest=st.one_of(st.sampled_from(["lang:zh-TW", "tz:1", "quiet:2200-0700", "digest:0800", "urgent:off",
                                       "long_usd_ai", "1", "#1", "long_duration:2", "long_duration:1"]), st.text(max_size=20)))
def test_a_group_member_button_changes_nothing(prefix, rest):
    before = shared_state(SERVICES.store)
    req = Request(command=prefix, args=(), chat=GROUP, user_id=MEMBER, lang="en", services=SERVICES, is_admin=False)
    REGISTRY.get_callback(prefix).handler(req, rest)
    assert shared_state(SERVICES.store) == before
