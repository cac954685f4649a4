"""Settings from TOML + environment: valid values, and one clear line with exit 2 for invalid ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regimebot.bot.cli import main
from regimebot.bot.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regimebot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_env():
    s = load_settings(None, env={})
    assert s.data.kind == "yfinance"
    assert s.telegram_api_url == "https://api.telegram.org/bot"
    assert s.evaluate_every == 3600 and s.admins == frozenset()


def test_file_and_env_override(tmp_path):
    cfg = write(tmp_path, 'data = "demo"\nadmins = [1, 2]\nevaluate_every = 600\nhistory_start = 2010-01-04\n'
                          '[scenario.presets.TLT]\nduration = 16.2\nyield = 4.8\nas_of = "2026-10-31"\n')
    s = load_settings(cfg, env={"REGIMEBOT_ADMINS": "7, 8", "REGIMEBOT_ALLOWED_CHATS": "-1001,42", "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert s.data.kind == "demo"
    assert s.admins == frozenset({7, 8})
    assert s.allowed_chats == frozenset({-1001, 42})
    assert s.evaluate_every == 600
    assert s.history_start == date(2010, 1, 4)
    assert s.scenario_presets["TLT"]["duration"] == 16.2
    assert s.require_token() == "123:abc"
    assert "123:abc" not in repr(s)


def test_csv_source_resolves_directory(tmp_path):
    s = load_settings(None, env={"REGIMEBOT_DATA": f"csv:{tmp_path}"})
    assert s.data.kind == "csv" and s.data.directory == tmp_path.resolve()


@pytest.mark.parametrize("text, env, fragment", [
    ('colour = "blue"\n', {}, "unknown key 'colour'"),
    ('evaluate_every = "often"\n', {}, "evaluate_every: expected a whole number"),
    ("", {"REGIMEBOT_EVALUATE_EVERY": "-5"}, "REGIMEBOT_EVALUATE_EVERY: expected a whole number"),
    ("", {"REGIMEBOT_ADMINS": "alice"}, "REGIMEBOT_ADMINS: 'alice' is not a Telegram id"),
    ('data = "bloomberg"\n', {}, "expected 'yfinance', 'demo' or 'csv:DIR'"),
    ("", {"REGIMEBOT_DATA": "csv:/nonexistent/dir"}, "csv data directory /nonexistent/dir does not exist"),
    ('timezone = "Mars/Olympus"\n', {}, "is not an IANA time zone"),
    ('language = "fr"\n', {}, "expected one of en, zh-TW"),
    ("data = \n", {}, "is not valid TOML"),
    ("[scenario.presets.TLT]\nduration = \"long\"\n", {}, "scenario.presets.TLT.duration: expected a number"),
    ("", {"REGIMEBOT_CONTACT": "ops team (fund)"}, "REGIMEBOT_CONTACT: expected an e-mail address or an http(s) URL"),
    ("", {"REGIMEBOT_CONTACT": "https://fund.example/bot (x)"}, "REGIMEBOT_CONTACT: expected an e-mail address"),
])
def test_invalid_config_names_the_key(tmp_path, text, env, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        load_settings(write(tmp_path, text), env=env)
    assert fragment in str(info.value)


@pytest.mark.parametrize("contact", ["ops@fund.example", "https://fund.example/regimebot", ""])
def test_contact_accepts_an_email_or_a_url(contact):
    assert load_settings(None, env={"REGIMEBOT_CONTACT": contact}).contact == contact


def test_unreadable_file():
    with pytest.raises(ConfigError) as info:
        load_settings("/nonexistent/regimebot.toml", env={})
    assert "cannot read config file /nonexistent/regimebot.toml" in str(info.value)


def test_missing_token_says_how_to_get_one():
    with pytest.raises(ConfigError) as info:
        load_settings(None, env={}).require_token()
    assert "@BotFather" in str(info.value) and "regimebot demo" in str(info.value)


def test_cli_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("REGIMEBOT_CONFIG", str(write(tmp_path, 'colour = "blue"\n')))
    assert main(["quote", "DXY"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown key 'colour'" in err and "Traceback" not in err
