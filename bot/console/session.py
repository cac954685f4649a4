"""`regimebot chat` and `regimebot demo` at run time: the console chat with the bot's own jobs, and the demo's clock.

The demo reveals the simulated market up to a few days before its stress episode, evaluates once (a
baseline: no alerts), then advances one simulated day every couple of seconds so alerts arrive as
the episode unfolds. Without a terminal on stdin it plays a short scripted tour.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from regimebot.bot.config import DataSource, Settings
from regimebot.bot.console.chat import CONSOLE_USER_ID, ConsoleChat, Screen, read_lines
from regimebot.bot.services import build_services
from regimebot.handlers import load_commands
from regimebot.handlers.messages.i18n import LANGUAGES, t
from regimebot.handlers.registry import REGISTRY
from regimebot.jobs.schedule import BotJobs, JobOptions
from regimebot.jobs.scheduler import AsyncioScheduler
from regimebot.macro.providers.demo import DemoProvider, next_business_day, stress_window
from regimebot.storage import process_lock
from regimebot.storage.db import StorageError

LOCK_TTL = 180.0       # seconds; the console chat holds the database's bot lock like `regimebot run`
DEMO_LEAD_DAYS = 3     # business days revealed before the stress episode starts
DEMO_AFTER_DAYS = 4    # business days shown after it ends
DEMO_YEARS = 12        # simulated history: enough for /backtest and 200-day averages, quick to evaluate
TOUR = ("/help", "/dxy", "/tlt", "/regime", "/subscribe all")
TOUR_AFTER = ("/theses", "/alerts", "/why {alert}", "/scenario TLT -100bp", "/chart DXY 3m", "/status")

Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]  # runs beside the prompt until the event is set


def console_settings(settings: Settings) -> Settings:
    """The person at the terminal runs the bot, so is one of its admins."""
    return dataclasses.replace(settings, admins=settings.admins | {CONSOLE_USER_ID})


def make_screen(session_lang: str | None, settings: Settings, output_dir: Path, simulated: bool) -> Screen:
    """The terminal: stdout, images saved under `output_dir`; `--lang` wins over the chat's stored language, else the config's."""
    lang = session_lang or (settings.language if settings.language in LANGUAGES else "en")
    return Screen(out=sys.stdout, output_dir=output_dir, color=sys.stdout.isatty(), simulated=simulated, lang=lang,
                  session_lang=session_lang)


async def interactive(chat: ConsoleChat, background: Background | None = None, stop: asyncio.Event | None = None) -> None:
    """Read commands until EOF, quit or `stop`; deliver pushed alerts after each; run `background` alongside."""
    stop = stop or asyncio.Event()

    async def handle(line: str) -> None:
        await asyncio.to_thread(chat.say, line)
        await chat.deliver()

    tasks: list[asyncio.Task[None]] = [asyncio.create_task(background(stop))] if background else []
    await read_lines("› ", handle, stop)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_chat(settings: Settings, lang: str | None, output_dir: Path) -> int:
    """The console chat on the configured data source and database, with the bot's jobs running."""
    load_commands()
    settings = console_settings(settings)
    services = build_services(settings)
    owner = process_lock.lock_owner()
    holder = services.store.process_locks.acquire_lock(owner, LOCK_TTL)
    if holder is not None:
        raise StorageError(f"another regimebot process ({holder}) is using {settings.db}; stop it first, "
                           "or point REGIMEBOT_DB at another file (or try `regimebot demo`)")
    screen = make_screen(lang, settings, output_dir, simulated=settings.data.kind == "demo")
    chat = ConsoleChat(services, screen)
    screen.note(t(chat.lang, "console.welcome_chat", source=str(settings.data), db=str(settings.db), images=str(screen.output_dir)))

    async def cycle() -> None:
        try:
            await asyncio.to_thread(chat.run_cycle)
        except Exception as exc:  # a failed cycle is recorded in runs (see /status); the chat goes on
            screen.note("⚠️ " + t(chat.lang, "console.cycle_failed", error=str(exc)[:200]))
        await chat.deliver()

    async def session() -> None:
        screen.note(t(chat.lang, "console.refreshing"))
        await cycle()
        # From here on the bot's own jobs run, as under `regimebot run`: evaluate, deliver, digests,
        # the dead-man switch and the database lock (the first scheduled evaluation after one period).
        scheduler = AsyncioScheduler()
        stop = asyncio.Event()
        jobs = BotJobs(services, chat.sender, JobOptions(first_evaluation=float(settings.evaluate_every), lock_ttl=LOCK_TTL),
                       lock_owner=owner, on_lock_lost=stop.set)
        jobs.install(scheduler)
        chat.attach(jobs)
        scheduler.start()
        try:
            await interactive(chat, stop=stop)
        finally:
            await jobs.drain()
            await scheduler.shutdown()

    try:
        asyncio.run(session())
    finally:
        chat.close()
        services.store.process_locks.release_lock(owner)
        services.store.close()
    return 0


# --- demo ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Demo:
    """The demo's simulated clock: the provider reveals one more business day at each step."""

    chat: ConsoleChat
    provider: DemoProvider
    days: list[date]
    alerts_seen: list[int] = dataclasses.field(default_factory=list)

    @property
    def finished(self) -> bool:
        return not self.days

    async def step(self) -> None:
        """Reveal the next simulated day, evaluate, and deliver what it pushes."""
        day = self.days.pop(0)
        self.provider.reveal_until = day
        self.chat.screen.note(t(self.chat.lang, "console.demo_day", day=day.isoformat()))
        result = await asyncio.to_thread(self.chat.run_cycle)
        self.alerts_seen += result.alert_ids
        await self.chat.deliver()


def build_demo(settings: Settings, lang: str | None, output_dir: Path, db_path: Path, end: date | None = None) -> Demo:
    """Services on the simulated market in a throwaway database, revealed up to just before the stress."""
    load_commands()
    end = end or _last_business_day(date.today())
    first_stress, last_stress = stress_window(end)
    reveal = first_stress
    for _ in range(DEMO_LEAD_DAYS):
        reveal = _previous_business_day(reveal)
    provider = DemoProvider(seed=7, end=end, reveal_until=reveal, years=DEMO_YEARS)
    demo_settings = dataclasses.replace(console_settings(settings), data=DataSource("demo"), db=db_path,
                                        history_start=end - timedelta(days=366 * DEMO_YEARS), alert_chats=())
    services = build_services(demo_settings, provider=provider, db_path=db_path)
    screen = make_screen(lang, demo_settings, output_dir, simulated=True)
    screen.lang = lang or "en"
    chat = ConsoleChat(services, screen)
    days, day = [], reveal
    stop = last_stress
    for _ in range(DEMO_AFTER_DAYS):
        stop = next_business_day(stop)
    while day < min(stop, end):
        day = next_business_day(day)
        days.append(day)
    chat.run_cycle()  # the baseline: a thesis's first status is not news
    return Demo(chat, provider, days)


def _last_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _previous_business_day(day: date) -> date:
    return _last_business_day(day - timedelta(days=1))


async def tour(demo: Demo) -> None:
    """The unattended demo: a few commands, the stress episode day by day, the alerts it pushed."""
    chat = demo.chat
    for line in TOUR:
        chat.say(line)
    chat.screen.note("\n" + t(chat.lang, "console.demo_advancing", days=len(demo.days)))
    while not demo.finished:
        await demo.step()
    subscribed = chat.services.store.chats.subscriptions(chat.chat.id)
    first_alert = min(demo.alerts_seen) if demo.alerts_seen else None
    for line in TOUR_AFTER:
        if "{alert}" in line:
            if first_alert is None:
                continue
            line = line.format(alert=first_alert)
        if REGISTRY.get(line[1:].split()[0]) is None:
            continue  # e.g. /scenario, when the scenario commands are not installed
        chat.say(line)
    chat.screen.note("\n" + t(chat.lang, "console.demo_done", alerts=len(demo.alerts_seen),
                              subscribed=", ".join(sorted(subscribed)) or "-"))


async def live_demo(demo: Demo, step_seconds: float) -> None:
    """The interactive demo: the market advances in the background while you chat."""
    chat = demo.chat
    chat.say("/subscribe all")
    chat.screen.note(t(chat.lang, "console.demo_live", seconds=f"{step_seconds:g}", days=len(demo.days)))

    async def advance(stop: asyncio.Event) -> None:
        while not demo.finished and not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=step_seconds)
                return
            except TimeoutError:
                pass
            await demo.step()
        if demo.finished:
            chat.screen.note(t(chat.lang, "console.demo_end_of_episode", alerts=len(demo.alerts_seen)))

    await interactive(chat, advance)
