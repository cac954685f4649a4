"""The bot's scheduled work: evaluate, deliver, daily digests, dead-man switch, process lock — one job set for
Telegram (on PTB's JobQueue) and the console chat (on `jobs.scheduler.AsyncioScheduler`).

A scheduler keeps nothing across restarts, so everything is rebuilt from SQLite at start: pending
outbox rows are simply due, digest jobs are re-created from each chat's stored time and time zone.
Nothing here imports telegram: messages go out through a jobs.deliver.Sender.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from regimebot.handlers.context import CycleResult, Services
from regimebot.handlers.messages.notices import format_deadman
from regimebot.jobs.deadman import deadman_due
from regimebot.jobs.deliver import DeliveryReport, RetryPolicy, Sender, deliver_notices, deliver_pending
from regimebot.jobs.digest import build_digest
from regimebot.jobs.journal_push import REVIEW_WEEKDAY, queue_weekly_review
from regimebot.jobs.scheduler import JobFn, JobScheduler, Scheduled
from regimebot.macro.providers import DataError
from regimebot.storage.chats import chat_zone
from regimebot.storage.db import StorageError

log = logging.getLogger(__name__)

US_CLOSE = time(16, 20, tzinfo=ZoneInfo("America/New_York"))  # after the 16:00 close, once prices settle
WEEKDAYS = (1, 2, 3, 4, 5)  # PTB counts days from Sunday = 0


@dataclass
class JobOptions:
    """Timings of the scheduled jobs (tests shorten them)."""

    first_evaluation: float = 5.0
    delivery_interval: float = 2.0
    digest_sync_interval: float = 60.0
    deadman_check: float | None = None  # default: a quarter of deadman_after, at most 15 minutes
    lock_ttl: float = 90.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    after_close: bool = True


class BotJobs:
    """The scheduled jobs of one running bot, sharing its Services and Sender."""

    def __init__(self, services: Services, sender: Sender, options: JobOptions | None = None,
                 lock_owner: str | None = None, on_lock_lost: Callable[[], None] | None = None) -> None:
        self.services = services
        self.sender = sender
        self.options = options or JobOptions()
        self.lock_owner = lock_owner
        self.on_lock_lost = on_lock_lost
        self.started_at = datetime.now(UTC)
        self.last_warned: datetime | None = None
        self.last_report: DeliveryReport | None = None
        self._deliver_lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._digests: dict[int, tuple[str, str, Scheduled]] = {}
        self._running_jobs: set[asyncio.Task[Any]] = set()
        self.scheduler: JobScheduler | None = None

    def _tracked(self, job: JobFn) -> JobFn:
        """The job, remembered while it runs, so a graceful stop can wait for it (see `drain`)."""

        @functools.wraps(job)
        async def run() -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._running_jobs.add(task)
            try:
                return await job()
            finally:
                if task is not None:
                    self._running_jobs.discard(task)

        return run

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait (up to `timeout` s) for running jobs to finish before the scheduler stops and cancels them."""
        if self.scheduler is not None:
            self.scheduler.pause()  # start nothing new while we wait
        current = asyncio.current_task()
        running = {t for t in self._running_jobs if t is not current and not t.done()}
        if running:
            log.info("waiting for %d running job(s) to finish before stopping", len(running))
            await asyncio.wait(running, timeout=timeout)

    # --- installation --------------------------------------------------------------------

    def install(self, scheduler: JobScheduler) -> None:
        """Schedule every job (call on the running event loop)."""
        self._loop = asyncio.get_running_loop()
        self.services.evaluator.on_deliveries(self._deliver_soon)
        self._deliver_lock = asyncio.Lock()
        self.scheduler = scheduler
        settings = self.services.settings
        opts = self.options
        scheduler.every(self._tracked(self.evaluate_job), settings.evaluate_every, opts.first_evaluation, "evaluate")
        if opts.after_close:
            scheduler.daily(self._tracked(self.evaluate_job), US_CLOSE, "evaluate-after-close", days=WEEKDAYS)
        scheduler.every(self._tracked(self.deliver_job), opts.delivery_interval, 0.2, "deliver")
        scheduler.every(self._tracked(self.sync_digests), opts.digest_sync_interval, 0.1, "digest-sync")
        check = opts.deadman_check or max(1.0, min(settings.deadman_after / 4, 900.0))
        scheduler.every(self._tracked(self.deadman_job), check, check, "deadman")
        if self.lock_owner is not None:
            scheduler.every(self._tracked(self.lock_job), max(0.5, opts.lock_ttl / 3), opts.lock_ttl / 3, "lock")

    # --- evaluate ------------------------------------------------------------------------

    async def evaluate_job(self) -> CycleResult | None:
        """Refresh + evaluate off the event loop, then deliver what it enqueued."""
        try:
            result = await asyncio.to_thread(self.services.evaluator.run)
        except (DataError, StorageError) as exc:  # expected faults: one line; the run is recorded as failed
            log.error("refresh + evaluate failed: %s", exc)
            return None
        except Exception:  # anything else: with its traceback; the bot keeps running
            log.exception("refresh + evaluate failed")
            return None
        if result.deliveries or result.stale_days:
            await self.deliver_now()
        return result

    def _deliver_soon(self, result: CycleResult) -> None:
        """An on-request cycle (/evaluate, /signal, from a worker thread) enqueued deliveries: send them at once."""
        if self._loop is not None and not self._loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.deliver_now(), self._loop)

    # --- deliver -------------------------------------------------------------------------

    async def deliver_now(self) -> DeliveryReport:
        """One delivery pass (passes never overlap)."""
        if self._deliver_lock is None:
            self._deliver_lock = asyncio.Lock()
        async with self._deliver_lock:
            report = await deliver_pending(self.services, self.sender, policy=self.options.policy)
            extra = await deliver_notices(self.services, self.sender, policy=self.options.policy)
        report.sent += extra.sent
        report.retry += extra.retry
        report.failed += extra.failed
        report.paused_chats += extra.paused_chats
        if report.attempted or report.held:
            log.info("delivery: %d sent, %d to retry, %d held, %d failed", report.sent, report.retry, report.held, report.failed)
        self.last_report = report
        return report

    async def deliver_job(self) -> None:
        """The periodic trigger: start a pass in the background unless one is still sending."""
        if self._deliver_lock is not None and self._deliver_lock.locked():
            return
        if self.scheduler is not None:  # the scheduler awaits its background work when the bot stops
            self.scheduler.spawn(self._deliver_logged(), "deliver")
        else:
            await self._deliver_logged()

    async def _deliver_logged(self) -> None:
        try:
            await self.deliver_now()
        except Exception:  # a failed pass (e.g. the database is locked) is retried by the next tick
            log.exception("delivery pass failed")

    # --- daily digests ---------------------------------------------------------------------

    async def sync_digests(self) -> None:
        """(Re)create one daily job per chat that asked for a digest, from SQLite (also picks up /settings changes)."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        wanted = {p.chat_id: (p.digest_time, p.timezone) for p in self.services.store.chats.digest_chats() if p.digest_time is not None}
        for chat_id in list(self._digests):
            if chat_id not in wanted or wanted[chat_id] != self._digests[chat_id][:2]:
                self._digests.pop(chat_id)[2].cancel()
        for chat_id, (hhmm, tz) in wanted.items():
            if chat_id in self._digests:
                continue
            zone = chat_zone(tz)
            hours, minutes = (int(x) for x in hhmm.split(":"))
            job = scheduler.daily(self._tracked(functools.partial(self.digest_job, chat_id)), time(hours, minutes, tzinfo=zone),
                                  f"digest:{chat_id}")
            self._digests[chat_id] = (hhmm, tz, job)

    def scheduled_digests(self) -> dict[int, tuple[str, str]]:
        return {chat_id: entry[:2] for chat_id, entry in self._digests.items()}

    async def digest_job(self, chat_id: int) -> None:
        """At the chat's digest time: the digest, and on the review weekday the weekly journal review."""
        await self.send_digest(chat_id)
        if await self.queue_review(chat_id):
            await self.deliver_now()

    async def queue_review(self, chat_id: int, now: datetime | None = None) -> bool:
        """On the review weekday (in the chat's time zone), queue the weekly journal review through the outbox."""
        now = now or datetime.now(UTC)
        prefs = self.services.store.chats.get_chat(chat_id)
        if prefs is None or prefs.paused:
            return False
        zone = chat_zone(prefs.timezone)
        local_day = now.astimezone(zone).date()
        if local_day.weekday() != REVIEW_WEEKDAY:
            return False
        try:
            alert_id = await asyncio.to_thread(queue_weekly_review, self.services, chat_id, prefs.alert_thread_id, local_day, now)
        except Exception:  # a review that cannot be built must not stop the other jobs; next week's is tried again
            log.exception("could not queue the weekly review for chat %s", chat_id)
            return False
        return alert_id is not None

    async def send_digest(self, chat_id: int, now: datetime | None = None) -> bool:
        """Build one chat's digest and queue it in the outbox (once per local day), then deliver; False when not queued."""
        now = now or datetime.now(UTC)
        prefs = self.services.store.chats.get_chat(chat_id)
        if prefs is None or prefs.paused:
            return False
        try:
            reply = await asyncio.to_thread(build_digest, self.services, prefs.language)
        except Exception:  # a digest that cannot be built must not stop the other jobs
            log.exception("could not build the digest for chat %s", chat_id)
            return False
        zone = chat_zone(prefs.timezone)
        key = f"digest:{now.astimezone(zone).date().isoformat()}"
        queued = self.services.store.notices.enqueue_notice("digest", key, chat_id, reply.text, silent=reply.silent, now=now)
        if queued:
            await self._deliver_logged()
        return queued

    # --- dead-man switch -------------------------------------------------------------------

    async def deadman_job(self, now: datetime | None = None) -> bool:
        """Warn every configured admin when no evaluation succeeded for deadman_after seconds."""
        now = now or datetime.now(UTC)
        settings = self.services.settings
        last = self.services.store.runs.last_success()
        if not deadman_due(last, self.started_at, now, settings.deadman_after, self.last_warned):
            return False
        self.last_warned = now
        reply = format_deadman(settings.language, last, settings.deadman_after)
        log.warning("dead-man switch: no evaluation completed since %s", last or self.started_at)
        key = f"deadman:{now.isoformat(timespec='seconds')}"
        try:
            with self.services.store.transaction():
                for admin_id in sorted(settings.admins):
                    self.services.store.notices.enqueue_notice("deadman", key, admin_id, reply.text, now=now)
        except sqlite3.Error as exc:  # the database itself may be what is wrong: say so in the log at least
            log.error("dead-man warning could not be queued: %s", exc)
            return True
        await self._deliver_logged()
        return True

    # --- process lock ----------------------------------------------------------------------

    async def lock_job(self) -> None:
        """Keep our database lock; if another process took it, stop rather than double-send."""
        owner = self.lock_owner
        if owner is None:
            return

        def refresh() -> bool:
            return self.services.store.process_locks.refresh_lock(owner, self.options.lock_ttl)

        if not await asyncio.to_thread(refresh):
            log.error("another regimebot process took over the database lock; stopping this one")
            if self.on_lock_lost is not None:
                self.on_lock_lost()
