"""One dispatcher for every front end (Telegram and the console chat): the access rules, the chat's language,
the admin gate, resuming a chat that was paused, the handler itself, and the one error reply.

A front end turns what it received into an `Incoming` (a command line or a button press), asks `route` what
it needs to know (is the user's admin status needed? — only Telegram has to ask the network for it), then
calls `run`. Both are synchronous: they read SQLite and run handlers, so Telegram calls them off the event
loop. Nothing here knows Telegram.

A handler registered with `writes=True` runs inside one `store.transaction()`: an error after its first write
takes every write back before the one polite reply. Such handlers never wait on the network or another thread
(no refresh, no Telegram call, no cycle lock): the longest, /signal, evaluates the cached market once, so a job
waiting for the store's lock waits no longer than one evaluation. /evaluate, which downloads, is not one of
them (the cycle keeps its own transactions and its failed-run record).
"""

from __future__ import annotations

import html
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from regimebot.handlers.context import Services
from regimebot.handlers.messages.i18n import normalize_language, t
from regimebot.handlers.messages.reply import Reply
from regimebot.handlers.registry import Callback, Chat, Command, Registry, Request
from regimebot.storage.db import StorageError, storage_fault

log = logging.getLogger(__name__)

CALLBACK_DATA = re.compile(r"^([a-z_]{1,16}):([A-Za-z0-9_.:#-]{0,60})$")
# What Telegram marks as a bot_command at the start of a message (the console reads typed lines the same way)
BOT_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]{3,32})?")


def command_line(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(command name, arguments) of a typed line as Telegram reads it: `/dxy.` is /dxy; None: not a command."""
    match = BOT_COMMAND.match(text)
    if match is None:
        return None
    return match.group(1).lower(), tuple(text.split()[1:])
MAX_CALLBACK_BYTES = 64  # Telegram's limit; longer data was not ours


@dataclass(frozen=True)
class Incoming:
    """What a front end received: a command with its arguments, or a button's callback data."""

    chat: Chat
    user_id: int | None
    user_language: str | None = None
    command: str = ""
    args: tuple[str, ...] = ()
    button: str | None = None  # raw callback data of a pressed button
    session_language: str | None = None  # an explicit choice for this session (console --lang): wins over the stored one


@dataclass(frozen=True)
class Route:
    """Where an incoming update goes, decided before anything runs."""

    lang: str
    allowed: bool
    command: Command | None = None
    callback: Callback | None = None
    payload: str = ""  # the validated part of the callback data after `prefix:`

    @property
    def admin_only(self) -> bool:
        """Only an administrator may run it here (admin commands and buttons, in groups and channels)."""
        target = self.command or self.callback
        return target is not None and target.admin


@dataclass(frozen=True)
class Outcome:
    """The dispatcher's answer: a reply to send, and for a button a short notice on the button (a toast)."""

    reply: Reply | None = None
    toast: str | None = None


class Dispatcher:
    """Routes commands and button presses to the registry's handlers under the same rules for every front end."""

    def __init__(self, registry: Registry, services: Services) -> None:
        self.registry = registry
        self.services = services
        self._refused: set[int] = set()

    # --- routing ---------------------------------------------------------------------------

    def language(self, chat_id: int, user_language: str | None) -> str:
        """The chat's stored language, else the user's Telegram language."""
        prefs = self.services.store.chats.get_chat(chat_id)
        return prefs.language if prefs is not None else normalize_language(user_language)

    def allowed(self, chat_id: int) -> bool:
        """A chat may use the bot: any chat when REGIMEBOT_ALLOWED_CHATS is empty, else only those listed."""
        allowed = self.services.settings.allowed_chats
        return not allowed or chat_id in allowed

    def route(self, incoming: Incoming) -> Route:
        """The language, whether the chat is allowed, and the command or button it names (None: unknown)."""
        lang = incoming.session_language or self.language(incoming.chat.id, incoming.user_language)
        allowed = self.allowed(incoming.chat.id)
        if incoming.button is not None:
            data = incoming.button
            match = CALLBACK_DATA.match(data) if len(data.encode()) <= MAX_CALLBACK_BYTES else None
            callback = self.registry.get_callback(match.group(1)) if match else None
            return Route(lang, allowed, callback=callback, payload=match.group(2) if match and callback else "")
        return Route(lang, allowed, command=self.registry.get(incoming.command))

    # --- running ---------------------------------------------------------------------------

    def run(self, route: Route, incoming: Incoming, is_admin: bool) -> Outcome:
        """Apply the rules, then run the handler; an unexpected error becomes one apologetic line (and a log entry)."""
        chat = incoming.chat
        if not route.allowed:
            return self._refusal(chat.id, route, incoming)
        button = incoming.button is not None
        if button and route.callback is None:
            return Outcome(toast=t(route.lang, "alerts.button_stale"))
        if not button and route.command is None:
            if chat.type != "private":
                return Outcome()  # groups stay quiet about commands meant for other bots
            return Outcome(Reply(t(route.lang, "runtime.unknown_command")))
        if route.admin_only and chat.is_group and not is_admin:
            if button:
                return Outcome(toast=t(route.lang, "alerts.not_admin"))
            name = route.command.name if route.command else ""
            return Outcome(Reply("⛔ " + t(route.lang, "runtime.admin_only", command=html.escape(name))))
        self.resume(chat.id)
        if route.callback is not None:
            callback, payload = route.callback, route.payload
            request = self._request(callback.prefix, (payload,), route, incoming, is_admin)
            return Outcome(self._guarded(lambda: callback.handler(request, payload), route.lang, callback.writes))
        assert route.command is not None
        command = route.command
        request = self._request(command.name, incoming.args, route, incoming, is_admin)
        return Outcome(self._guarded(lambda: command.handler(request), route.lang, command.writes))

    def dispatch(self, incoming: Incoming, is_admin: bool) -> Outcome:
        """Route and run in one call (a front end that knows the user's admin status up front)."""
        return self.run(self.route(incoming), incoming, is_admin)

    def error_reply(self, lang: str) -> Reply:
        """The one apology for an error (also used by Telegram's error handler)."""
        return Reply(t(lang, "runtime.error"))

    def resume(self, chat_id: int) -> bool:
        """A paused chat (bot blocked or removed) that talks to the bot again gets its alerts again."""
        store = self.services.store
        with store.transaction():
            prefs = store.chats.get_chat(chat_id)
            if prefs is None or not prefs.paused:
                return False
            store.chats.set_paused(chat_id, False)
        log.info("chat %s is reachable again (was paused: %s); deliveries resume", chat_id, prefs.paused_reason)
        return True

    def membership(self, chat_id: int, status: str) -> bool:
        """The bot's own membership changed (my_chat_member): removed or blocked pauses the chat, re-added resumes it.

        Returns whether the chat's pause changed. Chats the bot never talked to are left alone.
        """
        if status in ("kicked", "left"):
            store = self.services.store
            with store.transaction():
                prefs = store.chats.get_chat(chat_id)
                if prefs is None or prefs.paused:
                    return False
                store.chats.set_paused(chat_id, True, f"bot {status} from the chat")
            log.info("chat %s: the bot was %s; deliveries pause", chat_id, status)
            return True
        if status in ("member", "administrator", "restricted", "creator"):
            return self.resume(chat_id)
        return False

    # --- internals -------------------------------------------------------------------------

    def _refusal(self, chat_id: int, route: Route, incoming: Incoming) -> Outcome:
        """One polite refusal per chat outside REGIMEBOT_ALLOWED_CHATS, then silence (a button gets a toast)."""
        if incoming.button is not None:
            return Outcome(toast=t(route.lang, "runtime.not_allowed"))
        if chat_id in self._refused:
            return Outcome()
        self._refused.add(chat_id)
        return Outcome(Reply(t(route.lang, "runtime.not_allowed")))

    def _request(self, name: str, args: tuple[str, ...], route: Route, incoming: Incoming, is_admin: bool) -> Request:
        return Request(name, args, incoming.chat, incoming.user_id, route.lang, self.services, is_admin)

    def _guarded(self, call: Callable[[], Reply], lang: str, writes: bool) -> Reply:
        """Run a handler; one that writes runs in one transaction, so an error after a write leaves nothing stored."""
        try:
            if not writes:
                return call()
            with self.services.store.transaction():
                return call()
        except (sqlite3.Error, StorageError) as exc:  # corrupt, full or locked: one polite line, no traceback
            fault = storage_fault(exc) if isinstance(exc, sqlite3.Error) else exc
            log.error("storage fault while handling a command: %s", fault)
            return Reply(t(lang, "runtime.storage_error", reason=html.escape(str(fault))))
        except Exception:  # the one error handler for handlers: log it, apologise, keep the bot alive
            log.exception("handler failed")
            return self.error_reply(lang)
