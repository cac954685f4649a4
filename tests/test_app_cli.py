"""`regimebot run` at the edges: no token, bad webhook arguments, Telegram's Conflict, graceful SIGINT."""

from __future__ import annotations

import signal
import sqlite3

import pytest

from regimebot.bot.cli import main
from regimebot.bot.cli.common import UsageError
from regimebot.bot.cli.run import parse_webhook
from tests.fakebot import FakeBotServer
from tests.fakebot.process import bot_env, start_bot, wait_until

TOKEN = "616161:cli-test-token-Ww8"


def test_run_without_a_token_exits_2_pointing_to_the_demo(monkeypatch, capsys, tmp_path):
    for var in ("TELEGRAM_BOT_TOKEN", "REGIMEBOT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TELEGRAM_BOT_TOKEN" in err[0] and "@BotFather" in err[0] and "regimebot demo" in err[0]
    assert not (tmp_path / "bot.db").exists()  # nothing was started


@pytest.mark.parametrize("url,listen,problem", [
    ("https://bot.example.com/tg", None, "go together"),
    (None, "0.0.0.0:8443", "go together"),
    ("http://bot.example.com/tg", "0.0.0.0:8443", "https"),
    ("https://bot.example.com/tg", "0.0.0.0", "HOST:PORT"),
    ("https://bot.example.com/tg", "0.0.0.0:99999", "HOST:PORT"),
])
def test_webhook_arguments_are_checked(url, listen, problem):
    with pytest.raises(UsageError, match=problem):
        parse_webhook(url, listen)


def test_webhook_arguments_parsed():
    hook = parse_webhook("https://bot.example.com/tg/hook", "127.0.0.1:8443")
    assert (hook.host, hook.port, hook.path) == ("127.0.0.1", 8443, "tg/hook")
    assert parse_webhook(None, None) is None


def test_bad_webhook_arguments_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    assert main(["run", "--webhook", "http://insecure.example.com", "--listen", "0.0.0.0:8443"]) == 2
    assert "https" in capsys.readouterr().err


def test_telegram_conflict_is_reported_as_one_line_and_exits_1(tmp_path):
    with FakeBotServer(conflict=True).run_in_thread() as server:
        proc = start_bot(bot_env(server.base_url, tmp_path / "bot.db", TOKEN), "run")
        out, err = proc.communicate(timeout=60)
        polls = len(server.calls_of("getUpdates"))
    assert proc.returncode == 1
    conflict_lines = [line for line in err.splitlines() if "conflict" in line.lower()]
    assert len(conflict_lines) == 1 and conflict_lines[0].startswith("regimebot: ")
    assert "Traceback" not in err
    assert polls >= 1
    inspector = sqlite3.connect(tmp_path / "bot.db")
    assert inspector.execute("SELECT COUNT(*) FROM process_locks").fetchone()[0] == 0  # released on the way out
    inspector.close()


def test_sigint_stops_the_bot_gracefully(tmp_path):
    with FakeBotServer().run_in_thread() as server:
        proc = start_bot(bot_env(server.base_url, tmp_path / "bot.db", TOKEN), "run")
        wait_until(lambda: bool(server.calls_of("getUpdates")), 60, "polling", proc)
        server.command(81, "/start")
        wait_until(lambda: bool(server.messages_to(81)), 60, "an answer", proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
