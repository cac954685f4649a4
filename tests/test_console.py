"""The console chat: same registry and jobs, numbered buttons, pushed alerts printed, images saved to files."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regimebot.bot.console.chat import CONSOLE_CHAT_ID, CONSOLE_USER_ID, ConsoleChat, Screen
from regimebot.bot.console.render import render_html
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.storage.store import Store
from tests.chat_world import make_services, with_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def console(tmp_path):
    services = with_settings(make_services(), admins=frozenset({CONSOLE_USER_ID}))
    screen = Screen(out=io.StringIO(), output_dir=tmp_path / "images")
    return ConsoleChat(services, screen)


def test_render_html_drops_tags_and_unescapes():
    assert render_html("<b>DXY</b> &lt;5&gt; <i>a &amp; b</i>") == "DXY <5> a & b"
    assert render_html("<b>x</b>", color=True) == "\033[1mx\033[0m"


def test_commands_answer_through_the_registry(console):
    console.say("/help")
    console.say("/quote gold")
    console.say("hello")
    console.say("/nosuch")
    out = console.screen.out.getvalue()
    assert "── /help ──" in out and "/regime — " in out
    assert "GOLD" in out and "<b>" not in out
    assert "Type a /command" in out
    assert "Unknown command /nosuch" in out


def test_numbered_buttons_are_pressed_by_typing_their_number(console):
    console.say("/settings")
    out = console.screen.out.getvalue()
    assert "[2] 繁體中文" in out
    console.say("2")
    assert console.services.store.chats.get_chat(CONSOLE_CHAT_ID).language == "zh-TW"
    assert "語言：繁體中文" in console.screen.out.getvalue()
    console.say("99")
    assert "沒有按鈕 99" in console.screen.out.getvalue()


class BrokenMarketData:
    """Market data whose every read fails with an unexpected error (a bug, not a DataError)."""

    source = "broken"

    def market(self):
        raise ZeroDivisionError("a bug in the market data")

    refresh = market

    def adhoc(self, symbols):
        raise ZeroDivisionError("a bug in the market data")


def test_a_handler_error_becomes_one_line_not_a_crash(console):
    console = ConsoleChat(replace(console.services, market_data=BrokenMarketData()), console.screen)  # /dxy fails inside
    console.say("/dxy")
    assert "Something went wrong" in console.screen.out.getvalue()


def test_pushed_alerts_are_printed_and_marked_sent(console):
    store = console.services.store
    store.chats.subscribe(CONSOLE_CHAT_ID, "*")
    alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", as_of="2026-03-02", source="generated",
                                simulated=False, evidence=[])
    store.outbox.enqueue_deliveries(alert.id, [CONSOLE_CHAT_ID])
    report = asyncio.run(console.deliver())
    assert report.sent == 1
    assert [d.status for d in store.outbox.deliveries_for_alert(alert.id)] == ["sent"]
    out = console.screen.out.getvalue()
    assert "🔔 pushed alert" in out and "Long USD on US AI hegemony" in out
    assert asyncio.run(console.deliver()).sent == 0  # nothing twice


def test_other_chats_rows_are_left_for_the_telegram_bot(console):
    store = console.services.store
    store.chats.ensure_chat(4242, "private")
    store.chats.subscribe(4242, "*")
    store.chats.subscribe(CONSOLE_CHAT_ID, "*")
    alert = store.outbox.create_alert("japan_reflation", "intact", "weakening", as_of="2026-03-02", source="generated",
                                simulated=False, evidence=[])
    store.outbox.enqueue_deliveries(alert.id, [4242, CONSOLE_CHAT_ID])
    report = asyncio.run(console.deliver())
    status = {d.chat_id: (d.status, d.attempts) for d in store.outbox.deliveries_for_alert(alert.id)}
    assert status == {CONSOLE_CHAT_ID: ("sent", 1), 4242: ("pending", 0)}
    assert report.sent == 1 and [c for c, _ in console.sender.sent] == [CONSOLE_CHAT_ID]


def test_a_closed_console_chat_receives_no_fan_out_until_it_reopens(console):
    store = console.services.store
    store.chats.subscribe(CONSOLE_CHAT_ID, "*")
    now = datetime.now(UTC)
    assert [c.chat_id for c in store.chats.subscribers("long_usd_ai", now)] == [CONSOLE_CHAT_ID]
    console.close()
    assert store.chats.subscribers("long_usd_ai", now) == []
    ConsoleChat(console.services, console.screen)
    assert [c.chat_id for c in store.chats.subscribers("long_usd_ai", now)] == [CONSOLE_CHAT_ID]


def test_images_are_saved_to_files_and_their_paths_shown(console):
    png = b"\x89PNG\r\n\x1a\nfake"
    text = console.screen.format_reply(Reply("chart", image=png, image_name="corr.png",
                                             buttons=((Button("A", "x:1"),),), extra=(Reply("more", image=png),)))
    paths = sorted((console.screen.output_dir).iterdir())
    assert len(paths) == 2 and all(p.read_bytes() == png for p in paths)
    assert str(paths[0]) in text and str(paths[1]) in text and "[1] A" in text


def test_evaluate_in_the_console_runs_the_real_cycle(console):
    console.say("/evaluate")
    assert "Evaluated on data up to 2026-03-02" in console.screen.out.getvalue()
    assert console.services.store.runs.last_runs(1)[0].ok is True


def test_demo_without_a_terminal_plays_the_tour_offline_and_exits_0(tmp_path):
    env = {**os.environ, "REGIMEBOT_DB": str(tmp_path / "user.db"), "XDG_DATA_HOME": str(tmp_path / "xdg"),
           "REGIMEBOT_DATA": "yfinance", "TELEGRAM_BOT_TOKEN": ""}
    env.pop("REGIMEBOT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "regimebot.bot.cli", "demo", "--output", str(tmp_path / "img")], cwd=REPO,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("regimebot demo — OFFLINE, on a SIMULATED market")
    headers = [line for line in out.splitlines() if line.startswith("── ")]
    assert headers and all("SIMULATED" in h for h in headers)
    assert "🔔 pushed alert" in out and "Status: intact → weakening" in out
    assert "── /why " in out and "── /alerts" in out
    assert "\nDXY " in out and "\nTLT " in out  # the README promise: readings of at least DXY and TLT
    assert "Demo finished:" in out
    saved = [line.split("image saved to ", 1)[1] for line in out.splitlines() if "image saved to " in line]
    assert saved and all(Path(p).is_file() and Path(p).read_bytes().startswith(b"\x89PNG") for p in saved)
    assert all(Path(p).parent == tmp_path / "img" for p in saved)
    assert not (tmp_path / "user.db").exists()  # the user's database is never touched
    assert not (tmp_path / "xdg").exists()


def test_chat_command_reads_piped_lines_on_the_configured_data(tmp_path):
    env = {**os.environ, "REGIMEBOT_DB": str(tmp_path / "chat.db"), "REGIMEBOT_DATA": "demo", "TELEGRAM_BOT_TOKEN": ""}
    env.pop("REGIMEBOT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "regimebot.bot.cli", "chat", "--output", str(tmp_path / "img")], cwd=REPO,
                          input="/dxy\n/subscribe all\n/nosuch\nquit\n/theses\n", capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "── /dxy · SIMULATED data ──" in out and "DXY" in out
    assert "Unknown command /nosuch" in out
    assert "/theses ·" not in out  # quit ended the chat
    assert (tmp_path / "chat.db").exists()  # the configured database is used


def test_chat_command_refuses_a_database_another_bot_is_using(tmp_path):

    db_path = tmp_path / "busy.db"
    store = Store.open(db_path)
    store.process_locks.acquire_lock("elsewhere:123", ttl=3600, now=datetime.now(UTC) + timedelta(seconds=5))
    store.close()
    env = {**os.environ, "REGIMEBOT_DB": str(db_path), "REGIMEBOT_DATA": "demo", "TELEGRAM_BOT_TOKEN": ""}
    env.pop("REGIMEBOT_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "regimebot.bot.cli", "chat"], cwd=REPO, input="/help\n", capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 1
    assert "another regimebot process (elsewhere:123)" in done.stderr
    assert "/help" not in done.stdout
