"""/backtest THESIS [years]: how often the thesis would have flipped over that history (the engine's replay)."""

from __future__ import annotations

from datetime import date

from regimebot.handlers.evaluation import manual_switches
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.text import esc, status_text, thesis_name
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import find_thesis, market_now, source_line, thesis_ids, usage_reply
from regimebot.macro.engine import Replay

DEFAULT_YEARS = 10
MAX_YEARS = 30
RECENT = 6


def years_before(end: date, years: int) -> date:
    """The same calendar day `years` earlier (Feb 29 → Feb 28)."""
    return date(end.year - years, end.month, min(end.day, 28) if end.month == 2 else end.day)


def format_backtest(lang: str, name: str, thesis_id: str, result: Replay, short_from: date | None) -> list[str]:
    """Flip counts, time spent in each status and the latest transitions of one thesis."""
    stats = result.stats[thesis_id]
    span_years = ((result.end - result.start).days + 1) / 365.25
    lines = [t(lang, "backtest.title", name=f"<b>{esc(name)}</b>", start=result.start.isoformat(), end=result.end.isoformat(),
               years=f"{span_years:.1f}")]
    if short_from is not None:
        lines.append(t(lang, "backtest.short_history", start=short_from.isoformat()))
    mine = [tr for tr in result.alerts() if tr.thesis_id == thesis_id]
    lines.append(t(lang, "backtest.alerts", count=stats.alerts, rate=f"{stats.alerts / span_years:.1f}" if span_years else "—"))
    lines.append(t(lang, "backtest.messages", count=len(mine), rate=f"{stats.transitions_per_year:.1f}"))
    total = sum(stats.days_in_status.values()) or 1
    shares = [f"{status_text(lang, status, icon=True)} {100 * days / total:.0f}%" for status, days in stats.days_in_status.items() if days]
    lines.append(t(lang, "backtest.days", shares=" · ".join(shares)))
    if mine:
        lines.append("")
        lines.append(t(lang, "backtest.recent", count=min(RECENT, len(mine))))
        for tr in mine[-RECENT:]:
            lines.append(f"{tr.date.isoformat()}: {status_text(lang, tr.old or 'unknown', icon=True)} → {status_text(lang, tr.new, icon=True)}")
    else:
        lines.append(t(lang, "backtest.none"))
    lines.append("")
    lines.append(t(lang, "backtest.note"))
    return lines


@REGISTRY.command("backtest", summary="cmd.backtest.summary", usage="cmd.backtest.usage", group="watch")
def backtest(req: Request) -> Reply:
    """Replay the watch list over the last YEARS years and count one thesis's flips."""
    if not 1 <= len(req.args) <= 2:
        return usage_reply(req, "watch.need_thesis", known=", ".join(thesis_ids(req)) or "-")
    tid = find_thesis(req, req.args[0])
    if tid is None:
        return usage_reply(req, "sub.unknown_thesis", thesis=req.args[0][:64], known=", ".join(thesis_ids(req)) or "-")
    years = DEFAULT_YEARS
    if len(req.args) == 2:
        raw = req.args[1]
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_YEARS):
            return usage_reply(req, "backtest.bad_years", value=raw[:16], limit=MAX_YEARS)
        years = int(raw)
    from regimebot.macro.engine import replay

    market = market_now(req)
    end = market.last_date()
    if end is None:
        return Reply("⚠️ " + t(req.lang, "backtest.no_data"))
    first = market.closes.index[0].date()
    start = years_before(end, years)
    short_from = None
    if start < first:
        start, short_from = first, first
    result = replay(market, req.services.watchlist, start, end, manual=manual_switches(req.services))
    lines = format_backtest(req.lang, thesis_name(req.services.watchlist, tid, req.lang), tid, result, short_from)
    lines.append(source_line(req.lang, market, end))
    return Reply("\n".join(lines))
