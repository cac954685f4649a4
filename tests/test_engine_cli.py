"""`regimebot evaluate` and `regimebot replay` end to end on a CSV folder of generated closes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from regimebot.bot.cli import main
from regimebot.macro.catalog import load_catalog

CATALOG = load_catalog()


@pytest.fixture()
def csv_env(tmp_path, monkeypatch):
    """A csv:DIR data source with 3 years of random closes for every catalog series, and a fresh DB."""
    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(11)
    bdays = pd.bdate_range("2022-01-03", "2024-12-31")
    for s in CATALOG.downloadable():
        if s.id == "US3M":
            continue  # a missing file: its signals are unknown, nothing fails
        days = pd.date_range(bdays[0], bdays[-1], freq="D") if s.calendar == "daily" else bdays
        if s.kind == "yield":
            values = 4.0 + np.cumsum(rng.normal(0, 0.05, len(days)))
        else:
            values = 100 * np.exp(np.cumsum(rng.normal(0, 0.012, len(days))))
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": values}).to_csv(data / f"{s.id}.csv", index=False)
    for var in ("REGIMEBOT_CONFIG", "REGIMEBOT_WATCHLIST", "REGIMEBOT_HISTORY_START"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("REGIMEBOT_HISTORY_START", "2021-01-01")
    return data


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_validates_only(csv_env, capsys, tmp_path, monkeypatch):
    code, out, _ = run(capsys, "evaluate", "--check")
    assert code == 0 and "watch list OK" in out and "34 signals, 6 theses" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[[signals]]\nid = "x"\nkind = "level"\nseries = "NOPE"\ndirection = "above"\nwarn = 1\nbreach = 2\n'
                   'meaning = { en = "x", "zh-TW" = "x" }\n', encoding="utf-8")
    monkeypatch.setenv("REGIMEBOT_WATCHLIST", str(bad))
    code, _, err = run(capsys, "evaluate", "--check")
    assert code == 2 and "signal x" in err and "unknown series 'NOPE'" in err


def test_evaluate_json_and_text(csv_env, capsys):
    code, out, _ = run(capsys, "evaluate", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["as_of"] == "2024-12-31" and doc["source"] == "csv" and doc["simulated"] is False
    assert list(doc["theses"]) == ["geopolitical_noise", "long_usd_ai", "long_duration", "btc_liquidity_bottom",
                                   "us_assets_haven", "japan_reflation"]
    assert all(t["status"] in ("intact", "weakening", "invalidated", "unknown") for t in doc["theses"].values())
    assert doc["regime"]["verdict"] in ("calm", "liquidity_panic", "credit_stress", "cross_border_outflow",
                                        "bond_market_stress", "unknown")
    move = doc["signals"]["move_stress"]
    assert (move["warn"], move["breach"], move["warn_exit"], move["breach_exit"]) == (120.0, 140.0, 116.0, 130.0)
    code, out, _ = run(capsys, "evaluate", "--as-of", "2024-06-28", "--cached")
    assert code == 0 and "as of 2024-06-28" in out and "data: csv" in out and str(csv_env) not in out


def test_replay_json_agrees_with_evaluate(csv_env, capsys):
    code, out, _ = run(capsys, "replay", "--start", "2023-06-01", "--end", "2024-09-30", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["final"]["as_of"] == "2024-09-30"
    for t in doc["transitions"]:
        assert "2023-06-01" <= t["date"] <= "2024-09-30"
        assert t["kind"] in ("alert", "recovery", "unknown")
        if t["kind"] == "alert":
            assert t["evidence"] and all(e["state"] in ("warn", "breach") for e in t["evidence"])
    for stats in doc["stats"].values():
        assert sum(stats["days_in_status"].values()) == (pd.Timestamp("2024-09-30") - pd.Timestamp("2023-06-01")).days + 1
    code, out, _ = run(capsys, "evaluate", "--as-of", "2024-09-30", "--json", "--cached")
    live = json.loads(out)
    assert {k: v["status"] for k, v in live["theses"].items()} == {k: v["status"] for k, v in doc["final"]["theses"].items()}
    code, out, _ = run(capsys, "replay", "--start", "2023-06-01", "--end", "2024-09-30", "--cached")
    assert code == 0 and "Replay 2023-06-01 → 2024-09-30" in out and "msgs/yr" in out


@pytest.mark.parametrize("argv,needle", [
    (["replay", "--start", "2024-13-01", "--end", "2024-12-31"], "--start: expected an ISO date"),
    (["replay", "--start", "2024-12-01", "--end", "2024-01-01"], "is before --start"),
    (["evaluate", "--as-of", "yesterday"], "--as-of: expected an ISO date"),
    (["evaluate", "--as-of", "1999-01-04", "--cached"], "before the first data date"),
])
def test_bad_arguments_exit_2(csv_env, capsys, argv, needle):
    run(capsys, "evaluate", "--json")  # fill the cache
    code, _, err = run(capsys, *argv)
    assert code == 2 and needle in err


def test_demo_data_is_labelled_simulated(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("REGIMEBOT_CONFIG", raising=False)
    monkeypatch.delenv("REGIMEBOT_WATCHLIST", raising=False)
    monkeypatch.setenv("REGIMEBOT_DATA", "demo")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "demo.db"))
    code, out, _ = run(capsys, "evaluate")
    assert code == 0 and "(SIMULATED)" in out.splitlines()[0] and "Regime:" in out
