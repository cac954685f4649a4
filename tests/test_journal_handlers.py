"""The journal in the chat: admin rules on every command and button, the post-mortem, same-bet flags, /reload."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from regimebot.handlers import journal_book as book
from regimebot.handlers.registry import Chat
from regimebot.macro.engine import replay
from regimebot.macro.journal import open_entry
from tests.chat_world import ADMIN, ask, make_services, press, with_settings

GROUP = Chat(-100777, "supergroup", "Fund desk")
OPEN = "/open long_duration entry=2025-06-02 series=TLT horizon=18m pain=10% conviction=4 cheap"


def _rows(services) -> dict:
    return services.store.journal.by_thesis()


@pytest.fixture(scope="module")
def services():
    services = make_services()
    ask(services, OPEN)
    ask(services, "/catalyst long_duration 2025-09-30 two Fed cuts")
    return services


CHANGES = [OPEN.replace("long_duration", "long_usd_ai").replace("TLT", "DXY"), "/note long_duration conviction=2 panic",
           "/catalyst long_duration 2026-01-30 CPI", "/catalyst long_duration done 2", "/close long_duration gave up"]


@pytest.mark.parametrize("line", CHANGES)
@pytest.mark.parametrize("who", ["group member", "group chat admin (not a bot admin)", "private non-admin"])
def test_only_a_bot_admin_changes_the_journal(services, line, who):
    chat, user, chat_admin = {"group member": (GROUP, 4242, False), "group chat admin (not a bot admin)": (GROUP, 4243, True),
                              "private non-admin": (Chat(4244), 4244, False)}[who]
    before = _rows(services)
    reply = ask(services, line, chat=chat, user_id=user, is_admin=chat_admin)
    assert "Only an administrator" in reply.text
    assert _rows(services) == before


@pytest.mark.parametrize("who", ["group member", "private non-admin"])
def test_the_done_button_needs_a_bot_admin(services, who):
    chat, user = (GROUP, 4242) if who == "group member" else (Chat(4244), 4244)
    before = _rows(services)
    assert "Only an administrator" in press(services, "jdone:long_duration:2", chat=chat, user_id=user).text
    assert _rows(services) == before


@pytest.mark.parametrize("data", ["jdone:", "jdone:long_duration", "jdone:nope:2", "jdone:long_duration:x", "jdone:long_duration:99"])
def test_a_forged_button_changes_nothing(services, data):
    before = _rows(services)
    reply = press(services, data)
    assert reply.text.startswith("⚠️")
    assert _rows(services) == before


def test_reading_is_open_to_members(services):
    board = ask(services, "/journal", chat=GROUP, user_id=4242, is_admin=False).text
    assert "long_duration" in board and "pain budget of 10%" in board
    story = ask(services, "/journal long_duration", chat=GROUP, user_id=4242, is_admin=False)
    assert "two Fed cuts" in story.text and "History" in story.text
    assert story.buttons[0][0].data == "jdone:long_duration:2"
    assert "nearest to breach" in ask(services, "/closest", chat=GROUP, user_id=4242, is_admin=False).text


def test_bad_arguments_name_the_argument_and_change_nothing(services):
    before = _rows(services)
    assert "pain" in ask(services, "/note long_duration pain=200%").text
    assert "nothing changed" in ask(services, "/note long_duration pain=10%").text
    assert "is not a catalyst" in ask(services, "/catalyst long_duration done 999").text
    assert "already open" in ask(services, "/open long_duration series=TLT").text
    assert "series" in ask(services, "/open long_usd_ai series=NOPE").text
    assert "nope" in ask(services, "/journal nope").text
    assert _rows(services) == before


def test_the_admin_button_marks_the_catalyst_done_once():
    services = make_services()
    ask(services, OPEN)
    ask(services, "/catalyst long_duration 2025-09-30 two Fed cuts")
    assert press(services, "jdone:long_duration:2").text.startswith("✅")
    assert "already marked done" in press(services, "jdone:long_duration:2").text
    assert open_entry(book.story(services, "long_duration")).catalysts[0].done


def test_close_writes_the_post_mortem_into_the_history():
    services = make_services()
    ask(services, OPEN)
    reply = ask(services, "/close long_duration the long end broke out")
    assert "Post-mortem" in reply.text and "Status path" in reply.text
    close = book.story(services, "long_duration")[0]
    assert close.kind == "close" and close.reason == "the long end broke out"
    pm = close.payload["post_mortem"]
    market = book.current_market(services)
    tlt = market.series("TLT")
    held = tlt[tlt.index >= pd.Timestamp("2025-06-02")]
    level = float(held.iloc[0])
    assert pm["entry_level"] == level and pm["entry_date"] == "2025-06-02"
    assert pm["pnl_pct"] == pytest.approx((held.iloc[-1] / level - 1) * 100)
    assert pm["max_drawdown_pct"] == pytest.approx(min(0.0, ((held / level) / (held / level).cummax().clip(lower=1.0) - 1).min() * 100))
    assert pm["pain_used_pct"] == pytest.approx(-pm["max_drawdown_pct"] / 10 * 100)
    assert pm["held_days"] == (date.fromisoformat(pm["close_date"]) - date(2025, 6, 2)).days
    expected = [t for t in replay(market, services.watchlist, date(2025, 6, 2), market.last_date()).transitions
                if t.thesis_id == "long_duration"]
    assert [(s["date"], s["old"], s["new"]) for s in pm["path"]] == [(t.date.isoformat(), t.old, t.new) for t in expected]
    assert expected, "the generated market should move the thesis at least once"
    assert all(s["signals"] == [e.id for e in t.evidence] for s, t in zip(pm["path"], expected, strict=True))
    assert open_entry(book.story(services, "long_duration")) is None


def test_same_bet_flags_open_positions_that_move_together():
    services = make_services()
    ask(services, OPEN)
    ask(services, OPEN.replace("long_duration", "long_usd_ai"))  # the same TLT position under another thesis
    ask(services, OPEN.replace("long_duration", "btc_liquidity_bottom") + " side=short")  # the mirror image
    text = ask(services, "/journal").text
    assert text.count("Same bet?") == 1
    pair = book.board(services).same_bets[0]
    assert {pair.first, pair.second} == {"long_duration", "long_usd_ai"} and pair.correlation == pytest.approx(1.0)


def test_reload_with_a_bad_file_changes_nothing_and_names_the_entry(tmp_path: Path):
    services = make_services()
    bundled = Path(__file__).resolve().parents[1] / "macro" / "data" / "watchlist.toml"
    bad = tmp_path / "watchlist.toml"
    bad.write_text(bundled.read_text(encoding="utf-8").replace('invalidation = ["long_yield_breakout"',
                                                               'invalidation = ["long_yield_breakuot"'), encoding="utf-8")
    services = with_settings(services, watchlist=bad)
    before = services.watchlist
    reply = ask(services, "/reload")
    assert "nothing was changed" in reply.text and "long_duration" in reply.text and "long_yield_breakuot" in reply.text
    assert services.watchlist is before
    assert "Only an administrator" in ask(services, "/reload", user_id=4242).text
    good = tmp_path / "good.toml"
    good.write_text(bundled.read_text(encoding="utf-8").replace('k = 2\n\n[[theses]]\nid = "btc_liquidity_bottom"',
                                                                'k = 1\n\n[[theses]]\nid = "btc_liquidity_bottom"'), encoding="utf-8")
    services = with_settings(services, watchlist=good)
    assert ask(services, "/reload", user_id=4242).text.startswith("⛔") and services.watchlist is before
    assert ask(services, "/reload", user_id=ADMIN).text.startswith("✅")
    assert services.watchlist is not before and services.watchlist.theses["long_duration"].k == 1
    assert services.evaluator.watchlists.current is services.watchlist  # the evaluation cycle uses it from now on


def test_a_horizon_run_out_is_shown_as_time_past_it():
    services = make_services()
    ask(services, "/open long_duration entry=2025-06-02 series=TLT horizon=30d")
    text = ask(services, "/journal").text
    assert "past its 30d horizon" in text and "left" not in text
