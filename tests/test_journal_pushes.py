"""Journal pushes go through the outbox once each: overdue catalysts, pain 50/80/100 %, the weekly review."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from regimebot.jobs.deliver import RetryPolicy, deliver_pending
from regimebot.jobs.journal_push import queue_journal_pushes
from regimebot.jobs.schedule import BotJobs
from regimebot.storage.store import Store
from tests.chat_world import ask, generated_closes, make_services, outside

SUBSCRIBER = 600
OTHER = 601
ENTRY = pd.Timestamp("2026-01-05")


def _tlt_path() -> pd.Series:
    """TLT at 100 on the entry day, then down 6%, 8.5% and 11% (10% pain budget: 60%, 85%, 110% used)."""
    index = pd.bdate_range(end="2026-03-02", periods=800)
    values = np.full(len(index), 100.0)
    values[index > ENTRY] = 97.0
    values[index >= pd.Timestamp("2026-02-02")] = 94.0
    values[index >= pd.Timestamp("2026-02-09")] = 91.5
    values[index >= pd.Timestamp("2026-02-16")] = 89.0
    return pd.Series(values, index=index, name="TLT")


def _services(tmp_path):
    closes = generated_closes()
    closes["TLT"] = _tlt_path()
    services = make_services(closes, store=Store.open(tmp_path / "pushes.db"))
    for chat_id, lang in ((SUBSCRIBER, "zh-TW"), (OTHER, "en")):
        services.store.chats.ensure_chat(chat_id, "private", language=lang)
    services.store.chats.subscribe(SUBSCRIBER, "long_duration")
    ask(services, "/open long_duration entry=2026-01-05 series=TLT pain=10%")
    return services


class Recorder:
    def __init__(self):
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id, reply, thread_id=None, parts=None):
        self.sent.append((chat_id, reply.text))
        return len(self.sent)


def _deliver(services, now) -> list[tuple[int, str]]:
    sender = Recorder()
    asyncio.run(deliver_pending(services, sender, now=now + timedelta(hours=1), policy=RetryPolicy(base=60)))
    return sender.sent


def _kinds(services) -> list[str]:
    side = outside(services.store)
    kinds = [k for (k,) in side.execute("SELECT kind FROM alerts ORDER BY id").fetchall()]
    side.close()
    return kinds


def test_pain_thresholds_are_pushed_once_each_as_the_drawdown_deepens(tmp_path):
    services = _services(tmp_path)
    market = services.market_data.market()
    now = datetime(2026, 3, 2, 22, tzinfo=UTC)
    sent_levels = []
    for day in ["2026-01-20", "2026-02-02", "2026-02-03", "2026-02-09", "2026-02-10", "2026-02-16", "2026-02-20", "2026-03-02"]:
        queue_journal_pushes(services.store, market.until(day), now=now)
        for chat_id, text in _deliver(services, now):
            assert chat_id == SUBSCRIBER  # only the thesis's subscribers
            assert "🩹" in text and "痛苦預算" in text  # in the chat's language
            sent_levels.append((day, text))
    assert [day for day, _ in sent_levels] == ["2026-02-02", "2026-02-09", "2026-02-16"]
    assert ["50%" in sent_levels[0][1], "80%" in sent_levels[1][1], "100%" in sent_levels[2][1]] == [True] * 3
    assert _kinds(services) == ["pain", "pain", "pain"]


def test_levels_reached_together_are_one_message_and_a_new_budget_rearms_them(tmp_path):
    services = _services(tmp_path)
    market = services.market_data.market()
    now = datetime(2026, 3, 2, 22, tzinfo=UTC)
    assert queue_journal_pushes(services.store, market, now=now) == 1  # 110% used at once: one message, about 100%
    assert "100%" in _deliver(services, now)[0][1]
    assert queue_journal_pushes(services.store, market, now=now) == 0
    ask(services, "/note long_duration pain=20% wider budget")  # 11% of 20%: 55% used
    assert queue_journal_pushes(services.store, market, now=now) == 1
    assert queue_journal_pushes(services.store, market, now=now) == 0
    assert "50%" in _deliver(services, now)[0][1]


def test_an_overdue_catalyst_is_reminded_once_and_a_done_one_never(tmp_path):
    services = _services(tmp_path)
    ask(services, "/catalyst long_duration 2026-02-20 two Fed cuts")
    ask(services, "/catalyst long_duration 2026-02-21 CPI print")
    ask(services, "/catalyst long_duration done 3")
    ask(services, "/catalyst long_duration 2026-12-31 fiscal deal")  # not due yet
    market = services.market_data.market().until("2026-01-20")  # no pain yet
    now = datetime(2026, 3, 2, 22, tzinfo=UTC)
    assert queue_journal_pushes(services.store, market, now=now) == 1
    assert queue_journal_pushes(services.store, market, now=now + timedelta(days=1)) == 0
    sent = _deliver(services, now)
    assert len(sent) == 1 and sent[0][0] == SUBSCRIBER
    assert "two Fed cuts" in sent[0][1] and "/catalyst long_duration done 2" in sent[0][1]
    assert _kinds(services) == ["catalyst_overdue"]


def test_the_evaluation_cycle_queues_journal_pushes_with_its_alerts(tmp_path):
    services = _services(tmp_path)
    ask(services, "/catalyst long_duration 2026-02-20 two Fed cuts")
    result = services.evaluator.run(now=datetime(2026, 3, 2, 22, tzinfo=UTC))
    assert result.ok and {"catalyst_overdue", "pain"} <= set(_kinds(services))
    services.evaluator.run(now=datetime(2026, 3, 3, 22, tzinfo=UTC))
    assert _kinds(services).count("catalyst_overdue") == 1 and _kinds(services).count("pain") == 1


def test_journal_pushes_stay_out_of_the_alert_list_and_the_digest_changes(tmp_path):
    services = _services(tmp_path)
    now = datetime(2026, 3, 2, 22, tzinfo=UTC)
    assert queue_journal_pushes(services.store, services.market_data.market(), now=now) == 1
    assert len(_deliver(services, now)) == 1
    assert services.store.outbox.alerts_for_chat(SUBSCRIBER) == []
    assert services.store.outbox.alerts_since(now - timedelta(days=1)) == []


def test_the_weekly_review_goes_out_once_a_week_at_the_digest_in_the_chat_language(tmp_path):
    services = _services(tmp_path)
    services.store.chats.update_chat(OTHER, timezone="Asia/Taipei", digest_time="08:00")
    jobs = BotJobs(services, Recorder())
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 on Monday in Taipei
    assert asyncio.run(jobs.queue_review(OTHER, now=monday))
    assert not asyncio.run(jobs.queue_review(OTHER, now=monday + timedelta(hours=1)))  # same week: once
    assert not asyncio.run(jobs.queue_review(OTHER, now=monday + timedelta(days=1)))  # not the review day
    sent = _deliver(services, monday)
    assert len(sent) == 1 and sent[0][0] == OTHER
    assert "Weekly thesis review" in sent[0][1] and "Long duration" in sent[0][1] and "held" in sent[0][1]
    assert asyncio.run(jobs.queue_review(OTHER, now=monday + timedelta(days=7)))  # next week
    sunday_utc = datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # already Monday 04:00 in Taipei, but the review of that week was sent
    assert not asyncio.run(jobs.queue_review(OTHER, now=sunday_utc))
    assert _kinds(services) == ["weekly_review", "weekly_review"]


def test_no_weekly_review_without_an_open_entry():
    services = make_services()
    services.store.chats.ensure_chat(OTHER, "private")
    assert not asyncio.run(BotJobs(services, Recorder()).queue_review(OTHER, now=datetime(2026, 3, 2, 9, tzinfo=UTC)))
    assert date(2026, 3, 2).weekday() == 0
