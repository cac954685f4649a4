"""Load Settings (types in `regimebot.macro.settings`) from a TOML file and environment variables, validated at start-up."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from regimebot.macro.settings import (
    DEFAULT_API_URL,
    DEFAULT_FRED_API_URL,
    DEFAULT_FRED_URL,
    DEFAULT_MOF_URL,
    DEFAULT_TREASURY_URL,
    ConfigError,
    DataSource,
    Settings,
)

# The types live in macro.settings (every layer may import them); re-exported so `bot.config` imports keep working.
__all__ = ["DEFAULT_API_URL", "DEFAULT_FRED_API_URL", "DEFAULT_FRED_URL", "DEFAULT_MOF_URL", "DEFAULT_TREASURY_URL", "ConfigError",
           "DataSource", "Settings", "load_settings", "parse_data_source"]

LANGUAGES = ("en", "zh-TW")
PRESET_KEYS = {"duration", "convexity", "yield", "leverage", "as_of", "source", "underlying", "expense_ratio"}


# key -> environment variable. Every top-level key of the file has one.
ENV_VARS = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_url": "REGIMEBOT_TELEGRAM_API_URL",
    "db": "REGIMEBOT_DB",
    "data": "REGIMEBOT_DATA",
    "watchlist": "REGIMEBOT_WATCHLIST",
    "admins": "REGIMEBOT_ADMINS",
    "allowed_chats": "REGIMEBOT_ALLOWED_CHATS",
    "alert_chats": "REGIMEBOT_ALERT_CHATS",
    "evaluate_every": "REGIMEBOT_EVALUATE_EVERY",
    "deadman_after": "REGIMEBOT_DEADMAN_AFTER",
    "history_start": "REGIMEBOT_HISTORY_START",
    "language": "REGIMEBOT_LANGUAGE",
    "timezone": "REGIMEBOT_TIMEZONE",
    "log_level": "REGIMEBOT_LOG_LEVEL",
    "fred_url": "REGIMEBOT_FRED_URL",
    "fred_api_url": "REGIMEBOT_FRED_API_URL",
    "fred_api_key": "REGIMEBOT_FRED_API_KEY",
    "mof_url": "REGIMEBOT_MOF_URL",
    "treasury_url": "REGIMEBOT_TREASURY_URL",
}
FILE_ONLY = {"scenario"}


def load_settings(config_path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any) and the environment, validate, and return Settings."""
    env = os.environ if env is None else env
    path = config_path or env.get("REGIMEBOT_CONFIG") or None
    raw: dict[str, Any] = {}
    origin: dict[str, str] = {}
    if path:
        raw = _read_toml(Path(path))
        unknown = set(raw) - set(ENV_VARS) - FILE_ONLY
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(f"{path}: unknown key '{key}'; known keys: {', '.join(sorted(ENV_VARS) + sorted(FILE_ONLY))}")
        origin = {k: f"{path}: {k}" for k in raw}
    for key, var in ENV_VARS.items():
        if var in env and env[var] != "":
            raw[key] = env[var]
            origin[key] = var
    return _validate(raw, origin)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}; check --config / REGIMEBOT_CONFIG") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def _validate(raw: dict[str, Any], origin: dict[str, str]) -> Settings:
    values: dict[str, Any] = {}

    def where(key: str) -> str:
        return origin.get(key, key)

    def text(key: str) -> str:
        v = raw[key]
        if not isinstance(v, str):
            raise ConfigError(f"{where(key)}: expected a string, got {type(v).__name__}")
        return v.strip()

    def positive_int(key: str) -> int:
        v = raw[key]
        try:
            n = int(v) if not isinstance(v, bool) else None
        except (TypeError, ValueError):
            n = None
        if n is None or n <= 0 or (isinstance(v, float) and not v.is_integer()):
            raise ConfigError(f"{where(key)}: expected a whole number of seconds > 0, got {v!r}")
        return n

    def id_list(key: str) -> list[int]:
        v = raw[key]
        items = v.split(",") if isinstance(v, str) else v
        if not isinstance(items, list):
            raise ConfigError(f"{where(key)}: expected a list of Telegram ids, e.g. 12345,-100987")
        out = []
        for item in items:
            item_s = str(item).strip()
            if not item_s:
                continue
            try:
                if isinstance(item, bool) or isinstance(item, float):
                    raise ValueError
                out.append(int(item_s))
            except ValueError:
                raise ConfigError(f"{where(key)}: {item_s!r} is not a Telegram id (a whole number, e.g. 12345 or -100987)") from None
        return out

    if "telegram_bot_token" in raw:
        values["telegram_bot_token"] = text("telegram_bot_token")
    if "telegram_api_url" in raw:
        url = text("telegram_api_url")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where('telegram_api_url')}: expected an http(s) URL like {DEFAULT_API_URL}")
        values["telegram_api_url"] = url
    for key, example in (("fred_url", DEFAULT_FRED_URL), ("fred_api_url", DEFAULT_FRED_API_URL), ("mof_url", DEFAULT_MOF_URL),
                         ("treasury_url", DEFAULT_TREASURY_URL)):
        if key in raw:
            url = text(key).rstrip("/")
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where(key)}: expected an http(s) base URL like {example}")
            values[key] = url
    if "fred_api_key" in raw:
        values["fred_api_key"] = text("fred_api_key")
    if "db" in raw:
        values["db"] = Path(text("db")).expanduser()
    if "data" in raw:
        values["data"] = parse_data_source(text("data"), where("data"))
    if "watchlist" in raw:
        wl = Path(text("watchlist")).expanduser()
        if not wl.is_file():
            raise ConfigError(f"{where('watchlist')}: watch-list file {wl} does not exist")
        values["watchlist"] = wl
    if "admins" in raw:
        values["admins"] = frozenset(id_list("admins"))
    if "allowed_chats" in raw:
        values["allowed_chats"] = frozenset(id_list("allowed_chats"))
    if "alert_chats" in raw:
        values["alert_chats"] = tuple(id_list("alert_chats"))
    if "evaluate_every" in raw:
        values["evaluate_every"] = positive_int("evaluate_every")
    if "deadman_after" in raw:
        values["deadman_after"] = positive_int("deadman_after")
    if "history_start" in raw:
        v = raw["history_start"]
        try:
            values["history_start"] = v if isinstance(v, date) else date.fromisoformat(str(v).strip())
        except ValueError:
            raise ConfigError(f"{where('history_start')}: expected an ISO date like 2005-01-01, got {v!r}") from None
    if "language" in raw:
        lang = text("language")
        if lang not in LANGUAGES:
            raise ConfigError(f"{where('language')}: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
        values["language"] = lang
    if "timezone" in raw:
        tz = text("timezone")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where('timezone')}: {tz!r} is not an IANA time zone (e.g. Asia/Taipei, America/New_York)") from None
        values["timezone"] = tz
    if "log_level" in raw:
        level = text("log_level").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"{where('log_level')}: expected DEBUG, INFO, WARNING or ERROR, got {level!r}")
        values["log_level"] = level
    if "scenario" in raw:
        values["scenario_presets"] = _validate_presets(raw["scenario"], where("scenario"))
    return Settings(**values)


def parse_data_source(value: str, where: str = "REGIMEBOT_DATA") -> DataSource:
    """`yfinance`, `demo` or `csv:DIR` (DIR must be an existing directory)."""
    if value in ("yfinance", "demo"):
        return DataSource(value)
    if value.startswith("csv:"):
        directory = Path(value[4:]).expanduser()
        if not value[4:] or not directory.is_dir():
            raise ConfigError(f"{where}: csv data directory {value[4:] or '(empty)'} does not exist; use csv:/path/to/dir")
        return DataSource("csv", directory.resolve())
    raise ConfigError(f"{where}: expected 'yfinance', 'demo' or 'csv:DIR', got {value!r}")


def _validate_presets(section: Any, where: str) -> Mapping[str, Mapping[str, Any]]:
    if not isinstance(section, dict) or set(section) - {"presets"}:
        raise ConfigError(f"{where}: expected only a [scenario.presets.NAME] table per preset")
    presets = section.get("presets", {})
    out = {}
    for name, preset in presets.items():
        if not isinstance(preset, dict):
            raise ConfigError(f"{where}.presets.{name}: expected a table of duration, convexity, yield, …")
        unknown = set(preset) - PRESET_KEYS
        if unknown:
            raise ConfigError(f"{where}.presets.{name}: unknown key '{sorted(unknown)[0]}'; known: {', '.join(sorted(PRESET_KEYS))}")
        for key in ("duration", "convexity", "yield", "leverage", "expense_ratio"):
            if key in preset and (isinstance(preset[key], bool) or not isinstance(preset[key], (int, float))):
                raise ConfigError(f"{where}.presets.{name}.{key}: expected a number, got {preset[key]!r}")
        out[name.upper()] = MappingProxyType(dict(preset))
    return MappingProxyType(out)
