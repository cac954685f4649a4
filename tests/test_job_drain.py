"""A graceful stop waits for running jobs (an evaluation half-way through is finished, not cancelled)."""

from __future__ import annotations

import asyncio

from regimebot.jobs.schedule import BotJobs


def test_drain_waits_for_a_running_job_to_finish():
    finished: list[str] = []

    async def slow_evaluation():
        await asyncio.sleep(0.3)
        finished.append("evaluation")

    async def scenario():
        jobs = BotJobs(services=None, sender=None)
        task = asyncio.create_task(jobs._tracked(slow_evaluation)())
        await asyncio.sleep(0.05)  # the job is running now
        await jobs.drain(timeout=5)
        assert task.done() and not task.cancelled()
        return jobs

    jobs = asyncio.run(scenario())
    assert finished == ["evaluation"]
    assert jobs._running_jobs == set()


def test_drain_gives_up_after_its_timeout():
    async def stuck():
        await asyncio.sleep(30)

    async def scenario():
        jobs = BotJobs(services=None, sender=None)
        task = asyncio.create_task(jobs._tracked(stuck)())
        await asyncio.sleep(0.05)
        await jobs.drain(timeout=0.1)
        still_running = not task.done()
        task.cancel()
        return still_running

    assert asyncio.run(scenario()) is True
