"""`regimebot doctor` (deployment self-check) and `regimebot backup PATH` (online copy of the database)."""

from __future__ import annotations

import argparse
from pathlib import Path

from regimebot.bot.cli.common import UsageError
from regimebot.bot.config import Settings
from regimebot.macro.redaction import Redactor


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dr = sub.add_parser("doctor", help="check the deployment: token, webhook, data source, database, clock, disk")
    dr.set_defaults(func=run_doctor)
    bk = sub.add_parser("backup", help="copy the live database to PATH (online, safe while the bot runs)")
    bk.add_argument("path", metavar="PATH", help="the backup file to write (must not exist yet)")
    bk.set_defaults(func=run_backup)


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """One line per check; exit 0 when every check passes, 1 when one fails."""
    from regimebot.bot.cli.doctor import report, run_checks

    return report(run_checks(settings), Redactor(settings.secrets()))


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Back up REGIMEBOT_DB to PATH and say what was written (a BackupError exits 1 with one line)."""
    from regimebot.storage.maintenance import backup_database

    target = Path(args.path).expanduser()
    if target.exists():
        raise UsageError(f"backup PATH: {target} already exists; give a new file name (a backup never overwrites)")
    if not settings.db.is_file():
        raise UsageError(f"there is no database at {settings.db} to back up; check REGIMEBOT_DB")
    done = backup_database(settings.db, target)
    print(f"backed up {done.source} to {done.target}: {done.pages} pages, schema v{done.schema_version}, "
          f"integrity {done.integrity}")
    return 0
