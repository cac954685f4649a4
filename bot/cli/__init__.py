"""The `regimebot` command line: parse arguments, call the library, turn its errors into user errors."""

from __future__ import annotations

import argparse
import importlib
import logging
import sqlite3
import sys

from regimebot.bot.cli.common import UsageError
from regimebot.bot.config import ConfigError, load_settings
from regimebot.bot.log_redaction import install_redaction
from regimebot.macro.redaction import Redactor

# Each module defines register(subparsers); its subcommands set func(args, settings) -> exit status.
SUBCOMMAND_MODULES = (
    "regimebot.bot.cli.market",    # quote, fetch
    "regimebot.bot.cli.engine",    # evaluate, replay
    "regimebot.bot.cli.scenario",  # scenario, corr
    "regimebot.bot.cli.run",       # run (Telegram)
    "regimebot.bot.cli.console",   # demo, chat
    "regimebot.bot.cli.ops",       # doctor, backup
    "regimebot.bot.cli.journal",   # journal
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regimebot", description="Macro regime watch list with Telegram alerts.")
    parser.add_argument("--config", metavar="PATH", help="TOML config file (default: $REGIMEBOT_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean bad input or config (exit 2), from each layer's exception family."""
    from regimebot.macro.catalog import CatalogError
    from regimebot.storage.db import DatabaseUnusable

    errors: list[type[BaseException]] = [ConfigError, UsageError, CatalogError, DatabaseUnusable]
    from regimebot.macro.signal_specs import WatchlistError

    errors.append(WatchlistError)
    return tuple(errors)


def _runtime_errors() -> tuple[type[BaseException], ...]:
    """Faults at run time (exit 1): storage and data problems."""
    from regimebot.macro.providers import DataError
    from regimebot.storage.db import StorageError

    return (StorageError, DataError, OSError)


def one_line(exc: BaseException) -> str:
    """An error's message on one line (a multi-line library message would read as several problems)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    redact = Redactor()  # knows the configured secrets once the settings are read
    where = "the database"
    try:
        settings = load_settings(args.config)
        redact = Redactor(settings.secrets())
        where = f"database {settings.db}"
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.getLevelNamesMapping()[settings.log_level],
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        install_redaction(redact)
        return int(args.func(args, settings) or 0)
    except _user_errors() as exc:
        print(f"regimebot: {redact(one_line(exc))}", file=sys.stderr)
        return 2
    except _runtime_errors() as exc:
        print(f"regimebot: {redact(one_line(exc))}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # corrupt page, full disk, locked too long: one line, exit 1
        from regimebot.storage.db import storage_fault  # here: `regimebot --help` imports no storage library

        print(f"regimebot: {redact(str(storage_fault(exc, where)))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
