"""One refresh + evaluate cycle: fetch data, evaluate the watch list, store transitions, create and fan out alerts.

Synchronous (pandas, SQLite, network): the bot runs it with asyncio.to_thread. Each status change of a
thesis between known statuses (not its first observation, not a data gap) becomes one alert, with one outbox row per subscribed chat plus the
configured alert chats (channels). Transitions are stored once by the engine state, and an alert is
keyed by its transition, so re-evaluating the same data creates nothing new.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from regimebot.macro.market import source_kind
from regimebot.storage import chats as chat_store
from regimebot.storage import outbox, run_log

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


def run_cycle(services: Any, now: datetime | None = None) -> CycleResult:
    """Refresh market data, evaluate, record transitions, create alerts and their deliveries; record the run."""
    from regimebot.macro import engine
    from regimebot.storage import engine_state

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
                transitions = engine_state.record_evaluation(services.db, evaluation)
                alert_ids, rows = fan_out(services, transitions, source_kind(market.source), market.simulated, now)
        except Exception as exc:  # recorded for /status and the dead-man switch, then re-raised to the caller
            with services.db_lock:
                run_log.finish_run(services.db, run_id, ok=False, error=services.redact(f"{type(exc).__name__}: {exc}")[:500], now=now)
            raise
        with services.db_lock:
            run_log.finish_run(services.db, run_id, ok=True, transitions=len(transitions), alerts=len(alert_ids), now=now)
    log.info("evaluation as of %s: %d transition(s), %d alert(s), %d delivery row(s)",
             evaluation.as_of, len(transitions), len(alert_ids), rows)
    errors = dict(getattr(market, "errors", {}) or {})
    return CycleResult(run_id, True, str(evaluation.as_of), len(transitions), alert_ids, rows, errors=errors)
