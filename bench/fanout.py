"""Fan-out benchmark: one alert to N subscribed chats through the fake Bot API, which enforces Telegram's limits.

Runs the real delivery path (outbox → BotJobs.deliver_now → TelegramSender → PTB Bot with AIORateLimiter)
against tests/fakebot on loopback (its own thread), and prints the time taken against the floor N / 30 messages per
second, and how many requests the server refused with 429. Each in-flight window (chats sending at once,
jobs.deliver.IN_FLIGHT by default) is measured in the same run, so the product's window is compared with a
wider one on the same machine at the same moment.

    .venv/bin/python bench/fanout.py                       # 1,000 chats, one run, windows 3 (the product's) and 32
    .venv/bin/python bench/fanout.py --runs 3              # median of three runs each
    .venv/bin/python bench/fanout.py --in-flight 3,8,32    # other windows
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regimebot.bot.config import DataSource, Settings  # noqa: E402
from regimebot.bot.services import build_services  # noqa: E402
from regimebot.bot.telegram.app import AppOptions, build_application  # noqa: E402
from regimebot.jobs.deliver import IN_FLIGHT, deliver_pending  # noqa: E402
from regimebot.macro.providers.demo import DemoProvider  # noqa: E402
from tests.fakebot import FakeBotServer  # noqa: E402

TOKEN = "123123:bench-token"


async def one_run(n_chats: int, in_flight: int) -> tuple[float, float, int, int]:
    """Returns (seconds from first to last accepted message, total seconds, 429s, messages accepted)."""
    with tempfile.TemporaryDirectory() as tmp:
        # The server gets its own thread and event loop, like a remote API: the bot's loop pausing
        # must not delay the server's clock of arrivals.
        with FakeBotServer().run_in_thread() as server:
            settings = Settings(telegram_bot_token=TOKEN, telegram_api_url=server.base_url, db=Path(tmp) / "bench.db",
                                data=DataSource("demo"), history_start=date(2024, 1, 1))
            services = build_services(settings, provider=DemoProvider(years=2), db_path=settings.db)
            store = services.store
            with store.transaction():
                for chat_id in range(10_000, 10_000 + n_chats):
                    store.chats.ensure_chat(chat_id, "private")
                    store.chats.subscribe(chat_id, "*")
            alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-20", "demo", True,
                                        [{"signal": "dxy_trend_break", "state": "breach", "value": -5.5, "unit": "%",
                                          "direction": "below", "warn": -3.0, "breach": -5.0}])
            recipients = [p.chat_id for p in store.chats.subscribers("long_usd_ai", alert.created_at)]
            store.outbox.enqueue_deliveries(alert.id, recipients)
            app = build_application(settings, services, AppOptions(schedule_jobs=False))
            await app.initialize()
            jobs = app.bot_data["runtime"].jobs
            started = time.monotonic()
            while True:
                await deliver_pending(services, jobs.sender, concurrency=in_flight)  # deliver_now's pass, this window
                backlog = store.outbox.delivery_backlog()
                if backlog["pending"] == 0 and backlog["held"] == 0:
                    break
                await asyncio.sleep(0.05)
            total = time.monotonic() - started
            await app.shutdown()
            sent = [m["at"] for m in server.sent]
            span = max(sent) - min(sent) if sent else 0.0
            accepted = len(server.sent)
            refused = server.rejected_429
            if refused:
                print(f"  429s by limit: {dict(server.limit_hits)}; gaps around them: "
                      f"{[round(b - a, 4) for a, b in zip(sent, sent[1:]) if b - a < 0.02][:10]}")
            store.close()
    return span, total, refused, accepted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000, help="subscribed chats (default 1000)")
    parser.add_argument("--runs", type=int, default=1, help="runs; the median is reported (default 1)")
    parser.add_argument("--in-flight", default=f"{IN_FLIGHT},32",
                        help=f"comma-separated in-flight windows to compare (default {IN_FLIGHT},32; the first is the baseline)")
    args = parser.parse_args()
    windows = [int(w) for w in args.in_flight.split(",")]
    logging.basicConfig(level=logging.WARNING)
    floor = args.chats / 30.0
    medians: dict[int, float] = {}
    ok = True
    for window in windows:
        results = []
        for i in range(args.runs):
            span, total, refused, accepted = asyncio.run(one_run(args.chats, window))
            results.append((total, span, refused, accepted))
            print(f"in-flight {window}, run {i + 1}: {accepted} messages in {total:.2f} s "
                  f"(first→last accepted {span:.2f} s), 429s: {refused}")
        total = statistics.median(r[0] for r in results)
        refused = max(r[2] for r in results)
        medians[window] = total
        print(f"in-flight {window}: fan-out of one alert to {args.chats} chats: {total:.2f} s (median of {args.runs}), "
              f"{args.chats / total:.1f} msg/s; floor {floor:.1f} s (N / 30 msg/s); ratio {total / floor:.3f} "
              f"({(total / floor - 1) * 100:+.1f}%); 429 responses: {refused}")
        ok = ok and total <= floor * 1.10 and refused == 0 and all(r[3] == args.chats for r in results)
    base = windows[0]
    for window in windows[1:]:
        print(f"in-flight {base} vs {window}: {medians[base]:.2f} s vs {medians[window]:.2f} s, "
              f"ratio {medians[base] / medians[window]:.3f}")
    print("target (within 10% of the floor, zero 429s, every chat reached, every window):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
