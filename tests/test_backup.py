"""`regimebot backup PATH`: an online copy (sqlite3's backup API) that reads back intact, taken while a writer writes."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from regimebot.bot.cli import main
from regimebot.storage.db import latest_version, open_database
from regimebot.storage.maintenance import BackupError, backup_database
from regimebot.storage.store import Store


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.delenv("REGIMEBOT_CONFIG", raising=False)
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("REGIMEBOT_DATA", "demo")
    return tmp_path


def test_a_backup_taken_while_the_bot_writes_is_complete_and_intact(env, capsys):
    store = Store.open(env / "bot.db")
    for _ in range(2000):
        store.runs.start_run("evaluate", now=datetime.now(UTC))
    store.close()
    stop = threading.Event()
    written = []

    def writer() -> None:  # the running bot, on its own connection
        live = Store.open(env / "bot.db")
        while not stop.is_set():
            written.append(live.runs.start_run("evaluate", now=datetime.now(UTC)))
        live.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        status = main(["backup", str(env / "copy.db")])
    finally:
        stop.set()
        thread.join(10)
    out = capsys.readouterr().out
    assert status == 0 and "integrity ok" in out and f"schema v{latest_version()}" in out
    assert written, "the writer really wrote during the backup"
    with sqlite3.connect(env / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = copy.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 2000 <= rows <= 2000 + len(written)  # everything committed before it began, nothing half-written
    reopened = Store.open(env / "copy.db")  # the copy is a regimebot database the bot can start from
    assert reopened.runs.last_runs(1, kind="evaluate")
    reopened.close()


def test_a_backup_never_overwrites_and_names_a_missing_database(env, capsys):
    open_database(env / "bot.db").close()
    (env / "exists.db").write_text("keep me")
    assert main(["backup", str(env / "exists.db")]) == 2
    assert "already exists" in capsys.readouterr().err and (env / "exists.db").read_text() == "keep me"
    assert main(["backup", str(env / "nowhere" / "copy.db")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
    with pytest.raises(BackupError, match="no database"):
        backup_database(env / "missing.db", env / "x.db")
