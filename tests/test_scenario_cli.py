"""`regimebot scenario …` and `regimebot corr …`: documented JSON, same grammar as the chat, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from regimebot.bot.cli import main
from regimebot.storage.store import Store
from tests.test_scenario_bonds import dcf_horizon_total, dcf_price


@pytest.fixture
def env(monkeypatch, tmp_path):
    for var in ("REGIMEBOT_CONFIG", "TELEGRAM_BOT_TOKEN", "REGIMEBOT_WATCHLIST", "REGIMEBOT_LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REGIMEBOT_DATA", "demo")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "cli.db"))
    return tmp_path


def run_json(capsys, *argv):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_scenario_bond_json(env, capsys):
    out = run_json(capsys, "scenario", "TLT", "-100bp", "--json")
    assert out["kind"] == "bond" and out["fund"] == "TLT"
    assert out["preset"]["as_of"] and "approximate" in out["preset"]["source"]
    model = out["model"]
    y = out["inputs"]["yield_pct"] / 100
    exact = dcf_price(model["maturities_years"], model["coupon_pct"] / 100, y - 0.01) / dcf_price(model["maturities_years"], model["coupon_pct"] / 100, y) - 1
    (row,) = out["rows"]
    assert row["shift_bp"] == -100 and row["price_return_pct"] == pytest.approx(exact * 100, abs=1e-6)
    total = dcf_horizon_total(model["maturities_years"], model["coupon_pct"] / 100, y, -0.01, 1.0)
    assert row["total_pct"] == pytest.approx(total * 100, abs=1e-6)
    assert row["carry_pct"] == pytest.approx(row["total_pct"] - row["price_return_pct"])
    assert set(row) == {"shift_bp", "price_return_pct", "taylor_return_pct", "carry_pct", "total_pct"}
    # options before the words work too
    again = run_json(capsys, "scenario", "--json", "TLT", "-100bp", "dur=14.8")
    assert again["inputs"]["duration_years"] == 14.8


def test_scenario_other_kinds_json(env, capsys):
    margin = run_json(capsys, "scenario", "margin", "lev=2", "mm=25%", "fall=10%", "--json")
    assert margin["margin_call_fall_pct"] == pytest.approx(100 / 3)
    assert margin["after_fall"]["leverage"] == pytest.approx(2.25)
    bet = run_json(capsys, "scenario", "bet", "p=30%", "up=+35%", "down=-10%", "--json")
    assert bet["kelly_pct"] == pytest.approx(100.0) and bet["warning"] is True
    lev = run_json(capsys, "scenario", "TMF", "-100bp", "vol=0", "paths=100", "--json")
    (one,) = lev["scenarios"]
    assert one["model"]["paths"] == 100 and one["fund"] == "TMF"
    assert one["fund_outcome"]["p5_pct"] == pytest.approx(one["fund_outcome"]["p95_pct"])


def test_scenario_bad_input_exits_2(env, capsys):
    assert main(["scenario", "TLT", "-abc"]) == 2
    assert "-abc" in capsys.readouterr().err
    assert main(["scenario", "margin", "lev=2", "mm=150%", "--json"]) == 2
    assert "150%" in capsys.readouterr().err
    assert main(["scenario", "shock", "DXY=-5%"]) == 2  # which portfolio? --chat
    assert "--chat" in capsys.readouterr().err


def test_scenario_text_is_the_chat_answer_without_html(env, capsys):
    assert main(["scenario", "TLT"]) == 0
    text = capsys.readouterr().out
    assert "+200bp" in text and "<pre>" not in text and "ladder" in text


def test_corr_json_matches_numpy(env, capsys):
    out = run_json(capsys, "corr", "TLT", "SPX", "GOLD", "DXY", "--json")
    assert out["series"] == ["TLT", "SPX", "GOLD", "DXY"] and out["simulated"] is True
    assert "SIMULATED" in out["data_source"]
    from regimebot.bot.config import load_settings
    from regimebot.bot.services import open_data

    market = open_data(load_settings(None)).market_data.market()
    closes = market.closes[["TLT", "SPX", "GOLD", "DXY"]].dropna()
    changes = closes.pct_change().iloc[1:]
    window = changes.loc[changes.index > changes.index[-1] - pd.Timedelta(days=365)]
    assert out["window"]["observations"] == len(window)
    np.testing.assert_allclose(np.array(out["matrix"]), np.corrcoef(window.to_numpy().T), atol=1e-12)
    lam = np.linalg.eigvalsh(np.corrcoef(window.to_numpy().T))
    assert out["effective_bets"] == pytest.approx(lam.sum() ** 2 / (lam**2).sum())
    for key in ("same_bets", "mirror_bets", "moves", "diversification_ratio", "weighted_effective_bets", "same_bet_threshold"):
        assert key in out


def test_corr_writes_the_heatmap_and_uses_a_chats_portfolio(env, capsys):
    from regimebot.bot.config import load_settings

    store = Store.open(load_settings(None).db)
    store.portfolios.save_portfolio(42, {"TLT": 60.0, "GOLD": 40.0})
    store.close()
    png = env / "corr.png"
    out = run_json(capsys, "corr", "--chat", "42", "--json", "--png", str(png))
    assert out["series"] == ["TLT", "GOLD"] and out["weights"] == pytest.approx([0.6, 0.4])
    assert png.read_bytes().startswith(b"\x89PNG")
    assert main(["corr", "SPX", "GOLD", "--png"]) == 2


def test_corr_needs_two_series_or_a_portfolio(env, capsys):
    assert main(["corr", "TLT"]) == 2
    assert main(["corr"]) == 2
    assert main(["corr", "NOPE", "SPX"]) == 2
    assert "NOPE" in capsys.readouterr().err
