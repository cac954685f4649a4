"""The bot's settings as types: what is configurable, validated by `regimebot.bot.config` (pure: no file reading)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FRED_URL = "https://fred.stlouisfed.org"
DEFAULT_FRED_API_URL = "https://api.stlouisfed.org"
DEFAULT_MOF_URL = "https://www.mof.go.jp"
DEFAULT_TREASURY_URL = "https://api.fiscaldata.treasury.gov"


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key or file and the fix."""


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "regimebot" / "regimebot.db"


@dataclass(frozen=True)
class DataSource:
    """Where market numbers come from: "yfinance", "demo" (simulated) or "csv" with a directory."""

    kind: str
    directory: Path | None = None

    def __str__(self) -> str:
        return f"csv:{self.directory}" if self.kind == "csv" else self.kind


@dataclass(frozen=True)
class Settings:
    """Everything configurable, validated. Environment variables override the file."""

    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_url: str = DEFAULT_API_URL
    webhook_secret: str = field(default="", repr=False)
    db: Path = field(default_factory=default_db_path)
    data: DataSource = DataSource("yfinance")
    watchlist: Path | None = None
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    alert_chats: tuple[int, ...] = ()
    evaluate_every: int = 3600
    deadman_after: int = 36 * 3600
    history_start: date = date(2005, 1, 1)
    language: str = "en"
    timezone: str = "UTC"
    log_level: str = "INFO"
    scenario_presets: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    fred_url: str = DEFAULT_FRED_URL
    fred_api_url: str = DEFAULT_FRED_API_URL
    fred_api_key: str = field(default="", repr=False)
    mof_url: str = DEFAULT_MOF_URL
    treasury_url: str = DEFAULT_TREASURY_URL
    contact: str = ""

    def require_token(self) -> str:
        """The bot token, or a ConfigError saying how to get one."""
        if not self.telegram_bot_token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram, then "
                "export TELEGRAM_BOT_TOKEN=... (or set telegram_bot_token in the config file). "
                "To try regimebot without Telegram, run `regimebot demo`."
            )
        return self.telegram_bot_token

    def secrets(self) -> tuple[str, ...]:
        """Every configured secret value (for the redactor): the bot token, the webhook secret, the FRED API key."""
        return tuple(s for s in (self.telegram_bot_token, self.webhook_secret, self.fred_api_key) if s)
