"""Property: any argument strings to any registered command (or any button data) get a Reply, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers import load_commands
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.registry import Chat, Request
from tests.chat_world import ADMIN, FakeEvaluator, make_services

REGISTRY = load_commands()
SERVICES = make_services(evaluator=FakeEvaluator())
WORDS = st.one_of(
    st.text(min_size=1, max_size=30).filter(lambda s: s.strip() and not any(c.isspace() for c in s)),
    st.sampled_from(["all", "*", "on", "off", "-1", "0", "31", "1e9", "nan", "DXY", "NVDA", "long_usd_ai", "tariffs_landed",
                     "<b>", "&amp;", "22:00-07:00", "Asia/Taipei", "../../etc", "zh-TW", "quiet", "digest", "timezone"]),
)
ARGS = st.lists(WORDS, max_size=5).map(tuple)
CHATS = st.sampled_from([Chat(600, "private"), Chat(-100600, "supergroup", "G", thread_id=7), Chat(-100700, "channel", "C")])
COMMANDS = sorted(c.name for c in REGISTRY.commands())


@pytest.mark.parametrize("name", COMMANDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=ARGS, chat=CHATS, admin=st.booleans(), lang=st.sampled_from(["en", "zh-TW", "xx"]))
def test_random_arguments_never_raise(name, args, chat, admin, lang):
    command = REGISTRY.get(name)
    req = Request(command=name, args=args, chat=chat, user_id=ADMIN if admin else 42, lang=lang, services=SERVICES, is_admin=admin)
    reply = command.handler(req)
    assert isinstance(reply, Reply) and reply.text.strip()


@pytest.mark.parametrize("prefix", sorted(c.prefix for c in REGISTRY.callbacks()))
@settings(max_examples=40, deadline=None)
@given(rest=st.one_of(st.text(max_size=70), st.sampled_from(["lang:en", "tz:0", "tz:99", "quiet:off", "digest:0800", "1", "x:y:z"])),
       admin=st.booleans())
def test_random_button_data_never_raises(prefix, rest, admin):
    callback = REGISTRY.get_callback(prefix)
    req = Request(command=prefix, args=(), chat=Chat(601, "private"), user_id=ADMIN, lang="en", services=SERVICES, is_admin=admin)
    reply = callback.handler(req, rest)
    assert isinstance(reply, Reply) and reply.text.strip()
