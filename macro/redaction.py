"""One redactor for every secret the bot holds (bot token, webhook secret, API keys): logs, stored errors, replies.

Pure text work, importable by every layer: the bot wires one `Redactor` from the settings; the logging
filter (on the root handlers, and on a provider's HTTP loggers), the delivery sender, the jobs that store
errors, /status and the CLI all call it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[redacted]"
MIN_SECRET = 6  # shorter values would blank ordinary words; no real token or key is this short
# credentials in URLs and error pages whatever their value: ?api_key=..., &token=..., secret_token=...
_PARAM = re.compile(r"(?i)\b((?:api_?key|access_?token|secret_token|secret|token|password)=)[^&\s\"'<>]+")
# a Telegram bot token anywhere (id:secret), even one the settings do not know (e.g. a second bot's)
_BOT_TOKEN = re.compile(r"\b\d{5,12}:[A-Za-z0-9_-]{30,}")


class Redactor:
    """Replaces each known secret (and anything shaped like a credential) with a mask."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Know one more secret (a webhook secret made at start-up); a bot token's secret half is added too."""
        if not secret or len(secret) < MIN_SECRET:
            return
        parts = [secret]
        head, sep, tail = secret.partition(":")
        if sep and head.isdigit() and len(tail) >= MIN_SECRET:
            parts.append(tail)  # the half after the bot id is the secret part of a token
        for part in parts:
            if part not in self._secrets:
                self._secrets.append(part)
        self._secrets.sort(key=len, reverse=True)  # a token before its own tail

    def __call__(self, text: str) -> str:
        """The text with every secret masked."""
        if not text:
            return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _BOT_TOKEN.sub(MASK, text)
        return _PARAM.sub(lambda m: m.group(1) + MASK, text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message, arguments, traceback and stack before any handler writes it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit its format: show both, masked
            message = f"{record.msg} {record.args}"
        masked = self.redactor(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True
