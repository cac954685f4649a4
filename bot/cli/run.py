"""`regimebot run`: the Telegram bot — long polling by default, or a webhook (`--webhook URL --listen HOST:PORT`).

One process per database: a lock row is taken at start (a second process refuses with one line).
SIGINT/SIGTERM stop it gracefully: polling stops, running handlers finish, the lock is released.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import signal
import sys
from dataclasses import dataclass
from urllib.parse import urlparse

from regimebot.bot.cli.common import UsageError
from regimebot.bot.log_redaction import install_redaction
from regimebot.macro.redaction import Redactor

log = logging.getLogger(__name__)

LOCK_TTL = 90.0


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (url) and where this process listens for them."""

    url: str
    host: str
    port: int
    path: str


def register(sub) -> None:
    p = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN; long polling unless --webhook)")
    p.add_argument("--webhook", metavar="URL", help="public https URL Telegram posts updates to (webhook mode)")
    p.add_argument("--listen", metavar="HOST:PORT", help="address the webhook server listens on (with --webhook)")
    p.set_defaults(func=run)


def parse_webhook(url: str | None, listen: str | None) -> Webhook | None:
    """Validate --webhook/--listen; both or neither."""
    if url is None and listen is None:
        return None
    if url is None or listen is None:
        raise UsageError("--webhook URL and --listen HOST:PORT go together (e.g. --webhook https://bot.example.com/tg --listen 0.0.0.0:8443)")
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise UsageError(f"--webhook: expected a public https:// URL (Telegram only posts to HTTPS), got {url!r}")
    host, sep, port_text = listen.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"--listen: expected HOST:PORT like 0.0.0.0:8443, got {listen!r}")
    return Webhook(url, host, int(port_text), parsed.path.lstrip("/"))


async def serve(app, webhook: Webhook | None = None, stop: asyncio.Event | None = None,
                install_signals: bool = True, poll_timeout: float = 10.0) -> int:
    """Run the Application until SIGINT/SIGTERM (or `stop`); returns the exit status."""
    from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

    runtime = app.bot_data["runtime"]
    stop = stop or asyncio.Event()
    runtime.request_stop = stop.set
    loop = asyncio.get_running_loop()
    if install_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

    def polling_error(exc: TelegramError) -> None:
        if isinstance(exc, Conflict):
            runtime.report_conflict(exc)
        else:
            log.warning("getUpdates failed (will retry): %s", exc)

    started = False
    try:
        try:
            await app.initialize()
        except InvalidToken:
            print("regimebot: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (or try `regimebot demo`).", file=sys.stderr)
            return 2
        except NetworkError as exc:
            reason = runtime.services.redact(" ".join(str(exc).split()))[:300]
            print(f"regimebot: cannot reach the Telegram Bot API (REGIMEBOT_TELEGRAM_API_URL): {reason}", file=sys.stderr)
            return 1
        except TelegramError as exc:  # e.g. a proxy or captive portal answering 200 with an HTML page
            reason = runtime.services.redact(" ".join(str(exc).split()))[:300]
            print(f"regimebot: REGIMEBOT_TELEGRAM_API_URL did not answer like the Telegram Bot API ({reason}); "
                  "check the URL and any proxy in between.", file=sys.stderr)
            return 1
        if app.post_init:
            await app.post_init(app)
        await app.start()
        started = True
        if webhook is not None:
            try:
                await app.updater.start_webhook(listen=webhook.host, port=webhook.port, url_path=webhook.path,
                                                webhook_url=webhook.url, secret_token=runtime.settings.webhook_secret or None)
            except RuntimeError as exc:  # PTB without its webhooks extra
                print(f"regimebot: webhook mode is unavailable: {exc}", file=sys.stderr)
                return 1
        else:
            await app.updater.start_polling(timeout=poll_timeout, error_callback=polling_error)
        await stop.wait()
        return runtime.exit_status
    finally:
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        if app.updater is not None and app.updater.running:
            updater_log = logging.getLogger("telegram.ext.Updater")
            level = updater_log.level
            if runtime.conflict_reported:  # its last getUpdates would only repeat the Conflict already reported
                updater_log.setLevel(logging.CRITICAL)
            try:
                await app.updater.stop()
            finally:
                updater_log.setLevel(level)
        if started:
            if runtime.jobs is not None:  # let a running evaluation or delivery pass finish, not be cancelled
                await runtime.jobs.drain()
            await app.stop()
            if app.post_shutdown:
                await app.post_shutdown(app)
        await app.shutdown()


def run(args, settings) -> int:
    """`regimebot run`: refuse without a token (exit 2) or when another process holds the database lock (exit 1)."""
    settings.require_token()
    webhook = parse_webhook(args.webhook, args.listen)
    if webhook is not None and not settings.webhook_secret:  # Telegram proves each post with it; made per run
        settings = dataclasses.replace(settings, webhook_secret=secrets.token_urlsafe(32))
    install_redaction(Redactor(settings.secrets()))  # the webhook secret is masked like the token
    from regimebot.bot.services import build_services
    from regimebot.bot.telegram.app import build_application
    from regimebot.storage import process_lock

    services = build_services(settings)
    owner = process_lock.lock_owner()
    holder = services.store.process_locks.acquire_lock(owner, LOCK_TTL)
    if holder is not None:
        print(f"regimebot: another regimebot process ({holder}) is running on database {settings.db}; "
              "stop it first — one `regimebot run` per database and token.", file=sys.stderr)
        return 1
    try:
        app = build_application(settings, services, lock_owner=owner)
        return asyncio.run(serve(app, webhook))
    finally:
        services.store.process_locks.release_lock(owner)
