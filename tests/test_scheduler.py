"""The console chat runs the bot's own job set on an asyncio scheduler (APScheduler, as PTB's JobQueue uses)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from regimebot.jobs.schedule import BotJobs, JobOptions
from regimebot.jobs.scheduler import AsyncioScheduler
from tests.test_app_jobs import RecordingSender
from tests.test_delivery import make_services


def test_repeating_jobs_run_and_shutdown_waits_for_background_work():
    runs: list[float] = []
    finished: list[str] = []

    async def tick() -> None:
        runs.append(asyncio.get_running_loop().time())

    async def background() -> None:
        await asyncio.sleep(0.2)
        finished.append("work")

    async def scenario() -> None:
        scheduler = AsyncioScheduler()
        scheduler.every(tick, 0.05, 0.0, "tick")
        scheduler.start()
        await asyncio.sleep(0.4)
        scheduler.spawn(background(), "background")
        await scheduler.shutdown()

    asyncio.run(scenario())
    assert len(runs) >= 3
    assert finished == ["work"]


def test_daily_jobs_fire_at_the_local_time_asked_for():
    async def noop() -> None:
        return None

    async def scenario() -> datetime | None:
        scheduler = AsyncioScheduler()
        job = scheduler.daily(noop, time(6, 45, tzinfo=ZoneInfo("Asia/Taipei")), "digest:1", days=(1, 2, 3, 4, 5))
        scheduler.start()
        try:
            return job.next_run
        finally:
            await scheduler.shutdown()

    next_run = asyncio.run(scenario())
    assert next_run is not None
    local = next_run.astimezone(ZoneInfo("Asia/Taipei"))
    assert (local.hour, local.minute) == (6, 45) and local.weekday() < 5
    assert next_run > datetime.now(UTC)


def test_the_console_installs_the_same_jobs_as_the_telegram_bot():
    async def scenario() -> list[str]:
        scheduler = AsyncioScheduler()
        jobs = BotJobs(make_services(), RecordingSender(), JobOptions(after_close=True), lock_owner="console-test")
        jobs.install(scheduler)
        scheduler.start()
        try:
            await asyncio.sleep(0.3)  # digest-sync runs once
            return scheduler.names()
        finally:
            await jobs.drain()
            await scheduler.shutdown()

    names = asyncio.run(scenario())
    assert {"evaluate", "evaluate-after-close", "deliver", "digest-sync", "deadman", "lock"} <= set(names)
