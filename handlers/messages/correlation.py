"""The correlation report, pure: matrix, same bets, effective bets, variance shares, diversification, moves."""

from __future__ import annotations

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.text import esc, source_line
from regimebot.macro.correlation import SAME_BET, CorrelationReport
from regimebot.macro.market import Market

MATRIX_IN_TEXT = 6  # larger matrices only in the image


def format_matrix(report: CorrelationReport) -> str:
    ids = report.series
    width = max(4, max(len(s) for s in ids))
    lines = [" " * width + " " + " ".join(f"{s[:5]:>5}" for s in ids)]
    for i, sid in enumerate(ids):
        lines.append(f"{sid:<{width}} " + " ".join(f"{report.matrix[i, j]:>5.2f}" for j in range(len(ids))))
    return "<pre>" + esc("\n".join(lines)) + "</pre>"


def format_correlation(lang: str, report: CorrelationReport, lookback: str, weighted: bool, market: Market) -> str:
    parts = [
        "<b>" + t(lang, "corr.title", lookback=esc(lookback)) + "</b>",
        t(lang, "corr.window", start=report.start.isoformat(), end=report.end.isoformat(), n=report.observations),
    ]
    if len(report.series) <= MATRIX_IN_TEXT:
        parts.append(format_matrix(report))
    if report.same_bets:
        pairs = ", ".join(f"{p.a}–{p.b} {p.rho:.2f}" for p in report.same_bets)
        parts.append("🔴 " + t(lang, "corr.same_bet", threshold=f"{SAME_BET:g}", pairs=esc(pairs)))
    else:
        parts.append(t(lang, "corr.no_same_bet", threshold=f"{SAME_BET:g}"))
    if report.mirror_bets:
        pairs = ", ".join(f"{p.a}–{p.b} {p.rho:.2f}" for p in report.mirror_bets)
        parts.append(t(lang, "corr.mirror", threshold=f"{SAME_BET:g}", pairs=esc(pairs)))
    n = len(report.series)
    if report.meucci_effective_bets is not None:
        parts.append("<b>" + t(lang, "corr.meucci", bets=f"{report.meucci_effective_bets:.1f}", n=n) + "</b>")
    key = "corr.bets_weighted" if weighted else "corr.bets_equal"
    parts.append(t(lang, key, eig=f"{report.effective_bets:.1f}", n=n, weighted=f"{report.weighted_effective_bets:.1f}"))
    if report.variance_share is not None:
        shares = sorted(zip(report.series, report.variance_share, strict=True), key=lambda item: -item[1])
        parts.append(t(lang, "corr.variance_share", shares=esc(", ".join(f"{sid} {share * 100:.0f}%" for sid, share in shares))))
    if report.diversification_ratio is None or report.diversification_ratio_max is None:
        parts.append(t(lang, "corr.dr_unknown"))
    else:
        parts.append(t(lang, "corr.dr", dr=f"{report.diversification_ratio:.2f}", max=f"{report.diversification_ratio_max:.2f}",
                       sqrt_n=f"{n ** 0.5:.2f}"))
    if report.moves:
        moves = []
        for p in report.moves:
            line = f"{p.a}–{p.b} {p.rho:+.2f} → {p.recent:+.2f}"
            if p.hedge_broke:
                line += " ⚠️ " + t(lang, "corr.hedge_broke")
            moves.append(esc(line))
        parts.append(t(lang, "corr.moves", days=report.recent_days, lookback=esc(lookback)) + "\n" + "\n".join(moves))
    parts.append(t(lang, "corr.model"))
    parts.append(source_line(lang, market, report.end))
    return "\n".join(parts)
