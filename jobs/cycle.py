"""One refresh + evaluate cycle: fetch data, evaluate the watch list, store transitions, create and fan out alerts.

Synchronous (pandas, SQLite, network): the bot runs it with asyncio.to_thread. Each status change of a
thesis between known statuses (not its first observation, not a data gap) becomes one alert, with one outbox row per subscribed chat plus the
configured alert chats (channels). Transitions are stored once by the engine state, and an alert is
keyed by its transition, so re-evaluating the same data creates nothing new.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from regimebot.handlers.context import CycleResult, MarketSource, WatchlistSlot
from regimebot.handlers.evaluation import evaluate_market
from regimebot.macro.market import source_kind
from regimebot.macro.redaction import Redactor
from regimebot.storage.engine_state import StoredTransition
from regimebot.storage.store import Store

log = logging.getLogger(__name__)

__all__ = ["Cycle", "CycleResult", "fan_out"]

_RUNNING = threading.Lock()  # one cycle at a time per process (scheduled, after-close and /evaluate)


def alert_recipients(store: Store, alert_chats: Iterable[int], thesis_id: str, now: datetime) -> list[tuple[int, int | None]]:
    """(chat id, forum topic id) of every subscriber, then the configured alert chats (channels)."""
    recipients = [(prefs.chat_id, prefs.alert_thread_id) for prefs in store.chats.subscribers(thesis_id, now)]
    known = {chat_id for chat_id, _ in recipients}
    for chat_id in alert_chats:
        if int(chat_id) not in known:
            recipients.append((int(chat_id), None))
    return recipients


def fan_out(store: Store, transitions: Sequence[StoredTransition], source: str, simulated: bool,
            now: datetime | None = None, alert_chats: Iterable[int] = ()) -> tuple[list[int], int]:
    """Create one alert per real status change and one outbox row per recipient, in one transaction. Returns (alert ids, rows)."""
    now = now or datetime.now(UTC)
    alert_ids: list[int] = []
    rows = 0
    with store.transaction():
        for tr in transitions:
            if not (tr.toward_invalidation or tr.recovery):
                continue  # a first observation, or a move to or from unknown (missing data), is not news
            alert = store.outbox.create_alert(
                tr.thesis_id, tr.old, tr.new, as_of=tr.as_of.isoformat(), source=source, simulated=simulated,
                evidence=list(tr.evidence), urgent=tr.new == "invalidated", transition_id=tr.id, now=now,
            )
            alert_ids.append(alert.id)
            rows += store.outbox.enqueue_deliveries(alert.id, alert_recipients(store, alert_chats, tr.thesis_id, now), now=now)
    return alert_ids, rows


class Cycle:
    """Refresh, evaluate, record transitions, create alerts and their deliveries, record the run (an Evaluator)."""

    def __init__(self, store: Store, market_data: MarketSource, watchlists: WatchlistSlot, alert_chats: Iterable[int] = (),
                 redact: Redactor | None = None) -> None:
        self.store = store
        self.market_data = market_data
        self.watchlists = watchlists  # read each cycle: /reload may have put a new watch list in
        self.alert_chats = tuple(alert_chats)
        self.redact = redact or Redactor()  # a failure's text is stored and shown in /status
        self._listeners: list[Callable[[CycleResult], None]] = []

    def run(self, now: datetime | None = None) -> CycleResult:
        """One cycle; a failure is recorded in the run log (for /status and the dead-man switch) and re-raised."""
        store = self.store
        with _RUNNING:
            run_id = store.runs.start_run("evaluate", now=now)
            try:
                market = self.market_data.refresh()
                manual = store.engine_state.manual_signals()
                evaluation = evaluate_market(market, self.watchlists.current, manual)  # shared with /regime, /theses, the digest
                # One transaction: a crash can never leave a stored transition without its alert and deliveries.
                with store.transaction():
                    transitions = store.engine_state.record_evaluation(evaluation)
                    alert_ids, rows = fan_out(store, transitions, source_kind(market.source), market.simulated, now, self.alert_chats)
            except Exception as exc:  # recorded, then re-raised to the caller
                store.runs.finish_run(run_id, ok=False, error=self.redact(f"{type(exc).__name__}: {exc}")[:500], now=now)
                raise
            store.runs.finish_run(run_id, ok=True, transitions=len(transitions), alerts=len(alert_ids), now=now)
        log.info("evaluation as of %s: %d transition(s), %d alert(s), %d delivery row(s)",
                 evaluation.as_of, len(transitions), len(alert_ids), rows)
        try:
            from regimebot.jobs.journal_push import queue_journal_pushes  # it imports this module

            rows += queue_journal_pushes(store, market, self.alert_chats, now)
        except Exception:  # a journal fault must not fail the evaluation; due pushes are queued by the next cycle
            log.exception("journal pushes not queued this cycle")
        return CycleResult(run_id, True, str(evaluation.as_of), len(transitions), alert_ids, rows, errors=dict(market.errors))

    def evaluate_now(self) -> CycleResult:
        """One cycle on request (/evaluate, /signal); listeners hear of new deliveries at once."""
        result = self.run()
        if result.deliveries:
            for listener in list(self._listeners):
                listener(result)
        return result

    def on_deliveries(self, listener: Callable[[CycleResult], None]) -> None:
        """Call `listener` after an on-request cycle that enqueued deliveries."""
        self._listeners.append(listener)
