"""Kill -9 mid-fan-out: a real `regimebot run` process sends one alert to N chats, is killed, and restarted.

Each trial counts, per chat, the alert messages the fake Bot API accepted: lost (a chat that never got it),
duplicates (copies beyond the first) and the most copies any chat got. The bound documented in the README:
a kill can repeat only the sends Telegram accepted but the killed process had not yet recorded, at most
the in-flight window (jobs.deliver.IN_FLIGHT = 3 chats sending at once), and a recorded row is never
sent again.

    .venv/bin/python bench/kill_fanout.py                 # 10 trials, 300 chats
    .venv/bin/python bench/kill_fanout.py --trials 3 --chats 120
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regimebot.storage.store import Store  # noqa: E402
from tests.fakebot import FakeBotServer  # noqa: E402
from tests.fakebot.process import bot_env, start_bot, wait_until  # noqa: E402

TOKEN = "626262:kill-bench-token"


def prepare(db_path: Path, chat_ids: list[int]) -> int:
    """A database with the chats subscribed and one alert fanned out to them (as a cycle leaves it)."""
    store = Store.open(db_path)
    with store.transaction():
        for chat_id in chat_ids:
            store.chats.ensure_chat(chat_id, "private")
            store.chats.subscribe(chat_id, "*")
    alert = store.outbox.create_alert("long_usd_ai", "intact", "weakening", "2026-03-20", "demo", True,
                                      [{"signal": "dxy_trend_break", "state": "breach", "value": -5.5, "unit": "%",
                                        "direction": "below", "warn": -3.0, "breach": -5.0}])
    store.outbox.enqueue_deliveries(alert.id, chat_ids)
    store.close()
    return alert.id


def alerts_by_chat(server: FakeBotServer) -> Counter:
    return Counter(m["chat_id"] for m in list(server.sent) if "snooze:" in str(m["reply_markup"]))


def trial(n_chats: int, rng: random.Random) -> dict[str, int]:
    chat_ids = list(range(40_000, 40_000 + n_chats))
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bot.db"
        alert_id = prepare(db_path, chat_ids)
        with FakeBotServer().run_in_thread() as server:
            env = bot_env(server.base_url, db_path, TOKEN)
            first = start_bot(env, "run")
            kill_at = rng.randint(n_chats // 10, n_chats * 8 // 10)
            wait_until(lambda: sum(alerts_by_chat(server).values()) >= kill_at, 120, "the fan-out to start", first)
            first.send_signal(signal.SIGKILL)
            first.communicate()
            store = Store.open(db_path)
            recorded = {d.chat_id for d in store.outbox.deliveries_for_alert(alert_id) if d.status == "sent"}
            store.close()
            at_kill = sum(alerts_by_chat(server).values())
            second = start_bot(env, "run")
            wait_until(lambda: set(alerts_by_chat(server)) >= set(chat_ids), 180, "the fan-out to finish", second)
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=60)
            counts = alerts_by_chat(server)
        store = Store.open(db_path)
        rows = store.outbox.deliveries_for_alert(alert_id)
        store.close()
    return {
        "accepted_at_kill": at_kill,
        "recorded_at_kill": len(recorded),
        "lost": sum(1 for c in chat_ids if counts[c] == 0),
        "not_sent_rows": sum(1 for d in rows if d.status != "sent"),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "max_copies": max(counts.values()),
        "recorded_resent": sum(1 for c in recorded if counts[c] > 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = []
    for i in range(args.trials):
        r = trial(args.chats, rng)
        results.append(r)
        print(f"trial {i + 1}: killed after {r['accepted_at_kill']} accepted ({r['recorded_at_kill']} recorded); "
              f"lost {r['lost']}, rows not sent {r['not_sent_rows']}, duplicates {r['duplicates']}, "
              f"most copies to one chat {r['max_copies']}, recorded rows sent again {r['recorded_resent']}", flush=True)
    dups = [r["duplicates"] for r in results]
    print(f"{args.trials} trials x {args.chats} chats: lost {sum(r['lost'] for r in results)}, "
          f"duplicates per trial median {statistics.median(dups)} max {max(dups)}, "
          f"most copies to one chat {max(r['max_copies'] for r in results)}, "
          f"recorded rows sent again {sum(r['recorded_resent'] for r in results)}")
    return 0 if all(r["lost"] == 0 and r["duplicates"] <= 3 and r["max_copies"] <= 2 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
