"""The delivery job: send due outbox rows through a Sender and record what happened to each.

A row is marked sent only after the sender returned (Telegram accepted it). Senders raise the
exceptions below, named by what this job does about them; nothing is dropped silently: a row ends
`sent` or `failed` with its error kept, or waits for a retry (`pending`) or the end of quiet hours (`held`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import ParamSpec, Protocol, TypeVar

from regimebot.handlers.context import Services
from regimebot.handlers.messages.alerts import format_alert
from regimebot.handlers.messages.journal import format_journal_push
from regimebot.handlers.messages.reply import Reply
from regimebot.storage.chats import ChatPrefs, chat_zone
from regimebot.storage.notices import ALERT_ROW, NOTICE_ROW
from regimebot.storage.outbox import AlertRecord, Delivery
from regimebot.storage.store import Store

log = logging.getLogger(__name__)

IN_FLIGHT = 3  # chats sending at once: bounds the messages a kill -9 can repeat (accepted, not yet recorded)
P = ParamSpec("P")
R = TypeVar("R")


class DeliveryError(Exception):
    """A sender could not deliver a message; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """Rate limited (429): try again after `seconds`."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {seconds:g} s")
        self.seconds = float(seconds)


class ChatGone(DeliveryError):
    """The bot was blocked, kicked or the chat no longer exists: pause the chat's deliveries."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatMoved(DeliveryError):
    """The group became a supergroup with a new id: move the chat and send there."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = int(new_chat_id)


class TransientFailure(DeliveryError):
    """Network error, timeout or server error (5xx): retry with backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentFailure(DeliveryError):
    """Telegram refused the message itself (400 bad request): mark the row failed, keep the error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Parts:
    """A split message's progress: the leading parts delivered before (skipped) and a hook recording each new one."""

    done: int = 0
    record: Callable[[int, int], Awaitable[None]] | None = None


class Sender(Protocol):
    """Delivers one Reply to one chat (Telegram, or the console chat)."""

    async def send(self, chat_id: int, reply: Reply, thread_id: int | None = None, parts: Parts | None = None) -> int:
        """Send (skipping `parts.done` leading parts) and return the last message id; raise a DeliveryError on failure."""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures: base·2^(attempt-1) seconds, capped; failed after max_attempts."""

    base: float = 2.0
    cap: float = 300.0
    max_attempts: int = 12

    def delay(self, attempts: int) -> float:
        return min(self.cap, self.base * (2 ** max(0, attempts - 1)))


@dataclass
class DeliveryReport:
    """What one pass of the delivery job did, row counts by outcome."""

    sent: int = 0
    retry: int = 0
    held: int = 0
    failed: int = 0
    moved: int = 0
    paused_chats: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retry + self.failed


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(prefs: ChatPrefs | None, now: datetime) -> datetime | None:
    """When the chat's quiet hours end, if `now` falls inside them (None: not quiet, or no quiet hours)."""
    if prefs is None or not prefs.quiet_start or not prefs.quiet_end or prefs.quiet_start == prefs.quiet_end:
        return None
    zone = chat_zone(prefs.timezone)
    local = now.astimezone(zone)
    start, end = _hhmm(prefs.quiet_start), _hhmm(prefs.quiet_end)
    t = local.time().replace(second=0, microsecond=0)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


async def _off_loop(call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a storage call in a worker thread (the store serialises it), keeping the event loop free."""
    return await asyncio.to_thread(call, *args, **kwargs)


async def deliver_pending(
    services: Services,
    sender: Sender,
    now: datetime | None = None,
    limit: int | None = None,
    *,
    policy: RetryPolicy | None = None,
    concurrency: int | None = None,
) -> DeliveryReport:
    """Send every due outbox row (oldest alert first; one chat's rows in order) and record each outcome.

    At most `concurrency` chats (default IN_FLIGHT) are sending at once: the in-flight window. A kill can
    only repeat a send Telegram accepted and this pass had not yet recorded, so at most that many per kill.
    """
    policy = policy or RetryPolicy()
    start = now or _utcnow()
    rows = await _off_loop(services.store.outbox.due_deliveries, start, limit)
    report = DeliveryReport()
    if not rows:
        return report
    by_chat: dict[int, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_chat[row.chat_id].append(row)
    alerts: dict[int, AlertRecord | None] = {}
    moved: dict[int, int] = {}  # chats that turned out to have a new id during this pass
    gate = asyncio.Semaphore(concurrency or IN_FLIGHT)

    async def chat_worker(chat_id: int, chat_rows: list[Delivery]) -> None:
        async with gate:
            for row in chat_rows:
                if row.alert_id not in alerts:
                    alerts[row.alert_id] = await _off_loop(services.store.outbox.get_alert, row.alert_id)
                gone = await _deliver_one(services, sender, row, alerts[row.alert_id], now, policy, report, moved)
                if gone:
                    break

    # Every chat's worker finishes before the pass ends (or raises): a worker left running after a failure
    # would still be sending while the next pass picks up the same rows, and send them twice.
    outcomes = await asyncio.gather(*(chat_worker(c, r) for c, r in by_chat.items()), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        raise failures[0]
    return report


async def _deliver_one(
    services: Services,
    sender: Sender,
    row: Delivery,
    alert: AlertRecord | None,
    fixed_now: datetime | None,
    policy: RetryPolicy,
    report: DeliveryReport,
    moved: dict[int, int],
) -> bool:
    """Deliver one row; True when the chat is gone (its other rows are left to the next pass)."""
    now = fixed_now or _utcnow()
    chat_id = moved.get(row.chat_id, row.chat_id)
    if alert is None:
        await _off_loop(services.store.outbox.mark_failed, row.id, f"alert {row.alert_id} no longer exists")
        report.failed += 1
        return False
    prefs = await _off_loop(services.store.chats.get_chat, chat_id)
    if prefs is not None and prefs.paused:
        await _off_loop(services.store.outbox.mark_failed, row.id, f"chat paused: {prefs.paused_reason or 'bot blocked or removed'}")
        report.failed += 1
        return False
    bypass = alert.urgent and (prefs is None or prefs.urgent_bypass_quiet)
    until = None if bypass else quiet_until(prefs, now)
    if until is not None:
        await _off_loop(services.store.outbox.hold_until, row.id, until)
        report.held += 1
        return False
    lang = prefs.language if prefs is not None else services.settings.language
    if alert.kind == "status":
        reply = format_alert(alert, lang, services.watchlist)
    else:
        reply = format_journal_push(alert, lang, services.watchlist)
    parts = await _parts(services, ALERT_ROW, row.id)
    for _ in range(2):  # a second try only after following a ChatMigrated
        try:
            message_id = await sender.send(chat_id, reply, row.thread_id, parts)
        except ChatMoved as exc:
            await _off_loop(_move_chat, services.store, chat_id, exc.new_chat_id)
            log.info("chat %s moved to %s; delivery %s follows it", chat_id, exc.new_chat_id, row.id)
            report.moved += 1
            current = await _off_loop(services.store.outbox.get_delivery, row.id)
            if current is None or current.status not in ("pending", "held"):
                report.failed += 1  # the new chat already had this alert: the row was closed as failed, with why
                return False
            moved[row.chat_id] = exc.new_chat_id
            chat_id = exc.new_chat_id
            continue
        except RetryLater as exc:
            await _off_loop(services.store.outbox.reschedule, row.id, now + timedelta(seconds=exc.seconds), str(exc), False)
            report.retry += 1
            return False
        except TransientFailure as exc:
            await _retry_or_give_up(services, row, exc.reason, now, policy, report)
            return False
        except ChatGone as exc:
            await _off_loop(_pause_chat, services.store, chat_id, exc.reason)
            await _off_loop(services.store.outbox.mark_failed, row.id, f"chat gone: {exc.reason}")
            log.warning("chat %s is gone (%s): its deliveries are paused", chat_id, exc.reason)
            report.failed += 1
            report.paused_chats.append(chat_id)
            report.errors.append(exc.reason)
            return True
        except PermanentFailure as exc:
            await _off_loop(services.store.outbox.mark_failed, row.id, f"refused by Telegram: {exc.reason}")
            report.failed += 1
            report.errors.append(exc.reason)
            return False
        except Exception as exc:  # a sender fault nobody mapped: kept on the row and retried with backoff, like a 5xx
            log.exception("delivery %s to chat %s failed unexpectedly", row.id, chat_id)
            await _retry_or_give_up(services, row, f"unexpected {type(exc).__name__}: {exc}"[:300], now, policy, report)
            return False
        await _off_loop(services.store.outbox.mark_sent, row.id, message_id)
        report.sent += 1
        return False
    await _retry_or_give_up(services, row, "chat moved twice in one attempt", now, policy, report)  # counted, so it cannot loop forever
    return False


async def _retry_or_give_up(services: Services, row: Delivery, reason: str, now: datetime, policy: RetryPolicy,
                            report: DeliveryReport) -> None:
    """A transient fault: back off and retry, or mark the row failed (with why) once the attempts are used up."""
    attempts = row.attempts + 1
    if attempts >= policy.max_attempts:
        await _off_loop(services.store.outbox.mark_failed, row.id, f"gave up after {attempts} attempts: {reason}")
        report.failed += 1
        report.errors.append(reason)
    else:
        await _off_loop(services.store.outbox.reschedule, row.id, now + timedelta(seconds=policy.delay(attempts)), reason)
        report.retry += 1


async def _parts(services: Services, row_kind: str, row_id: int) -> Parts:
    """The row's delivered parts so far, and a hook that records each further one as soon as Telegram accepts it."""

    async def record(index: int, message_id: int) -> None:
        await _off_loop(services.store.notices.record_part, row_kind, row_id, index, message_id)

    return Parts(await _off_loop(services.store.notices.delivered_parts, row_kind, row_id), record)


async def deliver_notices(services: Services, sender: Sender, now: datetime | None = None, *,
                          policy: RetryPolicy | None = None) -> DeliveryReport:
    """Send every due notice (digests, admins' warnings) like an alert's row: recorded, retried, never dropped."""
    policy = policy or RetryPolicy()
    report = DeliveryReport()
    notices = services.store.notices
    for notice in await _off_loop(notices.due_notices, now or _utcnow()):
        when = now or _utcnow()
        prefs = await _off_loop(services.store.chats.get_chat, notice.chat_id)
        if prefs is not None and prefs.paused:
            await _off_loop(notices.mark_notice_failed, notice.id, f"chat paused: {prefs.paused_reason or 'bot blocked or removed'}")
            report.failed += 1
            continue
        parts = await _parts(services, NOTICE_ROW, notice.id)
        try:
            message_id = await sender.send(notice.chat_id, Reply(notice.text, silent=notice.silent), notice.thread_id, parts)
        except RetryLater as exc:
            await _off_loop(notices.reschedule_notice, notice.id, when + timedelta(seconds=exc.seconds), str(exc), False)
            report.retry += 1
            continue
        except ChatGone as exc:
            await _off_loop(_pause_chat, services.store, notice.chat_id, exc.reason)
            await _off_loop(notices.mark_notice_failed, notice.id, f"chat gone: {exc.reason}")
            report.failed += 1
            report.paused_chats.append(notice.chat_id)
            continue
        except PermanentFailure as exc:
            await _off_loop(notices.mark_notice_failed, notice.id, f"refused by Telegram: {exc.reason}")
            report.failed += 1
            continue
        except DeliveryError as exc:  # transient, or a move we do not follow for a notice: back off and retry
            attempts = notice.attempts + 1
            if attempts >= policy.max_attempts:
                await _off_loop(notices.mark_notice_failed, notice.id, f"gave up after {attempts} attempts: {exc}")
                report.failed += 1
            else:
                await _off_loop(notices.reschedule_notice, notice.id, when + timedelta(seconds=policy.delay(attempts)), str(exc))
                report.retry += 1
            continue
        await _off_loop(notices.mark_notice_sent, notice.id, message_id)
        report.sent += 1
    return report


def _move_chat(store: Store, old_id: int, new_id: int) -> None:
    """A group became a supergroup: its waiting rows and its preferences follow it, in one transaction."""
    with store.transaction():
        store.outbox.move_chat(old_id, new_id)
        if store.chats.get_chat(old_id) is not None:
            store.chats.migrate_chat(old_id, new_id)


def _pause_chat(store: Store, chat_id: int, reason: str) -> None:
    """The bot was blocked or removed: the chat's deliveries pause until someone there uses it again."""
    with store.transaction():
        if store.chats.get_chat(chat_id) is not None:
            store.chats.set_paused(chat_id, True, reason)
