"""Every bad input of defect 4 (issue 12) gets one line and the right exit status, never a traceback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from regimebot.bot.cli import main
from regimebot.bot.config import SECONDS_BOUNDS, ConfigError, load_settings
from tests.fakebot import FakeBotServer
from tests.fakebot.process import bot_env, start_bot

TOKEN = "5151515151:AAE-bad-input-token_Zz0123456789abcdef"
BUNDLED = resources.files("regimebot.macro").joinpath("data", "watchlist.toml").read_text(encoding="utf-8")


def _clean_env(monkeypatch, tmp_path: Path) -> None:
    for var in ("REGIMEBOT_CONFIG", "REGIMEBOT_WATCHLIST", "REGIMEBOT_EVALUATE_EVERY", "REGIMEBOT_DEADMAN_AFTER",
                "REGIMEBOT_ADMINS", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    monkeypatch.setenv("REGIMEBOT_DATA", "demo")


def _one_line(capsys, status: int, argv: list[str], *needles: str) -> str:
    """Run the CLI in-process: it returns `status` and prints exactly one line holding every needle."""
    assert main(argv) == status
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("regimebot: "), err
    for needle in needles:
        assert needle in err[0], (needle, err[0])
    return err[0]


def _regime(section: str) -> str:
    """The bundled watch list with its [regime] section replaced."""
    return BUNDLED[: BUNDLED.index("[regime]")] + section


@pytest.mark.parametrize("section,needle", [
    ("[regime]\nrequire = 5\n", "require must be a list"),
    ("[regime]\nrequire = [5]\n", "require names signal 5"),
    ("[regime]\nverdicts = 5\n", "verdicts must be a list"),
    ('[regime]\nverdicts = ["credit_stress"]\n', "regime verdict #1: expected a table"),
    ('[regime]\n[[regime.verdicts]]\nverdict = "credit_stress"\nwhen_any = 5\n', "when_any must be a list"),
    ('[regime]\n[[regime.verdicts]]\nverdict = "credit_stress"\nwhen_all = {a = 1}\n', "when_all must be a list"),
    ("[regime]\nlines = 5\n", "lines must be a list"),
    ('[regime]\n[[regime.lines]]\nkey = "x"\nsignal = ["vix_level"]\n', "names signal"),
])
def test_a_regime_table_of_the_wrong_type_is_one_line_exit_2(monkeypatch, capsys, tmp_path, section, needle):
    _clean_env(monkeypatch, tmp_path)
    path = tmp_path / "watchlist.toml"
    path.write_text(_regime(section), encoding="utf-8")
    monkeypatch.setenv("REGIMEBOT_WATCHLIST", str(path))
    _one_line(capsys, 2, ["evaluate", "--check"], str(path), needle)


def test_a_correlation_of_a_series_with_itself_is_refused(monkeypatch, capsys, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    path = tmp_path / "watchlist.toml"
    text = BUNDLED.replace('kind = "correlation"\nseries = ["SPX", "TLT"]', 'kind = "correlation"\nseries = ["SPX", "SPX"]')
    assert text != BUNDLED
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("REGIMEBOT_WATCHLIST", str(path))
    _one_line(capsys, 2, ["evaluate", "--check"], "stock_bond_corr", "SPX is listed twice")


def test_a_watch_list_that_is_not_utf8_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    path = tmp_path / "watchlist.toml"
    path.write_bytes(BUNDLED.replace("Taiwan", "Ta\u00efwan").encode("latin-1", errors="replace") + b"\n# \xff\xfe\n")
    monkeypatch.setenv("REGIMEBOT_WATCHLIST", str(path))
    _one_line(capsys, 2, ["evaluate", "--check"], str(path), "not UTF-8")


def test_a_config_file_that_is_not_utf8_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    _clean_env(monkeypatch, tmp_path)
    path = tmp_path / "regimebot.toml"
    path.write_bytes('language = "zh-TW"\n# caf\xe9\n'.encode("latin-1"))
    _one_line(capsys, 2, ["--config", str(path), "evaluate", "--check"], str(path), "not UTF-8")


@pytest.mark.parametrize("var,value,needle", [
    ("REGIMEBOT_EVALUATE_EVERY", "99999999999999999999", "REGIMEBOT_EVALUATE_EVERY"),
    ("REGIMEBOT_EVALUATE_EVERY", "0", "REGIMEBOT_EVALUATE_EVERY"),
    ("REGIMEBOT_EVALUATE_EVERY", str(SECONDS_BOUNDS["evaluate_every"][1] + 1), "from 1 to"),
    ("REGIMEBOT_DEADMAN_AFTER", "1e400", "REGIMEBOT_DEADMAN_AFTER"),
    ("REGIMEBOT_DEADMAN_AFTER", "99999999999999999999", "REGIMEBOT_DEADMAN_AFTER"),
    ("REGIMEBOT_ADMINS", "12345,99999999999999999999999", "is not a Telegram id"),
    ("REGIMEBOT_HISTORY_START", "0001-01-01", "REGIMEBOT_HISTORY_START"),
    ("REGIMEBOT_WEBHOOK_SECRET", "has spaces and é", "REGIMEBOT_WEBHOOK_SECRET"),
])
def test_numbers_beyond_what_the_scheduler_and_storage_accept_are_refused(monkeypatch, capsys, tmp_path, var, value, needle):
    _clean_env(monkeypatch, tmp_path)
    monkeypatch.setenv(var, value)
    line = _one_line(capsys, 2, ["evaluate", "--check"], needle)
    assert value[:40] not in line or var != "REGIMEBOT_WEBHOOK_SECRET"  # a secret is never echoed


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-5"])
def test_a_scenario_preset_number_must_be_finite_and_in_range(tmp_path, value):
    path = tmp_path / "regimebot.toml"
    path.write_text(f"[scenario.presets.TLT]\nduration = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duration: expected a number from 0 to 100"):
        load_settings(path, env={})


@pytest.mark.parametrize("key", sorted(SECONDS_BOUNDS))
def test_the_largest_accepted_interval_is_one_the_scheduler_can_schedule(key):
    low, high = SECONDS_BOUNDS[key]
    settings = load_settings(env={"REGIMEBOT_" + key.upper(): str(high)})
    now = datetime.now(UTC)
    trigger = IntervalTrigger(seconds=high, start_date=now)
    nxt = trigger.get_next_fire_time(now, now)
    assert nxt is not None and nxt - now == timedelta(seconds=high)
    assert settings.evaluate_every if key == "evaluate_every" else settings.deadman_after == high
    with pytest.raises(OverflowError):  # what the old validation let through
        IntervalTrigger(seconds=99999999999999999999, start_date=now)


@pytest.mark.parametrize("kind", ["directory", "under_a_file", "not_sqlite"])
def test_an_unusable_database_path_exits_2_in_one_line(monkeypatch, capsys, tmp_path, kind):
    _clean_env(monkeypatch, tmp_path)
    if kind == "directory":
        db = tmp_path / "adir"
        db.mkdir()
    elif kind == "under_a_file":
        (tmp_path / "afile").write_text("x")
        db = tmp_path / "afile" / "bot.db"
    else:
        db = tmp_path / "junk.db"
        db.write_bytes(b"this is not an SQLite database, just junk " * 100)
    monkeypatch.setenv("REGIMEBOT_DB", str(db))
    _one_line(capsys, 2, ["evaluate", "--cached"], "REGIMEBOT_DB")


def test_a_bot_api_answering_200_with_an_html_page_is_one_line_exit_1(tmp_path):
    with FakeBotServer(html_status=200).run_in_thread() as server:
        proc = start_bot(bot_env(server.base_url, tmp_path / "bot.db", TOKEN), "run")
        out, err = proc.communicate(timeout=60)
        assert server.calls_of("getMe")  # the page was really served
    assert proc.returncode == 1, err
    assert "Traceback" not in err and TOKEN not in out + err and TOKEN.split(":")[1] not in err
    lines = [line for line in err.splitlines() if line.startswith("regimebot:")]
    assert len(lines) == 1 and "did not answer like the Telegram Bot API" in lines[0], err
    assert not re.search(r"\bERROR\b.*\n.*\bERROR\b", err)  # at most PTB's own one-line complaint
