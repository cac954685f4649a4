"""Portfolio correlation: are my bets really independent?

Daily changes are taken between the dates on which every chosen series has a close (so bitcoin's
weekend moves land on Monday): percent returns for prices and indices, basis-point changes for
yields and spreads. Definitions:

- correlation matrix: Pearson correlation of those changes over the lookback (same as np.corrcoef);
- "the same bet": a pair with ρ > SAME_BET (0.7); "mirror bets": ρ < −SAME_BET;
- effective number of bets (eigenvalues): (Σλ)²/Σλ² of the correlation matrix's eigenvalues
  = n²/Σρ²ᵢⱼ — 1 for identical series, n for independent ones;
- portfolio-weighted effective bets: the same formula over the eigenvalues of √W·R·√W (W = diag of
  the weights), i.e. (Σwᵢ)²/Σᵢⱼ wᵢwⱼρᵢⱼ² — equal to the above at equal weights, the inverse
  Herfindahl 1/Σwᵢ² when the holdings are independent, 1 when they are identical, never above n
  (a hedge, ρ < 0, counts as the same risk reversed, not as an extra bet; volatilities ignored);
- diversification ratio: (Σ wᵢσᵢ)/√(wᵀΣw) with σ and Σ from the same returns (1: no diversification;
  unknown — None — when a yield or spread is among the series, as bp changes are not returns), and its
  ceiling for these weights and volatilities, the ratio if the holdings were uncorrelated,
  (Σ wᵢσᵢ)/√(Σ wᵢ²σᵢ²) (√n only for equal wᵢσᵢ);
- Meucci's effective number of bets (2009), the headline: principal components of the covariance, the
  share of portfolio variance each carries, exp of that distribution's entropy — it sees volatility,
  which the correlation-only figures above ignore; and each holding's share of variance wᵢ(Σw)ᵢ/wᵀΣw;
- hedges that moved: per pair, ρ over the last RECENT_DAYS (60) common days minus ρ over the lookback;
  a pair whose correlation was negative and is now clearly higher is "a hedge that stopped hedging".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market

SAME_BET = 0.7
RECENT_DAYS = 60
MIN_OBSERVATIONS = 20
HEDGE_BROKE = 0.3  # a negative correlation that rose by at least this much


class CorrelationError(ValueError):
    """Not enough data to correlate; the message names the series and what is missing.

    `key` names the refusal (catalog scenario.refuse.<key>), `values` its figures; str(error) is the English fallback.
    """

    def __init__(self, key: str, message: str, **values: float | str) -> None:
        super().__init__(message)
        self.key = key
        self.values: dict[str, float | str] = dict(values)


def daily_changes(market: Market, series_ids: Sequence[str], catalog: Catalog, start: date | pd.Timestamp | None = None) -> pd.DataFrame:
    """Changes between common observation dates: % returns (decimals) or bp changes for bp series."""
    ids = list(series_ids)
    known = [sid for sid in ids if sid in market.closes.columns]
    counts = market.closes[known].count() if known else pd.Series(dtype="int64")
    missing = [sid for sid in ids if sid not in counts.index or counts[sid] == 0]
    if missing:
        raise CorrelationError("no_data", f"no data for {', '.join(missing)}", series=", ".join(missing))
    frame = market.closes[ids].dropna(how="any")
    if start is not None:
        frame = frame.loc[pd.Timestamp(start) :]
    # one pass over the whole block in numpy, the same arithmetic as pandas' diff() and pct_change()
    closes = frame.to_numpy(dtype="float64")
    in_bp = np.array([sid in catalog and catalog[sid].changes_in_bp for sid in ids], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = np.where(in_bp, (closes[1:] - closes[:-1]) * 100.0, closes[1:] / closes[:-1] - 1.0)
    changes[~np.isfinite(changes)] = np.nan
    out = pd.DataFrame(changes, index=frame.index[1:], columns=ids)
    return out.dropna(how="any")


def without_variation(changes: pd.DataFrame, series_ids: Sequence[str]) -> list[str]:
    """Series whose daily changes did not vary (flat, or the same step every day): they carry no co-movement."""
    # Exact zero variance is not enough: a constant step leaves float noise (~1e-14) that np.corrcoef and
    # lstsq would turn into a made-up correlation or beta, so the spread is compared to the step's size.
    out = []
    for sid in series_ids:
        values = changes[sid].to_numpy(dtype="float64")
        if len(values) and float(np.ptp(values)) <= 1e-9 * max(1.0, float(np.abs(values).max())):
            out.append(sid)
    return out


def effective_bets(corr: np.ndarray) -> float:
    """(Σλ)²/Σλ² over the eigenvalues of a correlation matrix: 1 (one bet) … n (independent)."""
    lam = np.clip(np.linalg.eigvalsh(corr), 0.0, None)
    return float(lam.sum() ** 2 / np.sum(lam**2))


def weighted_effective_bets(corr: np.ndarray, weights: np.ndarray) -> float:
    """(Σμ)²/Σμ² over the eigenvalues μ of √W·R·√W = (Σw)²/Σᵢⱼ wᵢwⱼρᵢⱼ²: 1 … 1/Σw² (≤ n)."""
    w = np.asarray(weights, dtype="float64")
    root = np.sqrt(w)
    return effective_bets(root[:, None] * corr * root[None, :])


def diversification_ratio(cov: np.ndarray, weights: np.ndarray) -> float:
    """(Σ wᵢσᵢ)/√(wᵀΣw): 1 for a single bet, √n for n independent equal-risk bets."""
    w = np.asarray(weights, dtype="float64")
    return float(w @ np.sqrt(np.diag(cov)) / np.sqrt(w @ cov @ w))


def diversification_ratio_max(cov: np.ndarray, weights: np.ndarray) -> float:
    """The ratio if these holdings, with these weights and volatilities, were uncorrelated:
    (Σ wᵢσᵢ)/√(Σ wᵢ²σᵢ²) — √n only when every wᵢσᵢ is equal (only hedges, ρ < 0, can beat it)."""
    w = np.asarray(weights, dtype="float64")
    risk = w * np.sqrt(np.diag(cov))
    return float(risk.sum() / np.sqrt(np.sum(risk**2)))


def meucci_effective_bets(cov: np.ndarray, weights: np.ndarray) -> float:
    """Meucci's (2009) effective number of bets: the exponential of the entropy of the diversification
    distribution, the shares of portfolio variance carried by the principal components of the covariance.

    With Σ = E·diag(λ)·Eᵀ the portfolio's exposure to component k is (Eᵀw)ₖ and its share of the variance
    pₖ = (Eᵀw)ₖ²·λₖ / wᵀΣw; N = exp(−Σ pₖ ln pₖ): 1 when one component carries all the risk, n at most.
    """
    w = np.asarray(weights, dtype="float64")
    lam, vectors = np.linalg.eigh(cov)
    variance = (vectors.T @ w) ** 2 * np.clip(lam, 0.0, None)
    share = variance / variance.sum()
    share = share[share > 0.0]
    return float(np.exp(-np.sum(share * np.log(share))))


def variance_shares(cov: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each holding's share of portfolio variance, wᵢ(Σw)ᵢ / wᵀΣw (sums to 1; a hedge's share is negative)."""
    w = np.asarray(weights, dtype="float64")
    out: np.ndarray = w * (cov @ w) / (w @ cov @ w)
    return out


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    rho: float
    recent: float | None = None

    @property
    def moved(self) -> float | None:
        return None if self.recent is None else self.recent - self.rho

    @property
    def hedge_broke(self) -> bool:
        return self.recent is not None and self.rho < 0.0 and self.recent - self.rho >= HEDGE_BROKE

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "rho": self.rho, "recent_rho": self.recent, "change": self.moved, "hedge_stopped_hedging": self.hedge_broke}


@dataclass(frozen=True)
class CorrelationReport:
    """Everything /corr shows, with the window it was computed on."""

    series: tuple[str, ...]
    weights: tuple[float, ...]
    matrix: np.ndarray
    start: date
    end: date
    observations: int
    effective_bets: float
    weighted_effective_bets: float
    diversification_ratio: float | None  # None: a bp series is in the set
    diversification_ratio_max: float | None  # the ratio if uncorrelated, for these weights and volatilities
    meucci_effective_bets: float | None  # risk-based (covariance); None with a bp series
    variance_share: tuple[float, ...] | None  # per holding, same order as `series`
    same_bets: tuple[Pair, ...]
    mirror_bets: tuple[Pair, ...]
    moves: tuple[Pair, ...]
    recent_days: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "series": list(self.series),
            "weights": list(self.weights),
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat(), "observations": self.observations},
            "matrix": [[float(v) for v in row] for row in self.matrix],
            "same_bet_threshold": SAME_BET,
            "same_bets": [p.as_dict() for p in self.same_bets],
            "mirror_bets": [p.as_dict() for p in self.mirror_bets],
            "effective_bets": self.effective_bets,
            "weighted_effective_bets": self.weighted_effective_bets,
            "meucci_effective_bets": self.meucci_effective_bets,
            "variance_share": None if self.variance_share is None else dict(zip(self.series, self.variance_share, strict=True)),
            "diversification_ratio": self.diversification_ratio,
            "diversification_ratio_max": self.diversification_ratio_max,
            "recent_days": self.recent_days,
            "moves": [p.as_dict() for p in self.moves],
        }


def correlation_report(
    market: Market,
    series_ids: Sequence[str],
    catalog: Catalog,
    lookback_days: int = 365,
    weights: Mapping[str, float] | None = None,
    top_moves: int = 3,
) -> CorrelationReport:
    """Correlation of daily changes over the last `lookback_days` calendar days; weights default to equal."""
    ids = list(dict.fromkeys(series_ids))
    if len(ids) < 2:
        raise CorrelationError("need_two", "need at least two series to correlate")
    full = daily_changes(market, ids, catalog)
    if full.empty:
        raise CorrelationError("no_common", f"{', '.join(ids)} have no dates in common", series=", ".join(ids))
    start = full.index[-1] - pd.Timedelta(days=lookback_days)
    window = full.loc[full.index > start]
    if len(window) < MIN_OBSERVATIONS:
        raise CorrelationError("few_changes", f"only {len(window)} common daily changes in the lookback; need {MIN_OBSERVATIONS}",
                               n=len(window), need=MIN_OBSERVATIONS)
    flat = without_variation(window, ids)
    if flat:
        raise CorrelationError("flat", f"{', '.join(flat)}: daily changes did not vary in the lookback (no correlation to measure)",
                               series=", ".join(flat))
    data = window.to_numpy().T
    any_bp = any(sid in catalog and catalog[sid].changes_in_bp for sid in ids)
    corr = np.corrcoef(data)
    cov = np.cov(data)
    w = np.array([float((weights or {}).get(sid, 1.0)) for sid in ids])
    w = w / w.sum()
    recent_window = window.iloc[-RECENT_DAYS:]
    recent: np.ndarray | None = None
    quiet: set[str] = set()
    if len(window) >= RECENT_DAYS:
        quiet = set(without_variation(recent_window, ids))  # no recent correlation with a series that sat still
        with np.errstate(divide="ignore", invalid="ignore"):
            recent = np.corrcoef(recent_window.to_numpy().T)
    pairs = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            value = None if recent is None else float(recent[i, j])
            r = None if value is None or ids[i] in quiet or ids[j] in quiet or not np.isfinite(value) else value
            pairs.append(Pair(ids[i], ids[j], float(corr[i, j]), r))
    moves = sorted((p for p in pairs if p.moved is not None), key=lambda p: -abs(p.moved or 0.0))[:top_moves]
    return CorrelationReport(
        series=tuple(ids),
        weights=tuple(float(v) for v in w),
        matrix=corr,
        start=window.index[0].date(),
        end=window.index[-1].date(),
        observations=len(window),
        effective_bets=effective_bets(corr),
        weighted_effective_bets=weighted_effective_bets(corr, w),
        diversification_ratio=None if any_bp else diversification_ratio(cov, w),
        diversification_ratio_max=None if any_bp else diversification_ratio_max(cov, w),
        meucci_effective_bets=None if any_bp else meucci_effective_bets(cov, w),
        variance_share=None if any_bp else tuple(float(v) for v in variance_shares(cov, w)),
        same_bets=tuple(sorted((p for p in pairs if p.rho > SAME_BET), key=lambda p: -p.rho)),
        mirror_bets=tuple(sorted((p for p in pairs if p.rho < -SAME_BET), key=lambda p: p.rho)),
        moves=tuple(moves),
        recent_days=min(RECENT_DAYS, len(window)),
    )
