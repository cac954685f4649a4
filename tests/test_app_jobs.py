"""Scheduled jobs: dead-man switch, daily digests rebuilt from SQLite, the sending pacer's limits."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from regimebot.bot.config import Settings
from regimebot.bot.telegram.io import Limits, Pacer
from regimebot.handlers.messages.i18n import t
from regimebot.jobs.deadman import deadman_due
from regimebot.jobs.schedule import BotJobs
from regimebot.storage.store import Store
from tests.chat_world import services_over
from tests.fakebot import FakeBotServer
from tests.fakebot.harness import evaluate, make_settings, running_bot

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = 3600


def test_deadman_due_counts_from_the_last_success_or_the_start():
    assert not deadman_due(None, T0, T0 + timedelta(hours=1), 2 * HOUR)
    assert deadman_due(None, T0, T0 + timedelta(hours=2, seconds=1), 2 * HOUR)
    assert not deadman_due(T0 + timedelta(hours=5), T0, T0 + timedelta(hours=6), 2 * HOUR)
    assert deadman_due(T0 + timedelta(hours=5), T0, T0 + timedelta(hours=7, seconds=1), 2 * HOUR)
    warned = T0 + timedelta(hours=7, seconds=1)
    assert not deadman_due(T0 + timedelta(hours=5), T0, warned + timedelta(hours=1), 2 * HOUR, warned)
    assert deadman_due(T0 + timedelta(hours=5), T0, warned + timedelta(hours=2, seconds=1), 2 * HOUR, warned)


class RecordingSender:
    def __init__(self):
        self.sent = []

    async def send(self, chat_id, reply, thread_id=None, parts=None):
        self.sent.append((chat_id, reply))
        return len(self.sent)


def test_deadman_job_warns_every_admin_once_per_silence():
    store = Store.open()
    settings = Settings(admins=frozenset({11, 12}), deadman_after=2 * HOUR)
    services = services_over(store, settings)
    sender = RecordingSender()
    jobs = BotJobs(services, sender)
    jobs.started_at = T0
    run = store.runs.start_run(now=T0)
    store.runs.finish_run(run, ok=True, now=T0 + timedelta(minutes=1))
    assert not asyncio.run(jobs.deadman_job(now=T0 + timedelta(hours=2)))
    assert asyncio.run(jobs.deadman_job(now=T0 + timedelta(hours=2, minutes=2)))
    assert sorted(c for c, _ in sender.sent) == [11, 12]
    assert "2026-03-02 12:01 UTC" in sender.sent[0][1].text
    assert not asyncio.run(jobs.deadman_job(now=T0 + timedelta(hours=3)))  # no repeat within the period
    failed = store.runs.start_run(now=T0 + timedelta(hours=3))
    store.runs.finish_run(failed, ok=False, error="DataError", now=T0 + timedelta(hours=3))
    assert asyncio.run(jobs.deadman_job(now=T0 + timedelta(hours=4, minutes=3)))  # failures do not count as life
    assert len(sender.sent) == 4


def test_pacer_keeps_every_window_within_the_limits():
    limits = Limits(overall=10, overall_period=0.2, chat_interval=0.1, group=3, group_period=0.5, margin=0.0)
    pacer = Pacer(limits)
    stamps: list[tuple[int, float]] = []

    async def send(chat_id):
        handle = await pacer.acquire(chat_id)
        stamps.append((chat_id, time.monotonic()))
        await asyncio.sleep(0.01)  # the request's round trip
        pacer.release(handle)

    async def scenario():
        await asyncio.gather(*(send(c) for c in range(1, 26)), *(send(7) for _ in range(3)), *(send(-5) for _ in range(5)))

    asyncio.run(scenario())
    times = sorted(s for _, s in stamps)
    eps = 1e-3
    for i, start in enumerate(times):
        assert sum(1 for s in times[i:] if s < start + 0.2 - eps) <= 10
    seven = sorted(s for c, s in stamps if c == 7)
    assert all(b - a >= 0.1 - eps for a, b in zip(seven, seven[1:]))
    group = sorted(s for c, s in stamps if c == -5)
    assert group[3] - group[0] >= 0.5 - eps and len(group) == 5


def test_digests_are_rebuilt_from_sqlite_at_start_and_sent_silently(tmp_path):
    db_path = tmp_path / "bot.db"
    store = Store.open(db_path)
    store.chats.ensure_chat(901, "private", timezone="Asia/Taipei")
    store.chats.update_chat(901, digest_time="07:30")
    store.chats.ensure_chat(902, "private", language="zh-TW")
    store.chats.update_chat(902, digest_time="18:00")
    store.chats.ensure_chat(903, "private")
    store.close()

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, db_path)) as rt:
                await server.wait_for(lambda: len(rt.jobs.scheduled_digests()) == 2, what="digest jobs")
                scheduled = rt.jobs.scheduled_digests()
                await evaluate(rt)
                assert await rt.jobs.send_digest(901)
                assert await rt.jobs.send_digest(902)
                await server.wait_for(lambda: server.messages_to(901) and server.messages_to(902), what="digests")
            return server, scheduled

    server, scheduled = asyncio.run(scenario())
    assert scheduled == {901: ("07:30", "Asia/Taipei"), 902: ("18:00", "UTC")}
    en, zh = server.messages_to(901)[0], server.messages_to(902)[0]
    assert en["silent"] and zh["silent"]
    assert en["text"].startswith("<b>Daily digest</b>") and "(SIMULATED)" in en["text"]
    assert zh["text"].startswith("<b>每日摘要</b>")
    assert t("en", "digest.theses_title") in en["text"]


def test_digest_job_fires_at_the_chats_local_time(tmp_path):
    db_path = tmp_path / "bot.db"
    store = Store.open(db_path)
    store.chats.ensure_chat(911, "private", timezone="America/New_York")
    store.chats.update_chat(911, digest_time="06:45")
    store.close()

    async def scenario():
        async with FakeBotServer() as server:
            async with running_bot(server, make_settings(server, db_path)) as rt:
                await server.wait_for(lambda: rt.jobs.scheduled_digests(), what="digest job")
                job = rt.jobs._digests[911][2]
                return job.next_run

    next_t = asyncio.run(scenario())
    local = next_t.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (6, 45)
    assert timedelta(0) < next_t - datetime.now(UTC) <= timedelta(days=1)


def test_evaluation_is_scheduled_periodically_and_after_the_us_close(tmp_path):
    from tests.fakebot.harness import fast_options

    async def scenario():
        async with FakeBotServer() as server:
            settings = make_settings(server, tmp_path / "bot.db", evaluate_every=900)
            async with running_bot(server, settings, options=fast_options(after_close=True)) as rt:
                app_jobs = {job.name: job for job in rt.jobs.scheduler.queue.jobs()}
                return app_jobs

    jobs = asyncio.run(scenario())
    assert {"evaluate", "evaluate-after-close", "deliver", "digest-sync", "deadman"} <= set(jobs)
    assert jobs["evaluate"].trigger.interval == timedelta(seconds=900)
    close = jobs["evaluate-after-close"].next_t.astimezone(ZoneInfo("America/New_York"))
    assert (close.hour, close.minute) == (16, 20) and close.weekday() < 5


class FlakySender(RecordingSender):
    """Fails every chat's first send with a network error, then accepts."""

    def __init__(self):
        super().__init__()
        self.failed: set[int] = set()

    async def send(self, chat_id, reply, thread_id=None, parts=None):
        from regimebot.jobs.deliver import TransientFailure

        if chat_id not in self.failed:
            self.failed.add(chat_id)
            raise TransientFailure("network down")
        return await super().send(chat_id, reply, thread_id, parts)


def test_a_failed_dead_man_warning_is_retried_not_lost():
    from regimebot.jobs.deliver import RetryPolicy, deliver_notices

    store = Store.open()
    settings = Settings(admins=frozenset({11, 12}), deadman_after=2 * HOUR)
    services = services_over(store, settings)
    sender = FlakySender()
    jobs = BotJobs(services, sender)
    jobs.started_at = T0
    assert asyncio.run(jobs.deadman_job(now=T0 + timedelta(hours=3)))
    assert sender.sent == [] and {n.status for c in (11, 12) for n in store.notices.notices_for(c)} == {"pending"}
    report = asyncio.run(deliver_notices(services, sender, datetime.now(UTC) + timedelta(hours=1), policy=RetryPolicy()))
    assert report.sent == 2 and sorted(c for c, _ in sender.sent) == [11, 12]
    assert {n.status for c in (11, 12) for n in store.notices.notices_for(c, "deadman")} == {"sent"}
    store.close()
