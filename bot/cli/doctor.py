"""`regimebot doctor`: a deployment self-check, one line per check, exit 0 when every check passes, else 1.

Checks: the bot token (getMe, or why not), the webhook (getWebhookInfo), each data source (one small fetch),
the database (opens, takes a write, fully migrated), the clock (not behind what the database recorded) and
free disk beside the database. Every line goes through the redactor: no secret is ever printed.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from regimebot.bot.config import Settings
from regimebot.bot.services import source_providers
from regimebot.macro.catalog import Series, load_catalog
from regimebot.macro.providers import DataError, FetchRequest, Provider
from regimebot.macro.redaction import Redactor
from regimebot.storage.db import StorageError
from regimebot.storage.maintenance import check_database

MIN_FREE_BYTES = 200 * 1024 * 1024  # below this, SQLite's WAL and a backup may not fit
CLOCK_TOLERANCE = timedelta(minutes=5)
PROBE_DAYS = 14  # a data-source probe asks for this many recent days of one series
TELEGRAM_TIMEOUT = 10.0


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name:<9} {self.detail}"


async def telegram_checks(settings: Settings) -> list[Check]:
    """getMe (is the token valid?) and getWebhookInfo (polling or which webhook, pending updates, last error)."""
    if not settings.telegram_bot_token:
        reason = "TELEGRAM_BOT_TOKEN is not set (create a bot with @BotFather); `regimebot demo` needs none"
        return [Check("token", False, reason), Check("webhook", False, "not checked without a token")]
    bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_url)
    try:
        me = await asyncio.wait_for(bot.get_me(), TELEGRAM_TIMEOUT)
        info = await asyncio.wait_for(bot.get_webhook_info(), TELEGRAM_TIMEOUT)
    except InvalidToken:
        return [Check("token", False, "Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped); check it with @BotFather"),
                Check("webhook", False, "not checked: the token was rejected")]
    except (NetworkError, TimeoutError) as exc:
        reason = f"cannot reach the Bot API at REGIMEBOT_TELEGRAM_API_URL: {_one_line(exc) or 'timed out'}"
        return [Check("token", False, reason), Check("webhook", False, "not checked: the Bot API is unreachable")]
    except TelegramError as exc:  # e.g. a proxy answering with an HTML page
        reason = f"REGIMEBOT_TELEGRAM_API_URL did not answer like the Bot API ({_one_line(exc)})"
        return [Check("token", False, reason), Check("webhook", False, "not checked")]
    finally:
        await bot.shutdown()
    token = Check("token", True, f"valid: @{me.username} (id {me.id})")
    if not info.url:
        webhook = Check("webhook", True, "none set: `regimebot run` receives updates by long polling")
    else:
        error = f"; last error {info.last_error_date:%Y-%m-%d %H:%M} UTC: {info.last_error_message}" if info.last_error_message else ""
        webhook = Check("webhook", not info.last_error_message,
                        f"{info.url} ({info.pending_update_count} update(s) pending){error}")
    return [token, webhook]


def data_checks(settings: Settings, today: date | None = None) -> list[Check]:
    """One small fetch from each configured data source (Yahoo, FRED, MoF; or the csv folder, or the simulator)."""
    today = today or datetime.now(UTC).date()
    catalog = load_catalog()
    try:
        providers = source_providers(settings)
    except DataError as exc:
        return [Check("data", False, f"{settings.data.kind}: {_one_line(exc)}")]
    if not isinstance(providers, dict):  # one provider (csv folder, simulator) serves every series
        return [_probe("data", settings.data.kind, providers, catalog.downloadable(), today, settings)]
    by_source = catalog.by_source()
    return [_probe(f"data:{source}", source, provider, by_source.get(source, []), today, settings)
            for source, provider in providers.items() if by_source.get(source)]


def _probe(name: str, kind: str, provider: Provider, series: list[Series], today: date, settings: Settings) -> Check:
    """Ask the provider for the last PROBE_DAYS of its first series: reachable and answering with closes?"""
    probe = series[0]
    request = FetchRequest(probe.id, probe.symbol or probe.id, today - timedelta(days=PROBE_DAYS))
    try:
        result = provider.fetch([request], end=today)
    except Exception as exc:  # a provider's boundary: whatever it raises is this check's failure, in one line
        return Check(name, False, f"{kind}: {type(exc).__name__}: {_one_line(exc)}")
    if probe.id in result.errors:
        return Check(name, False, f"{kind}: {probe.id}: {_one_line(result.errors[probe.id])}")
    closes = result.closes.get(probe.id)
    if closes is None or closes.empty:
        return Check(name, False, f"{kind}: no {probe.id} closes in the last {PROBE_DAYS} days")
    detail = f"{kind}: reachable, {probe.id} last close {closes.index[-1].date()}"
    folder = settings.data.directory
    if kind == "csv" and folder is not None:
        missing = [s.id for s in series if not (folder / f"{s.id}.csv").is_file()]
        if missing:
            detail += f"; no file for {len(missing)} of {len(series)} series ({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''})"
    return Check(name, True, detail)


def storage_checks(db: Path, now: datetime | None = None) -> list[Check]:
    """The database (writable, migrated), the clock against what it recorded, and the free disk beside it."""
    now = now or datetime.now(UTC)
    out: list[Check] = []
    try:
        health = check_database(db)
    except StorageError as exc:
        out.append(Check("database", False, _one_line(exc)))
        health = None
    if health is not None:
        if not health.writable:
            out.append(Check("database", False, f"{db} does not take a write: {health.write_error}"))
        elif not health.migrated:
            out.append(Check("database", False, f"{db} at schema v{health.version}, this regimebot needs v{health.latest}"))
        else:
            out.append(Check("database", True, f"{db} writable, schema v{health.version} (latest)"))
    newest = health.newest_record if health is not None else None
    if newest is not None and newest > now + CLOCK_TOLERANCE:
        out.append(Check("clock", False, f"now is {now:%Y-%m-%d %H:%M} UTC but the database recorded {newest:%Y-%m-%d %H:%M} "
                                         "UTC: the system clock is behind; fix NTP before running"))
    elif now.year < 2024:
        out.append(Check("clock", False, f"the system clock says {now:%Y-%m-%d}; set the date (NTP)"))
    else:
        out.append(Check("clock", True, f"{now:%Y-%m-%d %H:%M} UTC" + (f", newest record {newest:%Y-%m-%d %H:%M} UTC" if newest else "")))
    folder = db.parent if db.parent.is_dir() else Path.cwd()
    free = shutil.disk_usage(folder).free
    out.append(Check("disk", free >= MIN_FREE_BYTES, f"{free / 2**30:.1f} GiB free in {folder}"
                     + ("" if free >= MIN_FREE_BYTES else f" (needs at least {MIN_FREE_BYTES // 2**20} MiB)")))
    return out


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order an operator would fix them."""
    checks = asyncio.run(telegram_checks(settings))
    checks += data_checks(settings)
    checks += storage_checks(settings.db)
    return checks


def report(checks: list[Check], redact: Redactor, write: Callable[[str], None] = print) -> int:
    """Print one line per check (secrets masked); 0 when all passed, else 1."""
    for check in checks:
        write(redact(check.line()))
    failed = [c.name for c in checks if not c.ok]
    write(redact(f"{len(checks) - len(failed)} of {len(checks)} checks passed" + (f"; fix: {', '.join(failed)}" if failed else "")))
    return 1 if failed else 0


def _one_line(problem: BaseException | str) -> str:
    return " ".join(str(problem).split())[:300]
