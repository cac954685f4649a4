"""Storage faults (a full disk, a corrupt page) are one line in the CLI and one polite reply in chat; nothing half-done stays."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pandas as pd

from regimebot.bot.cli import main
from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.handlers import load_commands
from regimebot.handlers.dispatch import Dispatcher, Incoming
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.registry import Chat
from regimebot.macro.providers.demo import DemoProvider, stress_window
from tests.chat_world import outside

END = date(2026, 3, 31)
ADMIN = 515


def test_signal_on_a_full_disk_stores_nothing_and_says_so_politely(tmp_path):
    provider = DemoProvider(end=END, reveal_until=stress_window(END)[0] - timedelta(days=3), years=12)
    settings = Settings(data=DataSource("demo"), history_start=date(2014, 1, 1), admins=frozenset({ADMIN}))
    services = build_services(settings, provider=provider, db_path=tmp_path / "bot.db")
    store = services.store
    assert services.evaluator.run().ok  # the price cache and a first evaluation, before the disk fills up
    for chat_id in range(1000, 1040):
        store.chats.ensure_chat(chat_id, "private")
        store.chats.subscribe(chat_id, "*")
    told: list[int] = []  # the bot's "send now" hook: what another connection sees committed when it is called
    services.evaluator.on_deliveries(lambda result: told.append(
        outside(store).execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]))
    side = outside(store)  # the disk fills up: SQLite itself refuses every new outbox row (as SQLITE_FULL would)
    side.execute("CREATE TRIGGER disk_full BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    side.commit()
    dispatcher = Dispatcher(load_commands(), services)
    chat = Chat(ADMIN, "private")
    outcome = dispatcher.dispatch(Incoming(chat, ADMIN, "en", "signal", ("tariffs_landed", "on", "tariffs")), True)
    assert outcome.reply is not None
    assert outcome.reply.text.startswith("⚠️ Sorry, the bot's database is unavailable") and "disk is full" in outcome.reply.text
    assert "nothing was changed" in outcome.reply.text and t("en", "runtime.error") not in outcome.reply.text
    state = store.engine_state
    assert state.manual_signals() == {} and state.manual_history("tariffs_landed") == []
    assert state.current_statuses()["geopolitical_noise"][0] == "intact"  # the evaluation was rolled back too
    assert told == []  # nothing to send: the rolled-back deliveries were never announced
    side.execute("DROP TRIGGER disk_full")  # space again: the same command works
    side.commit()
    side.close()
    again = dispatcher.dispatch(Incoming(chat, ADMIN, "en", "signal", ("tariffs_landed", "on", "tariffs")), True)
    assert "✅" in again.reply.text and state.manual_signals() == {"tariffs_landed": True}
    assert state.current_statuses()["geopolitical_noise"][0] != "intact"
    assert told == [40]  # announced once, after the commit: another connection already saw all 40 rows
    store.close()


def test_a_corrupt_page_during_evaluate_is_one_line_and_exit_1(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    days = pd.bdate_range("2024-01-01", periods=600)
    for sid in ("DXY", "TLT", "US10Y", "VIX", "SPX"):
        base = 4.0 if sid == "US10Y" else 100.0
        pd.DataFrame({"date": [d.date().isoformat() for d in days],
                      "close": [base + 0.001 * i for i in range(len(days))]}).to_csv(folder / f"{sid}.csv", index=False)
    db_path = tmp_path / "bot.db"
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{folder}")
    monkeypatch.setenv("REGIMEBOT_DB", str(db_path))
    assert main(["fetch"]) in (0, 1)
    capsys.readouterr()
    with sqlite3.connect(db_path) as probe:  # pages of the price table's rows (not the schema)
        probe.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
        leaves = [n for (n,) in probe.execute("SELECT pageno FROM dbstat WHERE name = 'prices' AND pagetype = 'leaf'")]
        size = probe.execute("PRAGMA page_size").fetchone()[0]
    probe.close()
    data = bytearray(db_path.read_bytes())
    for pageno in leaves[len(leaves) // 2: len(leaves) // 2 + 3]:
        data[(pageno - 1) * size: pageno * size] = b"\xa5" * size  # three pages of closes overwritten
    db_path.write_bytes(bytes(data))
    code = main(["evaluate", "--json"])
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("regimebot: database ") and "damaged" in lines[0], err
    assert "Traceback" not in err


def test_a_database_locked_too_long_is_one_line(tmp_path):
    from regimebot.storage.db import open_database, storage_fault

    db = open_database(tmp_path / "bot.db")
    holder = sqlite3.connect(tmp_path / "bot.db")
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    db.conn.execute("PRAGMA busy_timeout = 50")
    try:
        db.execute("INSERT INTO runs (kind, started_at) VALUES ('evaluate', '2026-12-01T00:00:00+00:00')")
    except sqlite3.OperationalError as exc:
        fault = storage_fault(exc, "database bot.db")
    else:
        raise AssertionError("the write should have waited for the lock and given up")
    finally:
        holder.rollback()
        holder.close()
    assert str(fault) == "database bot.db: locked by another process for too long; retry, or stop the other regimebot"
    db.close()
