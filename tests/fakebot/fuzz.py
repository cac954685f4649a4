"""Seeded random updates through the real Application and the fake Bot API (tests and bench/fuzz_updates.py).

Updates of every kind the bot may see — commands with trailing punctuation, emoji, zero-width characters and
random arguments, in private chats, groups and channels, `/cmd@bot` and `/cmd@otherbot`, unknown commands,
plain text, edited messages, button presses with random data — each in a chat of its own, so every answer is
attributable. The run reports which commands went unanswered, errors logged, "went wrong" replies and
messages whose HTML Telegram would refuse.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from regimebot.bot.telegram.io import Limits
from regimebot.handlers import load_commands
from regimebot.handlers.messages.i18n import t
from tests.fakebot import FakeBotServer, ServerLimits
from tests.fakebot.harness import fast_options, make_settings, running_bot

TRAILERS = (".", ",", "!", "?", ";", ":", ")", "…", "。", "，", "🙂", "📈", "🇹🇼", "\u200b", "\u200c", "\u200d",
            "\ufeff", "\u2060", "'", '"', "-", "/", "\\", "%", "&", "<", ">", "#")
ARGS = ("DXY", "tlt", "1y", "5y", "all", "long_usd_ai", "on", "off", "-5", "0", "1e309", "nan", "inf", "<b>", "&amp;",
        "💥", "DXY TLT", "TLT -20%", "rates +100bp", "'; DROP TABLE chats;--", "\u202e", "x" * 300, "1", "#12",
        "zh-TW", "en", "quiet 22:00-07:00", "@regime_test_bot", "\n/help", "$DXY", "AAPL MSFT", "-100bp 2y")
LANGUAGES = ("en", "zh-TW", "zh-hant", "fr", "")
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
                 "blockquote", "tg-emoji", "tg-time"}


class TelegramHtml(HTMLParser):
    """Whether a text is HTML the Bot API accepts: known tags only, properly nested and closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"unknown tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    @classmethod
    def problems_of(cls, text: str) -> list[str]:
        parser = cls()
        parser.feed(text)
        parser.close()
        return parser.problems + [f"<{tag}> never closed" for tag in parser.stack]


@dataclass
class Expectation:
    """One update sent: its chat, what it was, and whether an answer is due."""

    chat_id: int
    text: str
    kind: str
    answer_due: bool


@dataclass
class FuzzReport:
    """What a run saw."""

    updates: int = 0
    commands_due: int = 0
    unanswered: list[Expectation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    went_wrong: list[str] = field(default_factory=list)
    bad_html: list[str] = field(default_factory=list)
    callbacks: int = 0
    callbacks_unanswered: int = 0
    messages_sent: int = 0
    seconds: float = 0.0


class ErrorLog(logging.Handler):
    """Collects records at ERROR and above while the run lasts."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(f"{record.name}: {record.getMessage()}"[:500])


class UpdateFuzzer:
    """Random updates from a seed; each chat id is used once."""

    def __init__(self, seed: int, server: FakeBotServer) -> None:
        self.rng = random.Random(seed)
        self.server = server
        self.commands = [c.name for c in load_commands().commands()]
        self.prefixes = [c.prefix for c in load_commands().callbacks()]
        self.next_chat = 10_000_000 + 100_000 * (seed % 1000)

    def _chat(self) -> int:
        self.next_chat += 1
        return self.next_chat

    def _command_text(self) -> tuple[str, bool]:
        """(text, addressed to us): a registered command, decorated, with random arguments."""
        rng = self.rng
        name = rng.choice(self.commands)
        if rng.random() < 0.15:
            name = name.upper() if rng.random() < 0.5 else name.capitalize()
        mention = rng.choice(("", "", "", "@regime_test_bot", "@other_bot"))
        text = "/" + name + mention + "".join(rng.choice(TRAILERS) for _ in range(rng.choice((0, 1, 1, 2, 3))))
        if rng.random() < 0.6:
            text += rng.choice((" ", "  ", "\n", "\t")) + " ".join(rng.choice(ARGS) for _ in range(rng.randint(1, 3)))
        return text, mention != "@other_bot"

    def next(self) -> Expectation:
        """Queue one random update on the server; what it should produce."""
        rng = self.rng
        roll = rng.random()
        chat_id = self._chat()
        lang = rng.choice(LANGUAGES)
        if roll < 0.55:  # a registered command in a private chat
            text, ours = self._command_text()
            self.server.command(chat_id, text, user_id=chat_id, language_code=lang)
            return Expectation(chat_id, text, "private command", ours)
        if roll < 0.70:  # a registered command in a group, by a plain member
            text, ours = self._command_text()
            self.server.command(-chat_id, text, user_id=chat_id, chat_type=rng.choice(("group", "supergroup")),
                                language_code=lang)
            return Expectation(-chat_id, text, "group command", ours)
        if roll < 0.75:  # a channel post
            text, ours = self._command_text()
            message = self.server.message_json(-chat_id, text, user_id=chat_id, chat_type="channel")
            message.pop("from")
            message["sender_chat"] = dict(message["chat"])
            self.server.push_update({"channel_post": message})
            return Expectation(-chat_id, text, "channel command", ours)
        if roll < 0.82:  # an unknown command in private: pointed to /help
            text = "/" + "".join(rng.choice("abcxyz_09") for _ in range(rng.randint(1, 12))) + rng.choice(TRAILERS)
            known = text[1:].rstrip("".join(TRAILERS)).lower() in self.commands
            self.server.command(chat_id, text, user_id=chat_id, language_code=lang)
            return Expectation(chat_id, text, "unknown command", not known)
        if roll < 0.87:  # plain text, or a lone slash and symbols: no command, no answer due
            text = rng.choice(("hello", "/", "/🙂", "/ help", "DXY?", "\u200b", "// x", rng.choice(ARGS)))
            self.server.command(chat_id, text, user_id=chat_id, language_code=lang)
            return Expectation(chat_id, text, "text", False)
        if roll < 0.90:  # an edited command: the bot answers new messages only
            message = self.server.message_json(chat_id, "/help", user_id=chat_id)
            message["edit_date"] = message["date"]
            self.server.push_update({"edited_message": message})
            return Expectation(chat_id, "/help (edited)", "edited", False)
        prefix = rng.choice(self.prefixes + ["x", "", "alert:"])
        data = rng.choice((f"{prefix}:{rng.choice(ARGS)[:40]}", f"{prefix}:{rng.randint(-5, 10**13)}", prefix, "💥" * 40,
                           f"{prefix}:long_usd_ai", "set:lang:zh-TW", "set:" + "a" * 70))
        self.server.press(chat_id, data, user_id=chat_id, chat_type="private", language_code=lang or "en")
        return Expectation(chat_id, f"button {data!r}", "callback", False)


FAST_SERVER = ServerLimits(overall=100_000, chat=1000, group=100_000)
FAST_BOT = Limits(overall=100_000, chat_interval=0.0, group=100_000)


class BotThread:
    """The real Application polling a fake Bot API, both on an event loop of their own thread (for sync tests)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.server = FakeBotServer(limits=FAST_SERVER)
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the test thread on exit
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        options = replace(fast_options(FAST_BOT, delivery_interval=3600), read_timeout=15.0)
        async with self.server, running_bot(self.server, make_settings(self.server, self.workdir / "bot.db"),
                                            options=options):
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> FakeBotServer:
        self._thread.start()
        self._ready.wait(60)
        if self._failure is not None:
            raise self._failure
        return self.server

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._loop.close()
        if self._failure is not None:
            raise self._failure


def wait_for_answers(server: FakeBotServer, chats: set[int], timeout: float = 30.0) -> set[int]:
    """Wait (from another thread) until each chat got a message; the chats still unanswered at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        missing = chats - _answered(server)
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.02)


def _answered(server: FakeBotServer) -> set[int]:
    return {m["chat_id"] for m in server.sent}


async def fuzz(n_updates: int, seed: int, workdir: Path, batch: int = 25, settle: float = 30.0) -> FuzzReport:
    """Send n_updates random updates to a running bot, batch by batch; report what was not as it should be.

    Batches stay small: hundreds of requests queued at once on httpx's connection pool cost it quadratic time
    (it re-checks every connection for every waiting request), which measures httpcore, not the bot.
    """
    report = FuzzReport()
    errors = ErrorLog()
    root = logging.getLogger()
    root.addHandler(errors)
    went_wrong = {t(lang, "runtime.error") for lang in ("en", "zh-TW")}
    started = time.monotonic()
    try:
        async with FakeBotServer(limits=FAST_SERVER) as server:
            # no alerts in this run (no delivery passes); a loaded 2-core machine answers slowly, not never
            options = replace(fast_options(FAST_BOT, delivery_interval=3600), read_timeout=15.0)
            async with running_bot(server, make_settings(server, workdir / "fuzz.db"), options=options):
                fuzzer = UpdateFuzzer(seed, server)
                while report.updates < n_updates:
                    size = min(batch, n_updates - report.updates)
                    sent = [fuzzer.next() for _ in range(size)]
                    report.updates += size
                    due = [e for e in sent if e.answer_due]
                    report.commands_due += len(due)
                    presses = sum(e.kind == "callback" for e in sent)
                    report.callbacks += presses
                    want_presses = len(server.calls_of("answerCallbackQuery")) + presses
                    waiting = {e.chat_id for e in due}

                    def done(waiting: set[int] = waiting, want: int = want_presses) -> bool:
                        return not (waiting - _answered(server)) and len(server.calls_of("answerCallbackQuery")) >= want

                    try:
                        await server.wait_for(done, timeout=settle, what="answers")
                    except AssertionError:
                        answered = _answered(server)
                        report.unanswered += [e for e in due if e.chat_id not in answered]
                        report.callbacks_unanswered += max(0, want_presses - len(server.calls_of("answerCallbackQuery")))
                await asyncio.sleep(0.3)  # answers to updates that needed none (they should not come, but count them)
            report.messages_sent = len(server.sent)
            for message in server.sent:
                text = str(message["text"] or "")
                if text in went_wrong or any(w in text for w in went_wrong):
                    report.went_wrong.append(text[:200])
                problems = TelegramHtml.problems_of(text)
                if problems:
                    report.bad_html.append(f"{problems[0]} in {text[:120]!r}")
    finally:
        root.removeHandler(errors)
    report.errors = errors.records
    report.seconds = time.monotonic() - started
    return report


def summary(report: FuzzReport) -> dict[str, Any]:
    """The figures a test asserts on and the benchmark prints."""
    return {
        "updates": report.updates, "commands_due": report.commands_due, "unanswered": len(report.unanswered),
        "callbacks": report.callbacks, "callbacks_unanswered": report.callbacks_unanswered,
        "errors": len(report.errors), "went_wrong": len(report.went_wrong), "bad_html": len(report.bad_html),
        "messages_sent": report.messages_sent, "seconds": round(report.seconds, 1),
    }
