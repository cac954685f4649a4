"""Load Settings (types in `regimebot.macro.settings`) from a TOML file and environment variables, validated at start-up."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
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
# Bounds every number is held to: what the scheduler (APScheduler timedelta arithmetic), SQLite integers and
# Telegram accept, with sense on top (an evaluation at most every 30 days, a dead-man switch within 90 days).
SECONDS_BOUNDS = {"evaluate_every": (1, 30 * 86400), "deadman_after": (60, 90 * 86400)}
TELEGRAM_ID_MAX = 2**53  # Telegram's ids fit in 52 bits (plus sign); beyond this is a typo, and SQLite overflows at 2**63
EARLIEST_HISTORY = date(1900, 1, 1)
PRESET_BOUNDS = {"duration": (0.0, 100.0), "convexity": (-10_000.0, 10_000.0), "yield": (-50.0, 100.0),
                 "leverage": (-10.0, 10.0), "expense_ratio": (0.0, 100.0)}
_CONTACT = re.compile(r"^(|[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://[!-'*-~]+)$", re.ASCII)  # fits a User-Agent comment
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


# key -> environment variable. Every top-level key of the file has one.
ENV_VARS = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_url": "REGIMEBOT_TELEGRAM_API_URL",
    "webhook_secret": "REGIMEBOT_WEBHOOK_SECRET",
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
    "contact": "REGIMEBOT_CONTACT",
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
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
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

    def seconds(key: str) -> int:
        v = raw[key]
        low, high = SECONDS_BOUNDS[key]
        try:
            n = int(v) if not isinstance(v, bool) else None
        except (TypeError, ValueError, OverflowError):
            n = None
        if n is None or (isinstance(v, float) and not v.is_integer()) or not low <= n <= high:
            raise ConfigError(f"{where(key)}: expected a whole number of seconds from {low} to {high} "
                              f"({high // 86400} days), got {str(v)[:40]!r}")
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
                number = int(item_s)
                if abs(number) >= TELEGRAM_ID_MAX:
                    raise ValueError
                out.append(number)
            except ValueError:
                raise ConfigError(f"{where(key)}: {item_s[:40]!r} is not a Telegram id (a whole number of at most "
                                  "16 digits, e.g. 12345 or -100987)") from None
        return out

    if "telegram_bot_token" in raw:
        values["telegram_bot_token"] = text("telegram_bot_token")
    if "telegram_api_url" in raw:
        url = text("telegram_api_url")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where('telegram_api_url')}: expected an http(s) URL like {DEFAULT_API_URL}")
        values["telegram_api_url"] = url
    if "webhook_secret" in raw:
        secret = text("webhook_secret")
        if not _WEBHOOK_SECRET.match(secret):
            raise ConfigError(f"{where('webhook_secret')}: expected 1-256 characters A-Z, a-z, 0-9, _ or - "
                              "(what Telegram accepts as a webhook secret_token)")
        values["webhook_secret"] = secret
    for key, example in (("fred_url", DEFAULT_FRED_URL), ("fred_api_url", DEFAULT_FRED_API_URL), ("mof_url", DEFAULT_MOF_URL),
                         ("treasury_url", DEFAULT_TREASURY_URL)):
        if key in raw:
            url = text(key).rstrip("/")
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where(key)}: expected an http(s) base URL like {example}")
            values[key] = url
    if "fred_api_key" in raw:
        values["fred_api_key"] = text("fred_api_key")
    if "contact" in raw:
        contact = text("contact")
        if not _CONTACT.match(contact):
            raise ConfigError(f"{where('contact')}: expected an e-mail address or an http(s) URL without spaces "
                              f"(sent in the User-Agent to FRED, the MoF and the Treasury), got {contact[:40]!r}")
        values["contact"] = contact
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
        values["evaluate_every"] = seconds("evaluate_every")
    if "deadman_after" in raw:
        values["deadman_after"] = seconds("deadman_after")
    if "history_start" in raw:
        v = raw["history_start"]
        v = v.date() if isinstance(v, datetime) else v
        try:
            start = v if isinstance(v, date) else date.fromisoformat(str(v).strip())
        except ValueError:
            raise ConfigError(f"{where('history_start')}: expected an ISO date like 2005-01-01, got {str(v)[:40]!r}") from None
        if not EARLIEST_HISTORY <= start <= date.today():
            raise ConfigError(f"{where('history_start')}: expected a date from {EARLIEST_HISTORY} to today, got {start}")
        values["history_start"] = start
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
        for key, (low, high) in PRESET_BOUNDS.items():
            if key not in preset:
                continue
            v = preset[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high:
                raise ConfigError(f"{where}.presets.{name}.{key}: expected a number from {low:g} to {high:g}, got {v!r}")
        out[name.upper()] = MappingProxyType(dict(preset))
    return MappingProxyType(out)
