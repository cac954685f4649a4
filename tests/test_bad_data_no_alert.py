"""Bad, backfilled or stale data never fires an alert (the whole cycle on the real history, moved to end near today)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.macro.catalog import load_catalog

pytestmark = pytest.mark.realdata

CUT = date(2025, 7, 31)  # bitcoin near 117,000: the liquidity-bottom thesis is not invalidated
TODAY = datetime.now(UTC).date()
SHIFT = (TODAY - timedelta(days=3)) - CUT  # the real history, moved so that its last day is three days ago


def write_history(folder: Path, data: Path, until: date = CUT, only: dict[str, date] | None = None) -> None:
    """The real closes from CUT - 3 years to `until` (per series in `only`), dated SHIFT later."""
    for series in load_catalog().downloadable():
        source = data / f"{series.id}.csv"
        if not source.is_file():
            continue
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)[["date", "close"]]
        days = pd.to_datetime(frame["date"])
        last = (only or {}).get(series.id, until)
        frame = frame[(days >= pd.Timestamp(CUT - timedelta(days=3 * 365))) & (days <= pd.Timestamp(last))].copy()
        frame["date"] = [(d + SHIFT).date().isoformat() for d in pd.to_datetime(frame["date"])]
        frame.to_csv(folder / f"{series.id}.csv", index=False)


def append(folder: Path, series_id: str, rows: list[tuple[date, str]]) -> None:
    with open(folder / f"{series_id}.csv", "a", encoding="utf-8") as out:
        out.writelines(f"{d.isoformat()},{v}\n" for d, v in rows)


def services_on(folder: Path, tmp_path: Path):
    settings = Settings(data=DataSource("csv", folder), history_start=CUT + SHIFT - timedelta(days=3 * 365),
                        db=tmp_path / "bot.db", admins=frozenset({99}))
    services = build_services(settings)
    services.store.chats.ensure_chat(1, "private")
    services.store.chats.subscribe(1, "*")
    return services


def last_close(folder: Path, series_id: str) -> tuple[date, float]:
    frame = pd.read_csv(folder / f"{series_id}.csv")
    return date.fromisoformat(frame["date"].iloc[-1]), float(frame["close"].iloc[-1])


@pytest.fixture
def world(shared_data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_history(folder, shared_data)
    services = services_on(folder, tmp_path)
    baseline = services.evaluator.run()
    assert baseline.ok and baseline.alert_ids == []
    assert services.store.engine_state.current_statuses()["btc_liquidity_bottom"][0] != "invalidated"
    yield services, folder
    services.store.close()


def test_zero_closes_fire_nothing_and_are_named(world):
    services, folder = world
    day, _ = last_close(folder, "BTC")
    append(folder, "BTC", [(day + timedelta(days=1), "0"), (day + timedelta(days=2), "-1")])
    result = services.evaluator.run()
    assert result.alert_ids == []
    assert f"{day + timedelta(days=1)} 0: a price must be positive" in result.errors["BTC"]
    assert f"{day + timedelta(days=2)} -1: a price must be positive" in result.errors["BTC"]


def test_a_dollar_index_halving_is_quarantined_not_alerted(world):
    services, folder = world
    day, close = last_close(folder, "DXY")
    append(folder, "DXY", [(day + timedelta(days=1), f"{close / 2:.3f}"), (day + timedelta(days=2), f"{close / 2:.3f}")])
    result = services.evaluator.run()
    assert result.alert_ids == [] and "quarantined" in result.errors["DXY"]
    assert str(day + timedelta(days=1)) in result.errors["DXY"]


def test_rows_dated_2099_do_not_move_the_evaluation_date(world):
    services, folder = world
    _, close = last_close(folder, "BTC")
    append(folder, "BTC", [(date(2099, 1, 1), f"{close / 3:.2f}"), (date(2099, 1, 2), f"{close / 3:.2f}")])
    result = services.evaluator.run()
    assert result.alert_ids == [] and date.fromisoformat(result.as_of) <= TODAY
    assert "2099-01-01" in result.errors["BTC"] and "dated after today" in result.errors["BTC"]


def test_backfilled_rows_are_replayed_silently(shared_data, tmp_path):
    """Bitcoin's last month arrives late, falling through its bottom on days already evaluated: no alert."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_history(folder, shared_data, only={"BTC": CUT - timedelta(days=30)})
    services = services_on(folder, tmp_path)
    assert services.evaluator.run().alert_ids == []
    day, close = last_close(folder, "BTC")
    falling = [(day + timedelta(days=i), f"{close * 0.93 ** i:.2f}") for i in range(1, 13)]  # -7% a day, to ~48,000
    append(folder, "BTC", falling)
    result = services.evaluator.run()
    assert result.alert_ids == []
    assert "backfilled" in result.silent.get("btc_liquidity_bottom", "") or result.transitions == 0
    services.store.close()


def test_a_feed_thirty_days_stale_sends_no_alert(shared_data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_history(folder, shared_data, until=CUT - timedelta(days=42))
    services = services_on(folder, tmp_path)
    assert services.evaluator.run().alert_ids == []
    day, close = last_close(folder, "BTC")
    append(folder, "BTC", [(day + timedelta(days=i), f"{close * 0.93 ** i:.2f}") for i in range(1, 13)])
    result = services.evaluator.run()
    assert result.alert_ids == [] and result.stale_days is not None and result.stale_days >= 30
    told = [n for n in services.store.notices.notices_for(99, "stale_feed") if n.key == f"stale-feed:{result.as_of}"]
    assert len(told) == 1 and f"{result.stale_days} days old" in told[0].text  # the admins are told instead
    before = len(services.store.notices.notices_for(99, "stale_feed"))
    services.evaluator.run()  # the same stale data again: no second notice
    assert len(services.store.notices.notices_for(99, "stale_feed")) == before
    services.store.close()
