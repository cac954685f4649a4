"""The alert scorecard of one thesis for /backtest: a few short lines for a phone, in the chat's language."""

from __future__ import annotations

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.text import esc
from regimebot.macro.scorecard import PERIODS, Figures, PeriodScore, ThesisScore


def _pct(lang: str, value: float | None) -> str:
    return t(lang, "common.unknown") if value is None else f"{100 * value:.0f}%"


def _num(lang: str, value: float | None, digits: int = 1) -> str:
    return t(lang, "common.unknown") if value is None else f"{value:.{digits}f}"


def _verdict(lang: str, period: PeriodScore) -> str:
    beats_random, beats_ma = period.beats(period.random), period.beats(period.ma200)
    if beats_random is None and beats_ma is None:
        return t(lang, "backtest.score_no_compare")
    if beats_random and beats_ma:
        return t(lang, "backtest.score_beats")
    lines = []
    if beats_random is False:
        lines.append(t(lang, "backtest.score_not_random"))
    if beats_ma is False:
        lines.append(t(lang, "backtest.score_not_ma200"))
    if beats_random is None or beats_ma is None:
        lines.append(t(lang, "backtest.score_no_compare"))
    return "\n".join(lines)


def format_scorecard(lang: str, score: ThesisScore) -> list[str]:
    """Alerts, whipsaw, hit rate and lift, recall and lead, the two baselines, a plain verdict, the split periods."""
    whole = score.periods["all"]
    f: Figures = whole.thesis
    side = t(lang, f"watch.side_{score.position.side}")
    lines = [
        t(lang, "backtest.score_title", position=f"{side} {esc(score.position.series)}",
          drawdown=f"{score.pain.drawdown_pct:g}", days=score.pain.within_days),
        t(lang, "backtest.score_alerts", rate=_num(lang, f.alerts_per_year), whipsaw=_pct(lang, f.whipsaw)),
        t(lang, "backtest.score_hits", hit=_pct(lang, f.hit_rate), base=_pct(lang, f.base_rate), lift=_num(lang, f.lift)),
        t(lang, "backtest.score_recall", episodes=f.pain_episodes, recall=_pct(lang, f.recall),
          lead=_num(lang, f.lead_days, 0), false=_num(lang, f.false_alarms_per_year)),
        t(lang, "backtest.score_random", lift=_num(lang, whole.random.lift), recall=_pct(lang, whole.random.recall)),
        t(lang, "backtest.score_ma200", rate=_num(lang, whole.ma200.alerts_per_year), lift=_num(lang, whole.ma200.lift),
          recall=_pct(lang, whole.ma200.recall)),
        _verdict(lang, whole),
    ]
    split = [(name, score.periods[name]) for name in PERIODS if score.periods[name].thesis.status_days]
    if len(split) > 1:  # the window spans both: the out-of-sample figures are the honest ones
        for name, period in split:
            lines.append(t(lang, "backtest.score_period", period=t(lang, f"backtest.period_{name}"),
                           start=str(period.start), end=str(period.end), lift=_num(lang, period.thesis.lift),
                           random=_num(lang, period.random.lift), ma200=_num(lang, period.ma200.lift)))
    return lines
