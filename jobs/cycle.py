"""One refresh + evaluate cycle: fetch data, evaluate the watch list, store transitions, create and fan out alerts.

Synchronous (pandas, SQLite, network): the bot runs it with asyncio.to_thread. Each status change of a
thesis between known statuses (not its first observation, not a data gap) becomes one alert, with one outbox row per subscribed chat plus the
configured alert chats (channels). Transitions are stored once by the engine state, and an alert is
keyed by its transition, so re-evaluating the same data creates nothing new.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from regimebot.handlers.messages.notices import format_stale_feed
from regimebot.jobs import newsworthy
from regimebot.storage import chats as chat_store
from regimebot.storage import notices, outbox, run_log
from regimebot.storage.db import storage_fault

log = logging.getLogger(__name__)

_RUNNING = threading.Lock()  # one cycle at a time per process (scheduled, after-close and /evaluate)


@dataclass
class CycleResult:
    """What a cycle did: the run id, the evaluation date, transitions stored, alerts and outbox rows created."""

    run_id: int
    ok: bool
    as_of: str | None = None
    transitions: int = 0
    alert_ids: list[int] = field(default_factory=list)
    deliveries: int = 0
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # data errors of the refresh, by series id
    silent: dict[str, str] = field(default_factory=dict)  # thesis id → why its recorded change was not alerted
    stale_days: int | None = None  # the feed lags the newest expected close by this many days (None: fresh)

    @property
    def alerts(self) -> list[int]:
        return self.alert_ids


def _recipients(db: Any, settings: Any, thesis_id: str, now: datetime) -> list[tuple[int, int | None]]:
    """(chat id, forum topic id) of every subscriber, then the configured alert chats (channels)."""
    recipients = [(prefs.chat_id, prefs.alert_thread_id) for prefs in chat_store.subscribers(db, thesis_id, now)]
    known = {chat_id for chat_id, _ in recipients}
    for chat_id in getattr(settings, "alert_chats", ()) or ():
        if int(chat_id) not in known:
            recipients.append((int(chat_id), None))
    return recipients


def fan_out(services: Any, transitions: list[Any], source: str, simulated: bool, now: datetime | None = None) -> tuple[list[int], int]:
    """Create one alert per real status change and one outbox row per recipient. Returns (alert ids, rows)."""
    now = now or datetime.now(UTC)
    alert_ids: list[int] = []
    rows = 0
    with services.db_lock:
        for tr in transitions:
            if not (tr.toward_invalidation or tr.recovery):
                continue  # a first observation, or a move to or from unknown (missing data), is not news
            evidence = [e if isinstance(e, dict) else e.to_dict() for e in tr.evidence]
            alert = outbox.create_alert(
                services.db, tr.thesis_id, tr.old, tr.new, as_of=str(getattr(tr, "as_of", None) or tr.date), source=source, simulated=simulated,
                evidence=evidence, urgent=tr.new == "invalidated", transition_id=getattr(tr, "id", None), now=now,
            )
            alert_ids.append(alert.id)
            rows += outbox.enqueue_deliveries(services.db, alert.id, _recipients(services.db, services.settings, tr.thesis_id, now), now=now)
    return alert_ids, rows


def _manual_moved(watchlist: Any, stored: dict[str, dict], evaluation: Any) -> dict[str, bool]:
    """thesis id → whether one of its manual signals is in another state than at the last recorded evaluation."""
    moved = {sid for sid, spec in watchlist.signals.items()
             if spec.manual and sid in evaluation.signals and stored.get(sid, {}).get("state") != evaluation.signals[sid].state}
    return {tid: any(s in moved for s in thesis.invalidation) for tid, thesis in watchlist.theses.items()}


def _record(services: Any, market: Any, evaluation: Any, now: datetime) -> tuple[list[Any], dict[str, str], int | None]:
    """Record the evaluation; return the changes to alert, the silent ones (thesis id → why) and the feed's lag.

    A feed lagging more than stale_after_days queues one notice per admin (once per evaluation date).
    """
    from regimebot.macro import engine
    from regimebot.macro.readings import last_expected_close
    from regimebot.storage import engine_state

    db, watchlist = services.db, services.watchlist
    previous = engine_state.evaluated_through(db)
    before = engine_state.manual_signals_before_last_switch(db)
    if not previous and any(before.get(sid, False) != on for sid, on in engine_state.manual_signals(db).items()):
        # A manual switch made before the first evaluation is compared against the state at the time of the switch.
        engine_state.record_evaluation(db, engine.evaluate(market, watchlist, as_of=evaluation.as_of, manual=before))
    stored_signals = engine_state.signal_states(db)
    transitions = engine_state.record_evaluation(db, evaluation)
    # A simulated market keeps its own clock (the demo reveals its days one by one): its newest day is "today".
    expected = (market.last_date() or evaluation.as_of) if market.simulated else last_expected_close(now)
    verdicts = newsworthy.judge([(t.thesis_id, t) for t in transitions], evaluation, previous,
                                _manual_moved(watchlist, stored_signals, evaluation), expected, watchlist.stale_after_days)
    news = [j.change for j in verdicts if j.silent_because is None]
    silent = {j.change.thesis_id: j.silent_because for j in verdicts if j.silent_because is not None}  # type: ignore[attr-defined]
    lag = newsworthy.feed_staleness(evaluation.as_of, expected, watchlist.stale_after_days)
    if lag is not None:
        settings = services.settings
        text = format_stale_feed(settings.language, evaluation.as_of.isoformat(), lag, expected.isoformat()).text
        for admin_id in sorted(settings.admins):
            notices.enqueue_notice(db, "stale_feed", f"stale-feed:{evaluation.as_of.isoformat()}", admin_id, text, now=now)
    return news, silent, lag


def run_cycle(services: Any, now: datetime | None = None) -> CycleResult:
    """Refresh market data, evaluate, record transitions, create alerts and their deliveries; record the run."""
    from regimebot.macro import engine
    from regimebot.storage import engine_state

    clock = now or datetime.now(UTC)
    with _RUNNING:
        with services.db_lock:
            run_id = run_log.start_run(services.db, "evaluate", now=now)
        try:
            market = services.market_data.refresh()
            with services.db_lock:
                manual = engine_state.manual_signals(services.db)
            evaluation = engine.evaluate(market, services.watchlist, manual=manual)
            # One transaction: a crash can never leave a stored transition without its alert and deliveries.
            with services.db_lock, services.db.atomic():
                news, silent, stale_days = _record(services, market, evaluation, clock)
                alert_ids, rows = fan_out(services, news, market.source, market.simulated, now)
        except Exception as exc:  # recorded for /status and the dead-man switch, then re-raised to the caller
            fault = storage_fault(exc) if isinstance(exc, sqlite3.Error) else exc
            try:
                with services.db_lock:
                    run_log.finish_run(services.db, run_id, ok=False, error=f"{type(fault).__name__}: {fault}"[:500], now=now)
            except sqlite3.Error as also:  # the database that failed may refuse this too: the log keeps it
                log.error("could not record the failed run %s: %s", run_id, also)
            if fault is exc:
                raise
            raise fault from exc
        with services.db_lock:
            run_log.finish_run(services.db, run_id, ok=True, transitions=len(news) + len(silent), alerts=len(alert_ids), now=now)
    for thesis_id, why in silent.items():
        log.info("status change of %s recorded without an alert: %s", thesis_id, why)
    log.info("evaluation as of %s: %d transition(s), %d alert(s), %d delivery row(s)",
             evaluation.as_of, len(news) + len(silent), len(alert_ids), rows)
    errors = dict(getattr(market, "errors", {}) or {})
    return CycleResult(run_id, True, str(evaluation.as_of), len(news) + len(silent), alert_ids, rows, errors=errors,
                       silent=silent, stale_days=stale_days)
