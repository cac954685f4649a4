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
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from regimebot.handlers.context import CycleResult, MarketSource, WatchlistSlot
from regimebot.handlers.evaluation import evaluate_market
from regimebot.handlers.messages.notices import format_stale_feed
from regimebot.jobs import newsworthy
from regimebot.macro import engine
from regimebot.macro.calendars import last_expected_close
from regimebot.macro.engine import Evaluation
from regimebot.macro.market import Market, source_kind
from regimebot.macro.redaction import Redactor
from regimebot.macro.signals import stale_limit
from regimebot.macro.watchlist import Watchlist
from regimebot.storage.db import storage_fault
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


def _manual_moved(watchlist: Watchlist, stored: dict[str, dict[str, Any]], evaluation: Evaluation) -> dict[str, bool]:
    """thesis id → whether one of its manual signals is in another state than at the last recorded evaluation."""
    moved = {sid for sid, spec in watchlist.signals.items()
             if spec.manual and sid in evaluation.signals and stored.get(sid, {}).get("state") != evaluation.signals[sid].state}
    return {tid: any(s in moved for s in thesis.invalidation) for tid, thesis in watchlist.theses.items()}


class Cycle:
    """Refresh, evaluate, record transitions, create alerts and their deliveries, record the run (an Evaluator).

    Only news is alerted (jobs.newsworthy): a change on stale, backfilled or unexplained evidence is recorded
    silently, and a stale feed queues one notice per admin instead. A storage fault is one StorageError.
    """

    def __init__(self, store: Store, market_data: MarketSource, watchlists: WatchlistSlot, alert_chats: Iterable[int] = (),
                 redact: Redactor | None = None, admins: Iterable[int] = (), language: str = "en") -> None:
        self.store = store
        self.market_data = market_data
        self.watchlists = watchlists  # read each cycle: /reload may have put a new watch list in
        self.alert_chats = tuple(alert_chats)
        self.redact = redact or Redactor()  # a failure's text is stored and shown in /status
        self.admins = tuple(sorted(admins))
        self.language = language
        self._listeners: list[Callable[[CycleResult], None]] = []

    def run(self, now: datetime | None = None) -> CycleResult:
        """One cycle; a failure is recorded in the run log (for /status and the dead-man switch) and re-raised."""
        store = self.store
        clock = now or datetime.now(UTC)
        watchlist = self.watchlists.current
        with _RUNNING:
            run_id = store.runs.start_run("evaluate", now=now)
            try:
                market = self.market_data.refresh()
                news, silent, stale_days, alert_ids, rows, evaluation = self._evaluate_and_record(watchlist, market, clock, now)
            except Exception as exc:  # recorded, then re-raised to the caller (a storage fault as one StorageError)
                fault = storage_fault(exc, f"database {store.path}") if isinstance(exc, sqlite3.Error) else exc
                try:
                    store.runs.finish_run(run_id, ok=False, error=self.redact(f"{type(fault).__name__}: {fault}")[:500], now=now)
                except sqlite3.Error as also:  # the database that failed may refuse this too: the log keeps it
                    log.error("could not record the failed run %s: %s", run_id, also)
                if fault is exc:
                    raise
                raise fault from exc
            transitions = len(news) + len(silent)
            store.runs.finish_run(run_id, ok=True, transitions=transitions, alerts=len(alert_ids), now=now)
        for thesis_id, why in silent.items():
            log.info("status change of %s recorded without an alert: %s", thesis_id, why)
        log.info("evaluation as of %s: %d transition(s), %d alert(s), %d delivery row(s)",
                 evaluation.as_of, transitions, len(alert_ids), rows)
        try:
            from regimebot.jobs.journal_push import queue_journal_pushes  # it imports this module

            rows += queue_journal_pushes(store, market, self.alert_chats, now)
        except Exception:  # a journal fault must not fail the evaluation; due pushes are queued by the next cycle
            log.exception("journal pushes not queued this cycle")
        return CycleResult(run_id, True, str(evaluation.as_of), transitions, alert_ids, rows, errors=dict(market.errors),
                           silent=silent, stale_days=stale_days)

    def _evaluate_and_record(self, watchlist: Watchlist, market: Market, clock: datetime, now: datetime | None
                             ) -> tuple[list[StoredTransition], dict[str, str], int | None, list[int], int, Evaluation]:
        """Evaluate `market`, then record it and fan out its news in one transaction (a crash leaves no transition without its alert)."""
        store = self.store
        manual = store.engine_state.manual_signals()
        evaluation = evaluate_market(market, watchlist, manual)  # shared with /regime, /theses, the digest
        with store.transaction():
            switched = store.engine_state.manual_signals()
            if switched != manual:  # a /signal landed while this cycle evaluated: evaluate with the switch it stored
                evaluation = evaluate_market(market, watchlist, switched)
            news, silent, stale_days = self._record(watchlist, market, evaluation, clock)
            alert_ids, rows = fan_out(store, news, source_kind(market.source), market.simulated, now, self.alert_chats)
        return news, silent, stale_days, alert_ids, rows, evaluation

    def reevaluate(self) -> CycleResult:
        """The cached market evaluated again and recorded in the caller's transaction (/signal's switch, atomically).

        No refresh, so nothing waits on the network while the caller holds the store; nor the cycle lock (a
        scheduled cycle holds it before the store's, so taking it here, inside a transaction, could deadlock).
        Listeners hear of new deliveries once the caller's transaction has committed.
        """
        store = self.store
        clock = datetime.now(UTC)
        market = self.market_data.market()
        if market.last_date() is None:  # no data yet: the first cycle compares against the state at the switch
            return CycleResult(0, True)
        with store.transaction():
            news, silent, stale_days, alert_ids, rows, evaluation = self._evaluate_and_record(
                self.watchlists.current, market, clock, None)
            result = CycleResult(0, True, str(evaluation.as_of), len(news) + len(silent), alert_ids, rows,
                                 errors=dict(market.errors), silent=silent, stale_days=stale_days)
            if result.deliveries or result.stale_days:
                store.after_commit(lambda: self._tell_listeners(result))
        return result

    def _tell_listeners(self, result: CycleResult) -> None:
        for listener in list(self._listeners):
            listener(result)

    def _record(self, watchlist: Watchlist, market: Market, evaluation: Evaluation,
                now: datetime) -> tuple[list[StoredTransition], dict[str, str], int | None]:
        """Record the evaluation; return the changes to alert, the silent ones (thesis id → why) and the feed's lag."""
        state = self.store.engine_state
        previous = state.evaluated_through()
        before = state.manual_signals_before_last_switch()
        if not previous and any(before.get(sid, False) != on for sid, on in state.manual_signals().items()):
            # A manual switch made before the first evaluation is compared against the state at the time of the switch.
            state.record_evaluation(engine.evaluate(market, watchlist, as_of=evaluation.as_of, manual=before))
        stored_signals = state.signal_states()
        transitions = state.record_evaluation(evaluation)
        # A simulated market keeps its own clock (the demo reveals its days one by one): its newest day is "today".
        expected = (market.last_date() or evaluation.as_of) if market.simulated else last_expected_close(now)
        verdicts = newsworthy.judge([(t.thesis_id, t) for t in transitions], evaluation, previous,
                                    _manual_moved(watchlist, stored_signals, evaluation), expected, watchlist.stale_after_days,
                                    {sid: stale_limit(spec, watchlist.stale_after_days) for sid, spec in watchlist.signals.items()})
        news = [t for t, j in zip(transitions, verdicts, strict=True) if j.silent_because is None]
        silent = {t.thesis_id: j.silent_because for t, j in zip(transitions, verdicts, strict=True) if j.silent_because is not None}
        lag = newsworthy.feed_staleness(evaluation.as_of, expected, watchlist.stale_after_days)
        if lag is not None:  # the admins are told instead, once per evaluation date
            text = format_stale_feed(self.language, evaluation.as_of.isoformat(), lag, expected.isoformat()).text
            for admin_id in self.admins:
                self.store.notices.enqueue_notice("stale_feed", f"stale-feed:{evaluation.as_of.isoformat()}", admin_id, text, now=now)
        return news, silent, lag

    def evaluate_now(self) -> CycleResult:
        """One cycle on request (/evaluate); listeners hear of new deliveries at once."""
        result = self.run()
        if result.deliveries or result.stale_days:
            self._tell_listeners(result)
        return result

    def on_deliveries(self, listener: Callable[[CycleResult], None]) -> None:
        """Call `listener` after an on-request cycle that enqueued deliveries."""
        self._listeners.append(listener)
