"""The Store owns its connection: calls serialise themselves, a transaction is atomic, prices have their own lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pandas as pd
import pytest

from regimebot.storage.chats import ChatError
from regimebot.storage.store import Store
from tests.chat_world import outside


def closes(*values: float) -> pd.Series:
    return pd.Series(values, index=pd.bdate_range("2026-01-05", periods=len(values)))


def test_a_transaction_commits_every_call_together(tmp_path):
    store = Store.open(tmp_path / "s.db")
    with store.transaction():
        store.chats.ensure_chat(1, "private")
        store.chats.subscribe(1, "*")
        assert outside(store).execute("SELECT COUNT(*) FROM chats").fetchone()[0] == 0  # not committed yet
    assert outside(store).execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0] == 1
    store.close()


def test_a_failing_transaction_leaves_nothing_behind(tmp_path):
    store = Store.open(tmp_path / "s.db")
    with pytest.raises(ChatError), store.transaction():
        store.chats.ensure_chat(1, "private")
        store.chats.subscribe(1, "*")
        store.chats.update_chat(1, language="klingon")  # refused: the whole block rolls back
    assert store.chats.get_chat(1) is None and store.chats.subscriptions(1) == set()
    store.close()


def test_a_real_sqlite_fault_rolls_back_the_calls_before_it(tmp_path):
    store = Store.open(tmp_path / "s.db")
    outside(store).execute("CREATE TRIGGER full BEFORE INSERT ON deliveries BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"), store.transaction():
        alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-02", "demo", True, [])
        store.outbox.enqueue_deliveries(alert.id, [1, 2])
    assert outside(store).execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0
    store.close()


def test_a_transaction_holds_the_lock_so_other_threads_wait(tmp_path):
    store = Store.open(tmp_path / "s.db")
    seen: list[object] = []
    inside = threading.Event()

    def reader() -> None:
        inside.wait()
        seen.append(store.chats.get_chat(7))  # blocks until the transaction ends

    thread = threading.Thread(target=reader)
    thread.start()
    with store.transaction():
        store.chats.ensure_chat(7, "private")
        inside.set()
        time.sleep(0.2)
        assert seen == []  # the other thread is still waiting for the lock
        store.chats.update_chat(7, language="zh-TW")
    thread.join(5)
    assert [p.language for p in seen] == ["zh-TW"]  # it saw the committed block, never half of it
    store.close()


def test_the_price_cache_is_not_behind_the_stores_lock(tmp_path):
    store = Store.open(tmp_path / "s.db")
    done = threading.Event()

    def save() -> None:
        store.prices.save_closes("TLT", closes(90.0, 91.0))
        done.set()

    with store.transaction():  # a long storage job holds the store's lock ...
        thread = threading.Thread(target=save)
        thread.start()
        assert done.wait(5)  # ... and the price cache is written all the same
    thread.join(5)
    assert store.prices.load_closes(["TLT"])["TLT"].tolist() == [90.0, 91.0]
    assert outside(store).execute("SELECT COUNT(*) FROM prices").fetchone()[0] == 2  # the same file
    store.close()


def test_an_in_memory_store_keeps_prices_and_state_apart_but_usable():
    store = Store.open()
    store.prices.save_closes("DXY", closes(100.0))
    store.prices.record_fetches("demo", {"DXY": None, "MOVE": "no data"})
    store.chats.ensure_chat(1, "private")
    assert store.prices.load_closes(["DXY"])["DXY"].tolist() == [100.0]
    assert store.prices.fetch_errors() == {"MOVE": "no data"}
    assert store.chats.get_chat(1) is not None
    store.close()


def test_reopening_a_file_sees_what_was_committed(tmp_path):
    path = tmp_path / "s.db"
    store = Store.open(path)
    store.portfolios.save_portfolio(5, {"TLT": 60.0, "GOLD": 40.0})
    store.prices.save_closes("GOLD", closes(2000.0))
    store.close()
    again = Store.open(path)
    assert again.schema_version == Store.latest_version()
    assert again.portfolios.load_portfolio(5) == {"TLT": 60.0, "GOLD": 40.0}
    assert again.prices.last_cached_dates() == {"GOLD": pd.Timestamp("2026-01-05").date()}
    again.close()


def test_after_commit_actions_wait_for_the_outermost_commit_and_are_dropped_on_rollback(tmp_path):
    store = Store.open(tmp_path / "s.db")
    seen: list[tuple[str, int]] = []

    def committed_chats(label: str) -> None:  # what another connection sees when the action runs
        seen.append((label, outside(store).execute("SELECT COUNT(*) FROM chats").fetchone()[0]))

    with store.transaction():
        store.chats.ensure_chat(1, "private")
        with store.transaction():  # a savepoint: its action waits for the outer block
            store.chats.ensure_chat(2, "private")
            store.after_commit(lambda: committed_chats("inner"))
        store.after_commit(lambda: committed_chats("outer"))
        assert seen == []
    assert seen == [("inner", 2), ("outer", 2)]
    with pytest.raises(ChatError), store.transaction():
        store.chats.ensure_chat(3, "private")
        store.after_commit(lambda: committed_chats("rolled back"))
        raise ChatError("a fault after the write")
    with store.transaction():
        with pytest.raises(ChatError), store.transaction():  # a savepoint rolled back: its action goes with it
            store.after_commit(lambda: committed_chats("savepoint rolled back"))
            raise ChatError("inner fault")
    store.after_commit(lambda: committed_chats("no transaction"))  # outside any block: at once
    assert seen == [("inner", 2), ("outer", 2), ("no transaction", 2)]
    store.close()
