"""The csv:DIR data source: DESIGN.md's format, re-reading changed files, clear per-series errors."""

from __future__ import annotations

import json
import os
from datetime import date

import pandas as pd
import pytest

from regimebot.bot.cli import main
from regimebot.macro.providers import DataError, FetchRequest
from regimebot.macro.providers.csvdir import CsvDirProvider
from regimebot.macro.providers.validation import fetch_checked


def checked(provider, requests, end=None):
    """The provider's rows as the bot takes them: through the one validation (default rules)."""
    return fetch_checked(provider, requests, {}, end=end)


def write_csv(folder, series_id, rows, header="date,close"):
    text = header + "\n" + "".join(f"{d},{v}\n" for d, v in rows)
    (folder / f"{series_id}.csv").write_text(text, encoding="utf-8")


def test_reads_and_cuts_by_start(tmp_path):
    write_csv(tmp_path, "DXY", [("2026-01-02", 98.1), ("2026-01-05", 98.4), ("2026-01-06", 98.0)])
    p = CsvDirProvider(tmp_path)
    r = checked(p, [FetchRequest("DXY", "DX-Y.NYB", date(2026, 1, 5))])
    assert r.closes["DXY"].tolist() == [98.4, 98.0]
    assert r.errors == {}


def test_appended_row_is_a_new_observation(tmp_path):
    write_csv(tmp_path, "TLT", [("2026-01-02", 86.0)])
    p = CsvDirProvider(tmp_path)
    assert checked(p, [FetchRequest("TLT", "TLT", date(2026, 1, 1))]).closes["TLT"].tolist() == [86.0]
    with open(tmp_path / "TLT.csv", "a", encoding="utf-8") as f:
        f.write("2026-01-05,87.5\n")
    os.utime(tmp_path / "TLT.csv", ns=(10**18, 10**18))  # make sure the mtime moves even on coarse clocks
    assert checked(p, [FetchRequest("TLT", "TLT", date(2026, 1, 1))]).closes["TLT"].tolist() == [86.0, 87.5]


def test_extra_columns_ignored_and_blank_values_dropped(tmp_path):
    (tmp_path / "MOVE.csv").write_text("date,close,volatility_30d\n2025-07-18,83.29,58.35\n2025-07-21,,57.6\n2025-07-22,86.62,\n")
    r = checked(CsvDirProvider(tmp_path), [FetchRequest("MOVE", "^MOVE", date(2025, 1, 1))])
    assert r.closes["MOVE"].tolist() == [83.29, 86.62]


def test_missing_file_and_bad_header_are_per_series_errors(tmp_path):
    write_csv(tmp_path, "VIX", [("2026-01-02", 15.0)], header="day,value")
    r = checked(CsvDirProvider(tmp_path), [FetchRequest("VIX", "^VIX", date(2026, 1, 1)), FetchRequest("SPX", "^GSPC", date(2026, 1, 1))])
    assert r.closes == {}
    assert "expected a header with 'date' and 'close'" in r.errors["VIX"]
    assert r.errors["SPX"] == "no file SPX.csv in the csv folder (REGIMEBOT_DATA)"  # the server path stays out of chats


def test_missing_directory():
    with pytest.raises(DataError):
        CsvDirProvider("/nonexistent/folder")


def test_quote_json_matches_the_files(tmp_path, capsys, monkeypatch):
    days = pd.bdate_range("2025-06-02", "2026-11-20")
    dxy = [round(100 + 0.01 * i, 4) for i in range(len(days))]
    yld = [round(4.0 + 0.001 * i, 4) for i in range(len(days))]
    write_csv(tmp_path, "DXY", zip((d.date().isoformat() for d in days), dxy))
    write_csv(tmp_path, "US10Y", zip((d.date().isoformat() for d in days), yld))
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{tmp_path}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "cache.db"))
    assert main(["quote", "DXY", "us10y", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    by_id = {r["series_id"]: r for r in out["readings"]}
    assert by_id["DXY"]["last"] == dxy[-1] and by_id["DXY"]["last_date"] == "2026-11-20"
    assert by_id["DXY"]["changes"]["1d"] == pytest.approx((dxy[-1] / dxy[-2] - 1) * 100)
    # 1w: Friday 2026-11-20 against Friday 2026-11-13, five business days earlier
    assert by_id["DXY"]["changes"]["1w"] == pytest.approx((dxy[-1] / dxy[-6] - 1) * 100)
    assert by_id["US10Y"]["change_unit"] == "bp"
    assert by_id["US10Y"]["changes"]["1d"] == pytest.approx(0.1)  # 0.001 percentage points = 0.1 bp
    assert by_id["US10Y"]["changes"]["1w"] == pytest.approx(0.5)
    assert out["simulated"] is False and out["source"] == "csv"  # the kind; the folder is in REGIMEBOT_DATA


def test_quote_unknown_series_is_usage_error(tmp_path, capsys, monkeypatch):
    write_csv(tmp_path, "DXY", [("2026-01-02", 98.1)])
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{tmp_path}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "cache.db"))
    assert main(["quote", "NOPE"]) == 2
    assert "unknown series 'NOPE'" in capsys.readouterr().err


def test_quote_on_real_files_equals_last_rows(shared_data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{shared_data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "cache.db"))
    assert main(["quote", "DXY", "TLT", "--json"]) == 0
    out = {r["series_id"]: r for r in json.loads(capsys.readouterr().out)["readings"]}
    for sid in ("DXY", "TLT"):
        frame = pd.read_csv(shared_data / f"{sid}.csv")
        assert out[sid]["last"] == pytest.approx(float(frame["close"].iloc[-1]))
        assert out[sid]["last_date"] == frame["date"].iloc[-1]
        assert out[sid]["changes"]["1d"] == pytest.approx((frame["close"].iloc[-1] / frame["close"].iloc[-2] - 1) * 100)
