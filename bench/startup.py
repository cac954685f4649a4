"""Start-up benchmark: `regimebot --help` and `regimebot scenario TLT -100bp` against a bare `python -c "import argparse, json"`.

Each command is a fresh process (the console script next to this Python, else `python -m regimebot.bot.cli`),
run alternately with the baseline so machine load hits both alike. Prints the median and p90 wall time of
each and its ratio to the baseline's median (target for --help: within 5×), and which heavy libraries the
process imported.

    .venv/bin/python bench/startup.py            # 15 runs each
    .venv/bin/python bench/startup.py --runs 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("telegram", "matplotlib", "yfinance", "pandas", "numpy", "apscheduler", "httpx", "sqlite_utils")
PROBE = """
import json, sys
from regimebot.bot.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def regimebot_command() -> list[str]:
    script = Path(sys.executable).with_name("regimebot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "regimebot.bot.cli"]


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def heavy_imports(argv: list[str], env: dict[str, str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, capture_output=True, text=True, check=True)
    roots = set(json.loads(out.stderr.strip().splitlines()[-1]))
    return [name for name in HEAVY if name in roots]


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "REGIMEBOT_DB": str(Path(tmp) / "bench.db"), "REGIMEBOT_DATA": "demo"}
        env.pop("REGIMEBOT_CONFIG", None)
        cases = {
            "baseline: python -c 'import argparse, json'": [sys.executable, "-c", "import argparse, json"],
            "regimebot --help": [*regimebot_command(), "--help"],
            "regimebot scenario TLT -100bp": [*regimebot_command(), "scenario", "TLT", "-100bp"],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for command in cases.values():
            wall(command, env)  # warm the file cache once
        for _ in range(args.runs):
            for name, command in cases.items():
                times[name].append(wall(command, env))
        base = statistics.median(next(iter(times.values())))
        print(f"{'command':<46} {'median':>9} {'p90':>9} {'× baseline':>11}  heavy imports")
        for (name, values), argv in zip(times.items(), (None, ["--help"], ["scenario", "TLT", "-100bp"])):
            med = statistics.median(values)
            heavy = "-" if argv is None else (", ".join(heavy_imports(argv, env)) or "none")
            print(f"{name:<46} {med * 1000:>7.0f}ms {p90(values) * 1000:>7.0f}ms {med / base:>10.1f}×  {heavy}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"({args.runs} runs each, alternating; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs, load average {load})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
