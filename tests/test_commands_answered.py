"""Every command is answered whatever follows it (defect 3 of issue 12), through the real Application and the
fake Bot API: a property test over trailing punctuation, emoji and zero-width characters, and a seeded fuzz of
updates of every kind (bench/fuzz_updates.py runs 10,000 of them)."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.handlers import load_commands
from regimebot.handlers.dispatch import command_line
from tests.fakebot.fuzz import BotThread, fuzz, summary, wait_for_answers

COMMANDS = [c.name for c in load_commands().commands()]
PUNCTUATION = list(".,!?;:)…。，、'\"-/\\%&<>#*~")
EMOJI = ["🙂", "📈", "🇹🇼", "👍🏽", "❤️", "🤖"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad"]
trailer = st.lists(st.sampled_from(PUNCTUATION + EMOJI + ZERO_WIDTH), min_size=1, max_size=4).map("".join)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    with BotThread(tmp_path_factory.mktemp("answered")) as server:
        yield server


_chats = itertools.count(20_000_001)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=trailer, args=st.sampled_from(["", " DXY", " 1y", "\nall"]))
def test_every_registered_command_followed_by_punctuation_emoji_or_zero_width_gets_a_reply(bot, tail, args):
    sent = {}
    for name in COMMANDS:
        chat_id = next(_chats)
        bot.command(chat_id, f"/{name}{tail}{args}", user_id=chat_id)
        sent[chat_id] = f"/{name}{tail}{args}"
    missing = wait_for_answers(bot, set(sent))
    assert not missing, sorted(sent[c] for c in missing)


@pytest.mark.parametrize("text", ["/dxy.", "/help,", "/signal🙂", "/quote\u200b", "/status@regime_test_bot!", "/START"])
def test_the_commands_of_the_report_are_answered(bot, text):
    chat_id = next(_chats)
    bot.command(chat_id, text, user_id=chat_id)
    assert not wait_for_answers(bot, {chat_id}), text
    assert "Unknown command" not in str(bot.messages_to(chat_id)[0]["text"])


def test_seeded_fuzz_every_command_answered_no_errors_no_bad_html(tmp_path):
    report = asyncio.run(fuzz(1500, seed=12, workdir=tmp_path))
    figures = summary(report)
    assert figures["commands_due"] > 900 and figures["callbacks"] > 100, figures  # the run really exercised the bot
    assert report.unanswered == [], report.unanswered[:5]
    assert figures["callbacks_unanswered"] == 0, figures
    assert report.errors == [], report.errors[:5]
    assert report.went_wrong == [], report.went_wrong[:3]
    assert report.bad_html == [], report.bad_html[:3]


@pytest.mark.parametrize("line,expected", [
    ("/dxy.", ("dxy", ())), ("/help,", ("help", ())), ("/signal🙂 x", ("signal", ("x",))), ("/quote\u200b", ("quote", ())),
    ("/Status@regime_test_bot!", ("status", ())), ("/ help", None), ("/", None), ("hello", None),
])
def test_the_console_reads_a_command_line_as_telegram_marks_it(line, expected):
    assert command_line(line) == expected
