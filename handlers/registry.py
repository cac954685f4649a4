"""The one command registry: it feeds the Telegram handlers, /help, the console chat and set_my_commands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from regimebot.handlers.messages.reply import Reply

if TYPE_CHECKING:  # registering commands must not open the storage and market-data wiring
    from regimebot.handlers.context import Services


@dataclass(frozen=True)
class Chat:
    """Where a command was asked: Telegram chat id and type (private, group, supergroup, channel)."""

    id: int
    type: str = "private"
    title: str = ""
    thread_id: int | None = None  # forum topic to answer in

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup", "channel")


@dataclass(frozen=True)
class Request:
    """One command as the handlers see it, from Telegram or the console chat."""

    command: str
    args: tuple[str, ...]
    chat: Chat
    user_id: int | None
    lang: str
    services: Services
    is_admin: bool = False


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Command:
    """A chat command. `admin` commands change shared state and need an admin in groups.

    `summary` and `usage` are message-catalog keys (handlers/locales); handlers are synchronous
    and run off the event loop (they may do pandas, SQLite and network work). A handler that `writes`
    runs inside one store transaction (the dispatcher's): an error after a write takes every write back.
    Such a handler must not wait on the network (it would hold the store's lock meanwhile).
    """

    name: str
    handler: Handler
    summary: str
    usage: str
    admin: bool = False
    menu: bool = True
    group: str = "general"
    writes: bool = False


@dataclass(frozen=True)
class Callback:
    """An inline-button handler: callback data `prefix:rest`; the handler validates `rest` (`writes`: as Command's)."""

    prefix: str
    handler: Callable[[Request, str], Reply]
    admin: bool = False
    writes: bool = False


class Registry:
    """Commands and button callbacks by name, in registration order."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._callbacks: dict[str, Callback] = {}

    def add(self, command: Command) -> Command:
        if command.name in self._commands:
            raise ValueError(f"command /{command.name} registered twice")
        self._commands[command.name] = command
        return command

    def command(self, name: str, *, summary: str, usage: str, admin: bool = False, menu: bool = True, group: str = "general",
                writes: bool = False):
        """Decorator registering a handler function as /name."""

        def wrap(fn: Handler) -> Handler:
            self.add(Command(name, fn, summary, usage, admin, menu, group, writes))
            return fn

        return wrap

    def callback(self, prefix: str, *, admin: bool = False, writes: bool = False):
        """Decorator registering an inline-button handler for callback data `prefix:...`."""

        def wrap(fn):
            if prefix in self._callbacks:
                raise ValueError(f"callback prefix {prefix} registered twice")
            self._callbacks[prefix] = Callback(prefix, fn, admin, writes)
            return fn

        return wrap

    def get(self, name: str) -> Command | None:
        return self._commands.get(name.lower())

    def get_callback(self, prefix: str) -> Callback | None:
        return self._callbacks.get(prefix)

    def commands(self) -> list[Command]:
        return list(self._commands.values())

    def callbacks(self) -> list[Callback]:
        return list(self._callbacks.values())


REGISTRY = Registry()
