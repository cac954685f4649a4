"""The console chat: the terminal as one Telegram chat, running the same handlers and jobs as the bot.

Commands typed at the prompt go through the one registry; numbered inline buttons are pressed by
typing their number. Alerts created by the evaluation cycle are delivered through the same outbox
and delivery job, by a ConsoleSender that prints them; images are saved to files and their paths shown.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from regimebot.bot.console.render import render_html
from regimebot.handlers.context import CycleResult, Services
from regimebot.handlers.dispatch import Dispatcher, Incoming, command_line
from regimebot.handlers.messages.i18n import t
from regimebot.handlers.messages.reply import Button, Reply
from regimebot.handlers.registry import REGISTRY, Chat, Registry
from regimebot.handlers.usage import default_timezone
from regimebot.jobs.deliver import DeliveryReport, Parts
from regimebot.jobs.schedule import BotJobs

log = logging.getLogger(__name__)

CONSOLE_CHAT_ID = 0  # the terminal is one private chat; no Telegram chat has id 0
CONSOLE_USER_ID = 0  # the person at the terminal runs the bot, so is its admin
CONSOLE_CLOSED = "console chat closed"  # why the console chat is paused while nobody is at the terminal




@dataclass
class Screen:
    """Where the console writes: the text stream, the image folder, and the numbered buttons on show."""

    out: TextIO
    output_dir: Path
    color: bool = False
    simulated: bool = False
    lang: str = "en"
    session_lang: str | None = None  # `--lang`: wins over the chat's stored language for this session
    buttons: list[Button] = field(default_factory=list)
    _images: Any = field(default_factory=lambda: itertools.count(1))

    def save_image(self, reply: Reply) -> Path:
        """Write the reply's image under the output folder; its path."""
        self.output_dir.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", reply.image_name or "chart.png")
        path = self.output_dir / f"{next(self._images):03d}-{name}"
        path.write_bytes(reply.image or b"")
        return path

    def format_reply(self, reply: Reply) -> str:
        """A reply (and its extra messages) as terminal text, buttons numbered for pressing."""
        parts: list[str] = []
        self.buttons = []
        for one in (reply, *reply.extra):
            block = render_html(one.text, self.color)
            if one.image:
                block += "\n" + t(self.lang, "console.image_saved", path=str(self.save_image(one)))
            row_texts = []
            for row in one.buttons:
                for button in row:
                    self.buttons.append(button)
                    row_texts.append(f"[{len(self.buttons)}] {button.text}")
            if row_texts:
                block += "\n" + "  ".join(row_texts)
            parts.append(block)
        return "\n\n".join(parts)

    def show(self, header: str, reply: Reply) -> None:
        """Print one reply under a header line (which says SIMULATED on demo data)."""
        if self.simulated:
            header += " · " + t(self.lang, "console.simulated_tag")
        self.out.write(f"\n── {header} ──\n{self.format_reply(reply)}\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


class ConsoleSender:
    """regimebot.jobs.deliver's Sender for the terminal: prints each alert pushed to the console chat.

    Rows for other (Telegram) chats are left pending, due at once, for the Telegram bot to send.
    """

    def __init__(self, screen: Screen, chat_id: int = CONSOLE_CHAT_ID) -> None:
        self.screen = screen
        self.chat_id = chat_id
        self._ids = itertools.count(1)
        self.sent: list[tuple[int, Reply]] = []

    async def send(self, chat_id: int, reply: Reply, thread_id: int | None = None, parts: Parts | None = None) -> int:
        """Print the alert (one message: never split); the terminal always accepts it. Other chats' rows are not ours."""
        from regimebot.jobs.deliver import RetryLater

        if chat_id != self.chat_id:
            raise RetryLater(0, "left for the Telegram bot by the console chat")
        self.sent.append((chat_id, reply))
        key = "console.pushed_quiet" if reply.silent else "console.pushed"
        self.screen.show(t(self.screen.lang, key), reply)
        return next(self._ids)


class ConsoleChat:
    """One chat at the terminal: run command lines and button presses, run cycles, deliver pushed alerts."""

    def __init__(self, services: Services, screen: Screen, chat_id: int = CONSOLE_CHAT_ID, user_id: int = CONSOLE_USER_ID,
                 registry: Registry = REGISTRY) -> None:
        self.services = services
        self.dispatcher = Dispatcher(registry, services)
        self.jobs: BotJobs | None = None
        self.screen = screen
        self.chat = Chat(id=chat_id, type="private", title="console")
        self.user_id = user_id
        self.sender = ConsoleSender(screen, chat_id)
        store = services.store
        with store.transaction():
            prefs = store.chats.ensure_chat(chat_id, "private", title="console", language=screen.lang,
                                            timezone=default_timezone(services.settings))
            if prefs.paused and prefs.paused_reason == CONSOLE_CLOSED:
                store.chats.set_paused(chat_id, False)
        self.screen.lang = screen.session_lang or prefs.language

    def close(self) -> None:
        """Pause the console chat's subscriptions: with nobody at the terminal, a Telegram bot on the
        same database must not queue alerts for it (they come back when the console chat reopens)."""
        self.services.store.chats.set_paused(self.chat.id, True, CONSOLE_CLOSED)

    @property
    def lang(self) -> str:
        return self.screen.session_lang or self.dispatcher.language(self.chat.id, self.screen.lang)

    def _incoming(self, command: str = "", args: tuple[str, ...] = (), button: str | None = None) -> Incoming:
        return Incoming(self.chat, self.user_id, self.screen.lang, command, args, button, self.screen.session_lang)

    def _answer(self, incoming: Incoming) -> Reply:
        """The person at the terminal runs the bot, so is its admin."""
        outcome = self.dispatcher.dispatch(incoming, is_admin=True)
        if outcome.reply is not None:
            return outcome.reply
        return Reply(outcome.toast or t(self.lang, "console.no_button", number=html.escape((incoming.button or "")[:40])))

    def answer(self, line: str) -> Reply | None:
        """The reply to one typed line: a /command, or the number of a button; None for an empty line."""
        line = line.strip()
        if not line:
            return None
        if line.isdigit():
            index = int(line)
            if not 1 <= index <= len(self.screen.buttons):
                return Reply(t(self.lang, "console.no_button", number=index))
            return self.press(self.screen.buttons[index - 1].data)
        parsed = command_line(line)
        if parsed is None:
            return Reply(t(self.lang, "console.not_a_command"))
        name, args = parsed
        if self.dispatcher.registry.get(name) is None:
            return Reply(t(self.lang, "console.unknown_command", command=html.escape(name[:40])))
        return self._answer(self._incoming(name, args))

    def press(self, data: str) -> Reply:
        """Press an inline button: its callback data `prefix:rest` goes to the registered callback."""
        return self._answer(self._incoming(button=data))

    def say(self, line: str) -> None:
        """Echo a typed line and print its reply."""
        reply = self.answer(line)
        if reply is not None:
            self.screen.show(t(self.lang, "console.reply_to", line=line.strip()[:60]), reply)

    def run_cycle(self) -> CycleResult:
        """One refresh + evaluate + fan-out cycle (the scheduled job's work)."""
        return self.services.evaluator.run()

    async def deliver(self) -> DeliveryReport:
        """Send every due outbox row; pushed alerts for this chat are printed.

        Once the bot's jobs run (`attach`), this is their delivery pass, so it never overlaps theirs."""
        if self.jobs is not None:
            return await self.jobs.deliver_now()
        from regimebot.jobs.deliver import deliver_pending

        return await deliver_pending(self.services, self.sender)

    def attach(self, jobs: BotJobs) -> None:
        """Deliver through the running job set's passes from now on (one pass at a time)."""
        self.jobs = jobs


async def read_lines(prompt: str, handle: Callable[[str], Any], stop: asyncio.Event) -> None:
    """Read lines from the terminal without blocking the event loop, until EOF, 'quit' or `stop`."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            line = await loop.run_in_executor(None, input, prompt)
        except EOFError:
            break
        if line.strip().lower() in ("quit", "exit", "/quit", "/exit"):
            break
        await handle(line)
    stop.set()
