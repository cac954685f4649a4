"""Running `regimebot run` as a real subprocess against the fake Bot API (for restart and secrecy tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def bot_env(base_url: str, db: Path, token: str, **extra: str) -> dict[str, str]:
    """Environment for a bot process: fake API, its own database and data dir, demo data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGIMEBOT_", "TELEGRAM_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": token,
        "REGIMEBOT_TELEGRAM_API_URL": base_url,
        "REGIMEBOT_DB": str(db),
        "REGIMEBOT_DATA": "demo",
        "REGIMEBOT_EVALUATE_EVERY": "3600",
        "REGIMEBOT_HISTORY_START": "2023-01-01",
        "XDG_DATA_HOME": str(db.parent),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def start_bot(env: dict[str, str], *args: str, stdout=subprocess.PIPE, stderr=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "regimebot.bot.cli", *args], cwd=REPO, env=env, stdout=stdout,
                            stderr=stderr, text=True)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll until predicate() holds; fail with `what` (and the process's output if it died)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"bot exited with {proc.returncode} while waiting for {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
