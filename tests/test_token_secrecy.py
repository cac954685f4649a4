"""The bot token never appears in logs or output: a real `regimebot -v run` (debug logging) is captured."""

from __future__ import annotations

import logging
import signal

from regimebot.macro.redaction import MASK, RedactingFilter, Redactor
from tests.fakebot import FakeBotServer
from tests.fakebot.process import bot_env, start_bot, wait_until

TOKEN = "8080808080:AAH-recognisable-SECRET-token_x9Zq"


def test_token_is_absent_from_debug_logs_and_output_of_a_run(tmp_path):
    with FakeBotServer().run_in_thread() as server:
        proc = start_bot(bot_env(server.base_url, tmp_path / "bot.db", TOKEN), "-v", "run")
        wait_until(lambda: bool(server.calls_of("getUpdates")), 60, "polling", proc)
        server.command(71, "/help")
        server.command(72, "/why 1 2")  # a usage answer
        server.command(73, "/nosuch")
        wait_until(lambda: all(server.messages_to(c) for c in (71, 72, 73)), 60, "answers", proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        seen_tokens = {c.token for c in server.calls}
    assert proc.returncode == 0, err
    assert seen_tokens == {TOKEN}  # the token was really in use on the wire
    assert "getUpdates" in err and "DEBUG" in err  # debug logging really ran (so the check below means something)
    assert TOKEN not in out and TOKEN not in err
    assert TOKEN.split(":")[1] not in err  # not even the secret half


def test_redactor_scrubs_messages_arguments_and_tracebacks():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    logger = logging.getLogger("test.redactor")
    handler = Keep()
    handler.addFilter(RedactingFilter(Redactor([TOKEN])))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("url https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"failed POST /bot{TOKEN}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert TOKEN not in text
    assert text.count(MASK) == 2 and "RuntimeError" in text


def test_unreachable_api_is_one_line_without_the_token(tmp_path):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = start_bot(bot_env(f"http://127.0.0.1:{port}/bot", tmp_path / "bot.db", TOKEN), "-v", "run")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    lines = [line for line in err.splitlines() if line.startswith("regimebot:")]
    assert len(lines) == 1 and "cannot reach the Telegram Bot API" in lines[0]
    assert TOKEN not in out + err and "Traceback" not in err
