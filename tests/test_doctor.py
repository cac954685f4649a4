"""`regimebot doctor` against the fake Bot API: one line per check, exit 0 when all pass, 1 with the reason when not."""

from __future__ import annotations

import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest

from regimebot.bot.cli import main
from regimebot.bot.cli.doctor import storage_checks
from regimebot.storage.db import open_database
from regimebot.storage.store import Store
from tests.fakebot import FakeBotServer

TOKEN = "3434343434:AAG-doctor-token_Secret0123456789ab"


@pytest.fixture
def env(monkeypatch, tmp_path):
    for var in ("REGIMEBOT_CONFIG", "REGIMEBOT_WATCHLIST", "REGIMEBOT_WEBHOOK_SECRET"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("REGIMEBOT_DATA", "demo")
    return monkeypatch


def _doctor(capsys) -> tuple[int, dict[str, str], str]:
    """Exit status, {check name: its line}, and the summary line."""
    status = main(["doctor"])
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err and TOKEN.split(":")[1] not in out.out + out.err
    lines = out.out.strip().splitlines()
    checks = {line.split()[1]: line for line in lines[:-1]}
    assert all(line.startswith(("ok  ", "FAIL")) for line in lines[:-1]), lines
    return status, checks, lines[-1]


def test_a_healthy_deployment_passes_every_check(env, capsys):
    with FakeBotServer().run_in_thread() as server:
        env.setenv("REGIMEBOT_TELEGRAM_API_URL", server.base_url)
        status, checks, summary = _doctor(capsys)
        assert server.calls_of("getMe") and server.calls_of("getWebhookInfo")
    assert status == 0, checks
    assert list(checks) == ["token", "webhook", "data", "database", "clock", "disk"]
    assert "@regime_test_bot" in checks["token"] and "long polling" in checks["webhook"]
    assert "demo: reachable" in checks["data"] and "writable, schema v" in checks["database"]
    assert summary == "6 of 6 checks passed"


def test_a_rejected_token_fails_with_the_reason(env, capsys):
    with FakeBotServer(valid_tokens={"1:other"}).run_in_thread() as server:
        env.setenv("REGIMEBOT_TELEGRAM_API_URL", server.base_url)
        status, checks, summary = _doctor(capsys)
    assert status == 1
    assert checks["token"].startswith("FAIL") and "rejected TELEGRAM_BOT_TOKEN" in checks["token"]
    assert checks["data"].startswith("ok") and "fix: token, webhook" in summary


def test_an_unreachable_or_html_answering_api_is_named(env, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.setenv("REGIMEBOT_TELEGRAM_API_URL", f"http://127.0.0.1:{port}/bot")
    status, checks, _ = _doctor(capsys)
    assert status == 1 and "cannot reach the Bot API" in checks["token"]
    with FakeBotServer(html_status=200).run_in_thread() as server:
        env.setenv("REGIMEBOT_TELEGRAM_API_URL", server.base_url)
        status, checks, _ = _doctor(capsys)
    assert status == 1 and "did not answer like the Bot API" in checks["token"]


def test_a_failing_webhook_is_reported_with_telegrams_last_error(env, capsys):
    server = FakeBotServer()
    server.webhook_info = {"url": "https://bot.example.com/tg", "has_custom_certificate": False, "pending_update_count": 17,
                           "last_error_date": int(time.time()) - 60, "last_error_message": "Connection refused"}
    with server.run_in_thread():
        env.setenv("REGIMEBOT_TELEGRAM_API_URL", server.base_url)
        status, checks, _ = _doctor(capsys)
    assert status == 1 and checks["token"].startswith("ok")
    assert "https://bot.example.com/tg (17 update(s) pending)" in checks["webhook"] and "Connection refused" in checks["webhook"]


def test_no_token_missing_csv_data_and_a_newer_database_each_fail_in_one_line(env, capsys, tmp_path):
    env.delenv("TELEGRAM_BOT_TOKEN")
    empty = tmp_path / "prices"
    empty.mkdir()
    env.setenv("REGIMEBOT_DATA", f"csv:{empty}")
    db = tmp_path / "bot.db"
    open_database(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01')")
    status, checks, _ = _doctor(capsys)
    assert status == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in checks["token"]
    assert checks["data"].startswith("FAIL") and "csv" in checks["data"]
    assert checks["database"].startswith("FAIL") and "upgrade regimebot" in checks["database"]


def test_a_clock_behind_what_the_database_recorded_fails(tmp_path):
    store = Store.open(tmp_path / "bot.db")
    now = datetime.now(UTC)
    store.runs.start_run("evaluate", now=now + timedelta(hours=3))
    store.close()
    clock = {c.name: c for c in storage_checks(tmp_path / "bot.db", now=now)}["clock"]
    assert not clock.ok and "behind" in clock.detail
    assert {c.name: c for c in storage_checks(tmp_path / "bot.db", now=now + timedelta(hours=4))}["clock"].ok
