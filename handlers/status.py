"""/status: data freshness per series, last and next evaluation, the delivery backlog, and errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.messages.sources import format_sources
from regimebot.handlers.messages.text import esc, moment_html
from regimebot.handlers.registry import REGISTRY, Request
from regimebot.handlers.usage import is_bot_admin, market_clock, market_now, usage_reply
from regimebot.macro.calendars import expected_observation
from regimebot.macro.catalog import Catalog
from regimebot.macro.market import Market


def _fetched_at(stored: str) -> str:
    """The stored time of the last fetch as a date-time entity (as stored, escaped, if it does not parse)."""
    try:
        moment = datetime.fromisoformat(stored)
    except ValueError:
        return esc(stored)
    return moment_html(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def format_freshness(lang: str, catalog: Catalog, market: Market, fetches: list[dict], now: datetime) -> list[str]:
    """Series grouped as fresh / stale / without data, then each series' fetch error."""
    fresh: list[tuple[str, date, date]] = []  # (series id, last close, expected close)
    stale: list[tuple[str, date, date]] = []
    missing: list[str] = []
    for series in catalog.downloadable():
        observed = market.series(series.id)
        if observed.empty:
            missing.append(series.id)
            continue
        last = observed.index[-1].date()
        expected = expected_observation(series, now, last)
        (stale if last < expected else fresh).append((series.id, last, expected))
    lines = [f"<b>{t(lang, 'health.data_title')}</b> · {esc(market.label)}"]
    if fresh:
        newest = max(d for _, d, _ in fresh)
        lines.append(t(lang, "health.fresh", count=len(fresh), as_of=newest.isoformat(), series=" ".join(s for s, _, _ in fresh)))
    by_dates: dict[tuple[date, date], list[str]] = {}
    for sid, last, expected in stale:
        by_dates.setdefault((last, expected), []).append(sid)
    for (last, expected), ids in by_dates.items():
        lines.append(t(lang, "health.stale", series=" ".join(ids), last=last.isoformat(), expected=expected.isoformat()))
    if missing:
        lines.append(t(lang, "health.missing", series=" ".join(missing)))
    errors = [f for f in fetches if f.get("error")]
    for f in errors[:8]:
        lines.append(t(lang, "health.fetch_error", series=esc(f["series_id"]), error=esc(str(f["error"])[:160])))
    if len(errors) > 8:
        lines.append(t(lang, "health.more_errors", count=len(errors) - 8))
    fetched = [f["fetched_at"] for f in fetches if f.get("fetched_at")]
    lines.append(t(lang, "health.last_fetch", when=_fetched_at(max(fetched)) if fetched else "—"))
    return lines


def format_runs(lang: str, runs: list[Any], every_seconds: int | None) -> list[str]:
    """The last evaluation (when, outcome, transitions, alerts) and when the next is due."""
    lines = [f"<b>{t(lang, 'health.eval_title')}</b>"]
    if not runs:
        lines.append(t(lang, "health.never"))
        return lines
    last = runs[0]
    if last.ok is None:
        outcome = t(lang, "health.running")
    elif last.ok:
        outcome = t(lang, "health.ok", transitions=last.transitions, alerts=last.alerts)
    else:
        outcome = t(lang, "health.failed", error=esc((last.error or "")[:200]))
    lines.append(t(lang, "health.last_eval", when=moment_html(last.finished_at or last.started_at), outcome=outcome))
    if every_seconds:
        lines.append(t(lang, "health.next_eval", when=moment_html(last.started_at + timedelta(seconds=every_seconds))))
    return lines


def format_backlog(lang: str, backlog: dict) -> list[str]:
    """Waiting, held (quiet hours), failed and sent deliveries, with the last failure."""
    lines = [f"<b>{t(lang, 'health.delivery_title')}</b>",
             t(lang, "health.backlog", pending=backlog.get("pending", 0), held=backlog.get("held", 0),
               failed=backlog.get("failed", 0), sent=backlog.get("sent", 0))]
    last = backlog.get("last_error")
    if last:
        lines.append(t(lang, "health.last_failure", chat=esc(last.get("chat_id")), error=esc(str(last.get("error"))[:200])))
    return lines


@REGISTRY.command("status", summary="cmd.status.summary", usage="cmd.status.usage", group="general")
def status(req: Request) -> Reply:
    """How fresh the data is, how the scheduled work is going, and what is waiting to be sent."""
    if req.args:
        return usage_reply(req, "market.no_args")
    services = req.services
    market = market_now(req)
    now = market_clock(market) or datetime.now(UTC)
    fetches = services.store.prices.fetch_log()
    runs = services.store.runs.last_runs(1, kind="evaluate")
    backlog = services.store.outbox.delivery_backlog()
    last = backlog.get("last_error")
    if last and not is_bot_admin(req) and last.get("chat_id") != req.chat.id:
        backlog = {**backlog, "last_error": None}  # another chat's id and error are for the bot's admins only
    lines = format_freshness(req.lang, services.catalog, market, fetches, now)
    lines.append("")
    lines += format_sources(req.lang, services.store.prices.source_status(), datetime.now(UTC))
    lines.append("")
    lines += format_runs(req.lang, runs, services.settings.evaluate_every)
    lines.append("")
    lines += format_backlog(req.lang, backlog)
    if market.simulated:
        lines += ["", f"<i>{t(req.lang, 'common.simulated')}</i>"]
    return Reply(services.redact("\n".join(lines)))  # errors stored before a secret was configured are masked too
