"""Fuzzed updates through the real Application: every command answered, 0 errors (issue 12's figure).

Runs `tests/fakebot/fuzz.py` — the real python-telegram-bot Application polling the fake Bot API on loopback —
with N seeded random updates (commands with trailing punctuation, emoji and zero-width characters and random
arguments in private chats, groups and channels; `/cmd@bot` and `/cmd@otherbot`; unknown commands; plain
text; edited messages; button presses with random data), and prints what the run saw. Correctness figures,
not a timing claim: the seconds are printed only so a run's cost is known.

    .venv/bin/python bench/fuzz_updates.py                  # 10,000 updates, seed 12
    .venv/bin/python bench/fuzz_updates.py -n 2000 --seed 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakebot.fuzz import fuzz, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--updates", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = asyncio.run(fuzz(args.updates, args.seed, Path(tmp)))
    figures = summary(report)
    figures["updates_per_second"] = round(report.updates / report.seconds, 1) if report.seconds else None
    print(json.dumps(figures, indent=1))
    for problem in [f"unanswered: {e.kind} {e.text!r}" for e in report.unanswered[:10]] + report.errors[:10] \
            + report.went_wrong[:5] + report.bad_html[:5]:
        print(problem)
    clean = not (report.unanswered or report.errors or report.went_wrong or report.bad_html or report.callbacks_unanswered)
    print("every command answered, 0 errors" if clean else "PROBLEMS FOUND (see above)")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
