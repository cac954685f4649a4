"""Runs the real Application (bot.telegram.app) against the fake Bot API server, in-process, for end-to-end tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from regimebot.bot.cli.run import serve
from regimebot.bot.config import DataSource, Settings
from regimebot.bot.services import build_services
from regimebot.bot.telegram.app import AppOptions, Runtime, build_application
from regimebot.bot.telegram.io import Limits
from regimebot.jobs.deliver import RetryPolicy
from regimebot.jobs.schedule import JobOptions
from regimebot.macro.providers.demo import DemoProvider, stress_window
from tests.fakebot import FakeBotServer, ServerLimits

TOKEN = "424242:E2E-fake-token-Zq9xW3"
ADMIN = 9001
DEMO_END = date(2026, 3, 31)
STRESS_START, STRESS_END = stress_window(DEMO_END)


def demo_provider() -> DemoProvider:
    """The simulated market revealed up to a few days before its stress episode (the baseline: no alert yet)."""
    return DemoProvider(end=DEMO_END, reveal_until=STRESS_START - timedelta(days=3), years=12)


def make_settings(server: FakeBotServer, db: Path, **changes) -> Settings:
    base = Settings(
        telegram_bot_token=TOKEN, telegram_api_url=server.base_url, db=db, data=DataSource("demo"),
        admins=frozenset({ADMIN}), evaluate_every=3600, history_start=date(2014, 1, 1),
    )
    return replace(base, **changes)


def fast_options(limits: Limits | None = None, **job_changes) -> AppOptions:
    """Telegram's real limits unless given; jobs that wait for the test to trigger them."""
    jobs = JobOptions(first_evaluation=3600, delivery_interval=0.2, digest_sync_interval=3600,
                      deadman_check=3600, policy=RetryPolicy(base=0.2, cap=1.0), after_close=False)
    return AppOptions(limits=limits or Limits(), jobs=replace(jobs, **job_changes), read_timeout=1.0)


def quick_chat_limits() -> tuple[ServerLimits, Limits]:
    """Per-chat window shortened to 0.1 s on both sides (server and bot), other limits as Telegram's."""
    return ServerLimits(chat=1, chat_period=0.1), Limits(chat_interval=0.1)


@contextlib.asynccontextmanager
async def running_bot(server: FakeBotServer, settings: Settings, provider=None,
                      options: AppOptions | None = None) -> AsyncIterator[Runtime]:
    """The bot polling the fake server until the block ends (stopped as SIGTERM would)."""
    services = build_services(settings, provider=provider or demo_provider(), db_path=settings.db)
    app = build_application(settings, services, options or fast_options())
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop=stop, install_signals=False, poll_timeout=0.2))
    runtime: Runtime = app.bot_data["runtime"]
    await server.wait_for(lambda: bool(server.calls_of("getUpdates")) or task.done(), what="the bot to start polling")
    try:
        yield runtime
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        services.store.close()


async def evaluate(runtime: Runtime):
    """One scheduled refresh + evaluate cycle, as the JobQueue runs it (delivery follows)."""
    return await runtime.jobs.evaluate_job()


async def deliver_all(runtime: Runtime, server: FakeBotServer, timeout: float = 30.0) -> None:
    """Run delivery passes until no outbox row is waiting."""

    async def backlog() -> dict:
        def read():
            return runtime.services.store.outbox.delivery_backlog()
        return await asyncio.to_thread(read)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await runtime.jobs.deliver_now()
        state = await backlog()
        if state["pending"] == 0 and state["held"] == 0:
            return
        if loop.time() > deadline:
            raise AssertionError(f"outbox not drained after {timeout} s: {state}")
        await asyncio.sleep(0.1)
