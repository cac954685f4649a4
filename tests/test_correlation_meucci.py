"""Issue 13: risk-based effective bets (Meucci 2009), variance shares and the diversification ceiling, against
independent numpy computations (an SVD of the returns, explicit sums), on constructed and real data."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from regimebot.bot.cli import main
from regimebot.macro.correlation import diversification_ratio_max, meucci_effective_bets, variance_shares

SERIES = ["TLT", "DXY", "SPX", "GOLD", "BTC"]


def meucci_by_svd(returns: np.ndarray, w: np.ndarray) -> float:
    """Independently: principal components from the SVD of the centred returns (not an eigendecomposition of Σ)."""
    centred = returns - returns.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    lam = singular**2 / (len(returns) - 1)  # variances of the principal components
    exposure = vt @ w
    share = exposure**2 * lam
    share = share / share.sum()
    return math.exp(-sum(p * math.log(p) for p in share if p > 0))


def shares_by_sums(cov: np.ndarray, w: np.ndarray) -> list[float]:
    n = len(w)
    total = sum(w[i] * w[j] * cov[i, j] for i in range(n) for j in range(n))
    return [sum(w[i] * w[j] * cov[i, j] for j in range(n)) / total for i in range(n)]


def test_constructed_cases():
    w = np.full(4, 0.25)
    assert meucci_effective_bets(np.eye(4) * 0.04, w) == pytest.approx(4.0)  # independent, equal risk: n bets
    assert meucci_effective_bets(np.full((4, 4), 0.04), w) == pytest.approx(1.0)  # identical: one bet
    vols = np.array([0.05, 0.10, 0.15, 0.60])  # independent, unequal risk: exp(entropy of wᵢ²σᵢ² shares)
    p = (w * vols) ** 2 / np.sum((w * vols) ** 2)
    assert meucci_effective_bets(np.diag(vols**2), w) == pytest.approx(math.exp(-np.sum(p * np.log(p))))
    assert list(variance_shares(np.diag(vols**2), w)) == pytest.approx(list(p))
    assert diversification_ratio_max(np.diag(vols**2), w) == pytest.approx(vols.sum() / np.sqrt(np.sum(vols**2)))
    assert diversification_ratio_max(np.eye(4), w) == pytest.approx(2.0)  # √n only for equal risk


def test_generated_returns_match_svd_and_sums():
    rng = np.random.default_rng(8)
    common = rng.normal(0, 0.01, 500)
    returns = np.column_stack([0.4 * common + rng.normal(0, s, 500) for s in (0.004, 0.006, 0.01, 0.05)])
    cov = np.cov(returns.T)
    w = np.array([0.4, 0.3, 0.2, 0.1])
    assert meucci_effective_bets(cov, w) == pytest.approx(meucci_by_svd(returns, w), rel=1e-9)
    assert list(variance_shares(cov, w)) == pytest.approx(shares_by_sums(cov, w), rel=1e-9)


@pytest.mark.realdata
def test_cli_corr_json_matches_numpy_on_real_history(shared_data, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{shared_data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "corr.db"))
    monkeypatch.delenv("REGIMEBOT_CONFIG", raising=False)
    assert main(["corr", *SERIES, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Independently: read the CSVs, keep the dates every series has, daily returns over the last 365 days.
    closes = pd.concat(
        {sid: pd.read_csv(shared_data / f"{sid}.csv", usecols=["date", "close"], parse_dates=["date"], index_col="date")["close"]
         for sid in SERIES}, axis=1, sort=True).dropna()
    returns = closes.pct_change().iloc[1:]
    returns = returns.loc[returns.index > returns.index[-1] - pd.Timedelta(days=365)]
    assert out["window"]["observations"] == len(returns) and out["window"]["end"] == returns.index[-1].date().isoformat()
    data = returns.to_numpy()
    w = np.full(len(SERIES), 1 / len(SERIES))
    cov = np.cov(data.T)
    assert out["meucci_effective_bets"] == pytest.approx(meucci_by_svd(data, w), rel=1e-9)
    assert [out["variance_share"][sid] for sid in SERIES] == pytest.approx(shares_by_sums(cov, w), rel=1e-9)
    sigma = np.sqrt(np.diag(cov))
    assert out["diversification_ratio_max"] == pytest.approx(float(w @ sigma / np.sqrt(np.sum((w * sigma) ** 2))), rel=1e-9)
    # the correlation-only figure stays beside it, and it is not the risk-based one
    assert out["effective_bets"] > out["meucci_effective_bets"] + 1.0
    assert out["variance_share"]["BTC"] > 0.4  # bitcoin's volatility carries most of an equal-weight book's variance


@pytest.mark.realdata
def test_a_yield_in_the_set_leaves_the_risk_figures_unknown(shared_data, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{shared_data}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "corr.db"))
    monkeypatch.delenv("REGIMEBOT_CONFIG", raising=False)
    assert main(["corr", "TLT", "US10Y", "SPX", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["meucci_effective_bets"] is None and out["variance_share"] is None and out["diversification_ratio_max"] is None
    assert out["effective_bets"] is not None
