"""Sending a Reply to Telegram: HTML messages and photos, inline keyboards, forum topics, pacing, errors.

This is the one place telegram.error exceptions are mapped to delivery outcomes (jobs.deliver's
exceptions): RetryAfter → RetryLater, ChatMigrated → ChatMoved, Forbidden → ChatGone, BadRequest →
PermanentFailure, timeouts / network / 5xx → TransientFailure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "true")  # PTB's documented opt-in: RetryAfter.retry_after as a timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from regimebot.handlers.messages.reply import Reply
from regimebot.jobs.deliver import ChatGone, ChatMoved, DeliveryError, Parts, PermanentFailure, RetryLater, TransientFailure
from regimebot.macro.redaction import Redactor

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
_TOKEN = re.compile(r"<[^>]*>|&#?[a-zA-Z0-9]+;|[^\s<&]+\s*|\s+|[<&]")
_TAG_ROOM = 200  # kept free in each chunk for closing and re-opening tags


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _apply_tags(stack: list[tuple[str, str]], text: str) -> None:
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
        elif not match.group(3).rstrip().endswith("/"):
            stack.append((name, match.group(0)))


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _atoms(text: str, budget: int) -> list[str]:
    """Pieces never cut: whole lines when they fit, else words, tags and entities (long words by characters)."""
    out: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        piece = line + ("\n" if i < len(lines) - 1 else "")
        if utf16_len(piece) <= budget:
            out.append(piece)
            continue
        for token in _TOKEN.findall(piece):
            while utf16_len(token) > budget:
                out.append(token[: budget // 2])
                token = token[budget // 2:]
            out.append(token)
    return out


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters, at line boundaries when possible.

    Tags open across a cut are closed at the end of one part and re-opened at the start of the next,
    so each part is valid HTML on its own; tags and entities are never cut.
    """
    if utf16_len(text) <= limit:
        return [text]
    budget = max(1, limit - _TAG_ROOM)
    parts: list[str] = []
    stack: list[tuple[str, str]] = []
    current = ""
    body = False  # current holds more than re-opened tags
    for atom in _atoms(text, budget):
        after = list(stack)
        _apply_tags(after, atom)
        if body and utf16_len(current + atom) + utf16_len(_closing(after)) > limit:
            parts.append(current.rstrip("\n") + _closing(stack))
            current = "".join(tag for _, tag in stack)
            body = False
        current += atom
        body = body or bool(atom.strip())
        stack = after
    if body:
        parts.append(current.rstrip("\n") + _closing(stack))
    return parts


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


@dataclass(frozen=True)
class Limits:
    """Telegram's sending limits: overall per second, per chat, per group per minute (plus a small margin)."""

    overall: int = 30
    overall_period: float = 1.0
    chat_interval: float = 1.0
    group: int = 20
    group_period: float = 60.0
    margin: float = 0.005


class _Send:
    """One paced request: when it started and when its answer came back (None while in flight)."""

    __slots__ = ("start", "end")

    def __init__(self, start: float) -> None:
        self.start = start
        self.end: float | None = None


_IN_FLIGHT_POLL = 0.005


class Pacer:
    """Waits before each message so the bot stays within Limits, whatever the network's delays.

    Windows are counted from the *answers* of earlier requests: the 31st request starts only a full
    period after the answer to the 1st came back, so it reaches Telegram more than a period after the
    1st did, however late or early each request travelled. Sends are also spread evenly over the period.
    """

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._overall: deque[_Send] = deque()
        self._last: dict[int, _Send] = {}
        self._groups: dict[int, deque[_Send]] = {}
        self._blocked_until = 0.0
        self._next_slot = 0.0

    def block_for(self, seconds: float) -> None:
        """Telegram said "retry after": nothing is sent for that long."""
        self._blocked_until = max(self._blocked_until, time.monotonic() + seconds)

    @staticmethod
    def _after(send: _Send, period: float, now: float) -> float:
        return _IN_FLIGHT_POLL if send.end is None else send.end + period - now

    def _wait(self, chat_id: int, now: float) -> float:
        lim = self.limits
        wait = max(self._blocked_until - now, self._next_slot - now)
        if len(self._overall) >= lim.overall:
            wait = max(wait, self._after(self._overall[-lim.overall], lim.overall_period + lim.margin, now))
        last = self._last.get(chat_id)
        if last is not None:
            wait = max(wait, self._after(last, lim.chat_interval + lim.margin, now))
        group = self._groups.get(chat_id)
        if chat_id < 0 and group is not None and len(group) >= lim.group:
            wait = max(wait, self._after(group[-lim.group], lim.group_period + lim.margin, now))
        return wait

    async def acquire(self, chat_id: int) -> _Send:
        """Return when a message to `chat_id` may be sent now; pass the result to release() once answered."""
        while True:
            now = time.monotonic()
            wait = self._wait(chat_id, now)
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        lim = self.limits
        spacing = lim.overall_period / lim.overall
        # stay on the slot grid despite sleep overshoot; restart it after an idle spell
        self._next_slot = max(self._next_slot, now - spacing) + spacing
        send = _Send(now)
        self._overall.append(send)
        while len(self._overall) > lim.overall:
            self._overall.popleft()
        self._last[chat_id] = send
        if chat_id < 0:
            group = self._groups.setdefault(chat_id, deque())
            group.append(send)
            while len(group) > lim.group:
                group.popleft()
        if len(self._last) > 50_000:  # forget chats not written to for a while
            cutoff = now - 2 * lim.chat_interval
            self._last = {c: s for c, s in self._last.items() if s.end is None or s.end > cutoff}
        return send

    @staticmethod
    def release(send: _Send) -> None:
        """The request's answer came back (or it failed): its window starts counting from now."""
        send.end = time.monotonic()


def map_telegram_error(exc: TelegramError, redact: Redactor | None = None) -> DeliveryError:
    """The delivery outcome of a Telegram error (the only place these are interpreted), secrets masked.

    An error page from a proxy or a broken Bot API server may quote the request path, which holds the
    token; the outcome's text is stored (deliveries.last_error) and shown (/status), so it is masked here.
    """
    outcome = _outcome(exc)
    if redact is not None:
        outcome.args = tuple(redact(a) if isinstance(a, str) else a for a in outcome.args)
        if isinstance(outcome, ChatGone | TransientFailure | PermanentFailure):
            outcome.reason = redact(outcome.reason)
    return outcome


def _outcome(exc: TelegramError) -> DeliveryError:
    if isinstance(exc, RetryAfter):
        raw = getattr(exc, "_retry_after", None)  # PTB's RetryAfter: the timedelta behind its deprecated float `retry_after`
        seconds = raw.total_seconds() if isinstance(raw, timedelta) else float(raw or 1)
        return RetryLater(seconds, "Telegram flood control")
    if isinstance(exc, ChatMigrated):
        return ChatMoved(exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return ChatGone(exc.message)
    if isinstance(exc, BadRequest):
        text = exc.message.lower()
        if "chat not found" in text or "chat_write_forbidden" in text or "not enough rights" in text:
            return ChatGone(exc.message)
        return PermanentFailure(exc.message)
    if isinstance(exc, TimedOut):
        return TransientFailure(f"timed out: {exc.message}")
    if isinstance(exc, InvalidToken):
        return TransientFailure("Telegram rejected the bot token (401/404); check TELEGRAM_BOT_TOKEN")
    if isinstance(exc, Conflict):
        return TransientFailure(f"conflict: {exc.message}")
    if isinstance(exc, NetworkError) or type(exc) is TelegramError:  # the latter: an answer that was not the Bot API's
        return TransientFailure(exc.message)
    return PermanentFailure(exc.message)


async def send_reply(
    bot: Bot,
    chat_id: int,
    reply: Reply,
    thread_id: int | None = None,
    pacer: Pacer | None = None,
    redact: Redactor | None = None,
    parts: Parts | None = None,
) -> int:
    """Send a Reply (text split as needed, photo, buttons on the last part, extras); return the last message id.

    The messages are numbered from 0 in order; with `parts`, the first `parts.done` are skipped (a retry of a
    split message) and each one sent is reported to `parts.record` before the next. Raises a jobs.deliver
    DeliveryError subclass when Telegram refuses or cannot be reached.
    """
    message_id = 0
    for index, (method, kwargs) in enumerate(_messages(bot, reply, thread_id)):
        if parts is not None and index < parts.done:
            continue
        message_id = await _call(method, chat_id, kwargs, pacer, redact)
        if parts is not None and parts.record is not None:
            await parts.record(index, message_id)
    return message_id


def _messages(bot: Bot, reply: Reply, thread_id: int | None) -> list[tuple[Any, dict[str, Any]]]:
    """The Bot API calls that deliver a Reply, in order (photo, text parts, then each extra's)."""
    markup = keyboard(reply)
    common: dict[str, Any] = {"parse_mode": ParseMode.HTML, "disable_notification": reply.silent}
    if thread_id is not None:
        common["message_thread_id"] = thread_id
    out: list[tuple[Any, dict[str, Any]]] = []
    text_parts = split_html(reply.text) if reply.text else []
    if reply.image is not None:
        caption = None
        if len(text_parts) == 1 and utf16_len(text_parts[0]) <= CAPTION_LIMIT:
            caption, text_parts = text_parts[0], []
        out.append((bot.send_photo, {**common, "photo": reply.image, "filename": reply.image_name, "caption": caption,
                                     "reply_markup": markup if not text_parts else None}))
    for i, part in enumerate(text_parts):
        last = i == len(text_parts) - 1
        out.append((bot.send_message, {**common, "text": part, "reply_markup": markup if last else None}))
    for extra in reply.extra:
        out += _messages(bot, extra, thread_id)
    return out


async def _call(method: Any, chat_id: int, kwargs: dict[str, Any], pacer: Pacer | None, redact: Redactor | None) -> int:
    """One Bot API send, paced; one more try after Telegram's "retry after", with every send paused meanwhile."""
    for attempt in range(2):
        send = await pacer.acquire(chat_id) if pacer is not None else None
        try:
            sent = await method(chat_id=chat_id, **kwargs)
            return int(sent.message_id)
        except TelegramError as exc:
            mapped = map_telegram_error(exc, redact)
            if isinstance(mapped, RetryLater) and pacer is not None:
                log.info("Telegram flood control: all sends wait %g s", mapped.seconds)
                pacer.block_for(mapped.seconds)
                if attempt == 0:
                    continue
            raise mapped from exc
        finally:
            if send is not None and pacer is not None:
                pacer.release(send)
    raise AssertionError("unreachable")


class TelegramSender:
    """jobs.deliver.Sender over a PTB Bot, paced to Telegram's limits."""

    def __init__(self, bot: Bot, pacer: Pacer | None = None, redact: Redactor | None = None) -> None:
        self.bot = bot
        self.pacer = pacer or Pacer()
        self.redact = redact or Redactor()

    async def send(self, chat_id: int, reply: Reply, thread_id: int | None = None, parts: Parts | None = None) -> int:
        """Send (a retry skips the parts delivered before); a DeliveryError's text never holds a secret."""
        try:
            return await send_reply(self.bot, chat_id, reply, thread_id, self.pacer, self.redact, parts)
        except DeliveryError:
            raise
        except Exception as exc:  # anything else from the HTTP stack: transient, its text masked like the rest
            log.exception("sending to chat %s failed unexpectedly", chat_id)
            raise TransientFailure(self.redact(f"{type(exc).__name__}: {exc}")) from exc


async def chat_member_is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Whether the user administers the chat (getChatMember); when Telegram cannot say, not an admin."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.warning("could not check the admins of chat %s: %s", chat_id, map_telegram_error(exc))
        return False
    return member.status in ("administrator", "creator")
