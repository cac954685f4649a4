"""`regimebot --help` and `regimebot scenario …` start without the heavy libraries (a module check, not a timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
from regimebot.bot.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""
NEVER = ("telegram", "matplotlib", "yfinance")


def _started(tmp_path, *argv: str) -> tuple[object, set[str]]:
    env = {**os.environ, "REGIMEBOT_DB": str(tmp_path / "bot.db"), "REGIMEBOT_DATA": "demo"}
    env.pop("REGIMEBOT_CONFIG", None)
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["status"], {m.split(".")[0] for m in result["modules"]}


def test_help_imports_no_heavy_library(tmp_path):
    status, roots = _started(tmp_path, "--help")
    assert status == 0
    # registering the subcommands (bot/cli SUBCOMMAND_MODULES) must stay light: not even pandas
    assert not roots & {*NEVER, "pandas", "numpy", "sqlite_utils", "apscheduler", "httpx"}, roots


def test_scenario_imports_no_telegram_matplotlib_or_yfinance(tmp_path):
    status, roots = _started(tmp_path, "scenario", "TLT", "-100bp")
    assert status == 0
    assert "pandas" in roots or "numpy" in roots  # it did run the math (the probe saw a real start)
    assert not roots & set(NEVER), roots & set(NEVER)
