"""`regimebot chat` (console chat on the configured data) and `regimebot demo` (offline, SIMULATED market).

Registering them imports nothing heavy: the console session (bot/console/session.py: the chat, the jobs,
the demo's clock) is imported when one of them runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from regimebot.bot.cli.common import UsageError
from regimebot.bot.config import Settings
from regimebot.handlers.messages.i18n import LANGUAGES, t


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = sub.add_parser("chat", help="chat with the bot in the terminal, on the configured data")
    chat.add_argument("--output", metavar="DIR", help="folder for images (default: a new temporary folder)")
    chat.add_argument("--lang", choices=LANGUAGES,
                      help="language of this session, over the chat's stored one (default: the stored language, else the config's)")
    chat.set_defaults(func=run_chat)
    demo = sub.add_parser("demo", help="offline demo on a SIMULATED market: chat, and watch alerts fire")
    demo.add_argument("--output", metavar="DIR", help="folder for images (default: a new temporary folder)")
    demo.add_argument("--lang", choices=LANGUAGES, help="language of the demo chat (default: en)")
    demo.add_argument("--step", type=float, default=2.0, metavar="SECONDS",
                      help="seconds between simulated days in the interactive demo (default 2)")
    demo.add_argument("--scripted", action="store_true", help="play the scripted tour even on a terminal")
    demo.set_defaults(func=run_demo)


def _output_dir(args: argparse.Namespace, prefix: str) -> Path:
    if args.output:
        path = Path(args.output)
        if path.exists() and not path.is_dir():
            raise UsageError(f"--output: {path} exists and is not a folder")
        return path
    return Path(tempfile.mkdtemp(prefix=prefix))


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """The console chat on the configured data source and database."""
    from regimebot.bot.console import session

    return session.run_chat(settings, args.lang, _output_dir(args, "regimebot-images-"))


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """`regimebot demo`: offline, on the SIMULATED market, in a temporary database."""
    import asyncio

    from regimebot.bot.console import session

    if not args.verbose:  # the global -v flag
        logging.getLogger("regimebot.jobs").setLevel(logging.WARNING)
    if args.step <= 0 or args.step > 60:
        raise UsageError(f"--step: expected seconds between 0 and 60, got {args.step:g}")
    with tempfile.TemporaryDirectory(prefix="regimebot-demo-") as tmp:
        demo = session.build_demo(settings, args.lang, _output_dir(args, "regimebot-images-"), Path(tmp) / "demo.db")
        chat = demo.chat
        try:
            chat.screen.note(t(chat.lang, "console.demo_banner", images=str(chat.screen.output_dir)))
            if args.scripted or not sys.stdin.isatty():
                asyncio.run(session.tour(demo))
            else:
                asyncio.run(session.live_demo(demo, args.step))
        finally:
            chat.services.store.close()
    return 0
