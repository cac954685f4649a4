"""Done-when check on real history: `regimebot journal open long_duration …` then `journal long_duration --json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from regimebot.bot.cli import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_journal_on_real_tlt_matches_pandas(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{shared_data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "journal.db"))
    monkeypatch.delenv("REGIMEBOT_WATCHLIST", raising=False)
    monkeypatch.delenv("REGIMEBOT_CONFIG", raising=False)
    code, out, err = _run(capsys, "journal", "open", "long_duration", "--entry", "2024-01-02", "--horizon", "24m",
                          "--pain", "15%", "--series", "TLT")
    assert code == 0, err
    assert "TLT" in out and "2024-01-02" in out
    code, _, err = _run(capsys, "journal", "catalyst", "long_duration", "2024-06-30", "two", "Fed", "cuts", "--cached")
    assert code == 0, err
    code, out, err = _run(capsys, "journal", "long_duration", "--json", "--cached")
    assert code == 0, err
    row = json.loads(out)["theses"]["long_duration"]

    tlt = pd.read_csv(shared_data / "TLT.csv", parse_dates=["date"]).set_index("date")["close"]
    held = tlt.loc["2024-01-02":]
    entry = float(tlt.loc["2024-01-02"])
    value = held / entry
    assert row["entry_date"] == "2024-01-02"
    assert row["entry_level"] == entry
    assert row["last"] == pytest.approx(float(held.iloc[-1])) and row["last_date"] == held.index[-1].date().isoformat()
    assert row["pnl_pct"] == pytest.approx((value.iloc[-1] - 1) * 100, abs=1e-9)
    worst = min(0.0, (value / value.cummax().clip(lower=1.0) - 1).min() * 100)
    assert row["max_drawdown_pct"] == pytest.approx(worst, abs=1e-9)
    assert row["pain_budget_pct"] == 15.0
    assert row["pain_used_pct"] == pytest.approx(-worst / 15.0 * 100, abs=1e-9)
    today = datetime.now(UTC).date()
    assert row["held_days"] == (today - held.index[0].date()).days
    assert row["horizon_days"] == (pd.Timestamp("2026-01-02") - pd.Timestamp("2024-01-02")).days
    assert row["catalysts"] == [{"id": 2, "date": "2024-06-30", "text": "two Fed cuts", "done": False, "overdue": True}]
    assert row["status"] in ("intact", "weakening", "invalidated")
    assert set(row) >= {"entry_date", "entry_level", "last", "pnl_pct", "max_drawdown_pct", "pain_budget_pct",
                        "pain_used_pct", "held_days", "horizon_days", "catalysts", "status"}


def test_journal_cli_bad_usage_exits_2_and_names_the_argument(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{shared_data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "journal.db"))
    code, _, err = _run(capsys, "journal", "open", "long_duration", "--pain", "150%", "--series", "TLT", "--cached")
    assert code == 2 and "pain" in err
    code, _, err = _run(capsys, "journal", "open", "nope", "--cached")
    assert code == 2 and "THESIS" in err
    code, _, err = _run(capsys, "journal", "note", "long_duration", "hello", "--cached")
    assert code == 2 and "no open entry" in err
