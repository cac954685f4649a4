"""Where the scheduled jobs run: a small seam so Telegram (PTB's JobQueue) and the console chat run the same
jobs. `AsyncioScheduler` is the console's, on APScheduler directly (the scheduler PTB's JobQueue wraps)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from apscheduler.job import Job as APJob
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFn = Callable[[], Awaitable[Any]]
WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # days counted from Sunday = 0, as PTB does


class Scheduled(Protocol):
    """A scheduled job: when it runs next, and how to cancel it."""

    @property
    def next_run(self) -> datetime | None: ...

    def cancel(self) -> None: ...


class JobScheduler(Protocol):
    """What the jobs need from a scheduler."""

    def every(self, job: JobFn, seconds: float, first: float, name: str) -> Scheduled:
        """Run `job` every `seconds`, the first time after `first` seconds."""

    def daily(self, job: JobFn, at: time, name: str, days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)) -> Scheduled:
        """Run `job` each listed day (0 = Sunday) at the time `at` (time-zone aware)."""

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` in the background; a graceful stop waits for it (or closes it unstarted when stopping)."""

    def pause(self) -> None:
        """Start nothing new (a graceful stop is under way)."""


class _APSchedulerJob:
    def __init__(self, job: APJob) -> None:
        self._job = job

    @property
    def next_run(self) -> datetime | None:
        return getattr(self._job, "next_run_time", None)  # APScheduler sets it only once the scheduler started

    def cancel(self) -> None:
        self._job.remove()


class AsyncioScheduler:
    """Jobs on the running asyncio loop (the console chat); `shutdown` waits for background work."""

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start running jobs (call on the running event loop)."""
        self._scheduler.start()

    def every(self, job: JobFn, seconds: float, first: float, name: str) -> Scheduled:
        start = datetime.now(UTC) + timedelta(seconds=first)
        trigger = IntervalTrigger(seconds=seconds, start_date=start, timezone=UTC)
        return _APSchedulerJob(self._scheduler.add_job(job, trigger, name=name, misfire_grace_time=None, coalesce=True))

    def daily(self, job: JobFn, at: time, name: str, days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)) -> Scheduled:
        trigger = CronTrigger(day_of_week=",".join(WEEKDAY_NAMES[d] for d in days), hour=at.hour, minute=at.minute,
                              second=at.second, timezone=at.tzinfo or UTC)
        return _APSchedulerJob(self._scheduler.add_job(job, trigger, name=name, misfire_grace_time=None, coalesce=True))

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pause(self) -> None:
        if self._scheduler.running:
            self._scheduler.pause()

    def names(self) -> list[str]:
        """The scheduled jobs' names (for tests and the status line)."""
        return [job.name for job in self._scheduler.get_jobs()]

    async def shutdown(self) -> None:
        """Stop scheduling and wait for background work already started."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
