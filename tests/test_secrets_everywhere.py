"""No secret in any store: an error page quoting the token path and a DEBUG setWebhook leave no trace of the
token or the webhook secret in the logs, the database file or any reply (defect 2 of issue 12)."""

from __future__ import annotations

import asyncio
import io
import logging
import signal
import socket
from pathlib import Path

from regimebot.bot.log_redaction import install_redaction
from regimebot.jobs.deliver import RetryPolicy
from regimebot.macro.redaction import MASK, RedactingFilter, Redactor
from regimebot.storage.outbox import Delivery
from tests.fakebot import FakeBotServer, Fault
from tests.fakebot.harness import (
    ADMIN,
    STRESS_END,
    deliver_all,
    demo_provider,
    evaluate,
    fast_options,
    make_settings,
    quick_chat_limits,
    running_bot,
)
from tests.fakebot.process import bot_env, start_bot, wait_until

TOKEN = "7070707070:AAF-recognisable-SECRET-token_Qx81"
SECRET = "whsec-Recognisable_Webhook_Secret-93"
CHAT = 601


def _secrets_in(text: str) -> list[str]:
    """Which secrets (or their telling halves) appear in `text`."""
    return [s for s in (TOKEN, TOKEN.split(":")[1], SECRET) if s in text]


def _database_bytes(db: Path) -> str:
    """The database file and its WAL, as text (what someone copying the files would have)."""
    return "".join(p.read_bytes().decode("latin-1") for p in db.parent.glob(db.name + "*"))


def test_an_error_page_quoting_the_token_path_is_masked_in_logs_database_and_every_reply(tmp_path):
    db = tmp_path / "bot.db"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    server_limits, bot_limits = quick_chat_limits()
    provider = demo_provider()

    async def scenario() -> tuple[FakeBotServer, list[Delivery]]:
        async with FakeBotServer(limits=server_limits) as server:
            settings = make_settings(server, db, telegram_bot_token=TOKEN, webhook_secret=SECRET)
            install_redaction(Redactor(settings.secrets()))  # what `regimebot` does at start-up, for every command
            options = fast_options(bot_limits, policy=RetryPolicy(base=0.1, cap=0.1, max_attempts=1))
            async with running_bot(server, settings, provider=provider, options=options) as rt:
                server.command(CHAT, "/subscribe all", user_id=CHAT)
                await server.wait_for(lambda: bool(server.messages_to(CHAT)), what="the subscription")
                await evaluate(rt)
                # a proxy's error page quoting the request path: twice as a 200, then as 502s
                server.faults += [Fault("html200", chat_id=CHAT, times=2), Fault("html502", chat_id=CHAT, times=50)]
                provider.reveal_until = STRESS_END
                flipped = await evaluate(rt)
                assert flipped.alert_ids, "the stress episode must raise alerts to deliver"
                await deliver_all(rt, server)
                server.faults.clear()
                server.command(CHAT, "/status", user_id=CHAT)
                server.command(ADMIN, "/status", user_id=ADMIN)
                await server.wait_for(lambda: len(server.messages_to(CHAT)) >= 2 and bool(server.messages_to(ADMIN)),
                                      what="/status answers")
                rows = rt.services.store.outbox.failed_deliveries(limit=1000)
            return server, rows

    try:
        server, rows = asyncio.run(scenario())
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for f in [f for f in root.filters if isinstance(f, RedactingFilter)]:
            root.removeFilter(f)
    # the pages really quoted the token, and it really reached the stored errors (masked)
    assert {c.token for c in server.calls} == {TOKEN}  # the pages quoted the real token path
    errors = [r.last_error or "" for r in rows if r.chat_id == CHAT]
    assert len(errors) >= 3 and sum("Invalid server response" in e for e in errors) == 2, errors
    assert all(MASK in e and "/sendmessage" in e for e in errors if "Bad Gateway" in e), errors  # stored, masked
    status_replies = [m["text"] for c in (CHAT, ADMIN) for m in server.messages_to(c) if "Last failure" in (m["text"] or "")]
    assert len(status_replies) == 2 and all(MASK in text for text in status_replies), status_replies  # shown, masked
    logs = stream.getvalue()
    assert "DEBUG " in logs and "Can not load invalid JSON data" in logs  # PTB logged the page it could not parse
    assert _secrets_in(logs) == []
    assert _secrets_in(_database_bytes(db)) == []
    assert _secrets_in("\n".join(str(m["text"]) + str(m["reply_markup"]) for m in server.sent)) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_debug_set_webhook_logs_neither_the_token_nor_the_webhook_secret(tmp_path):
    db = tmp_path / "bot.db"
    with FakeBotServer().run_in_thread() as server:
        env = bot_env(server.base_url, db, TOKEN, REGIMEBOT_WEBHOOK_SECRET=SECRET)
        proc = start_bot(env, "-v", "run", "--webhook", "https://bot.example.com/tg", "--listen", f"127.0.0.1:{_free_port()}")
        wait_until(lambda: bool(server.calls_of("setWebhook")), 60, "setWebhook", proc)
        wait_until(lambda: bool(server.calls_of("setMyCommands")), 30, "start-up", proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        sent_secret = server.calls_of("setWebhook")[0].params.get("secret_token")
    assert proc.returncode == 0, err
    assert sent_secret == SECRET  # the secret really went over the wire
    assert "setWebhook" in err and "DEBUG" in err and "secret_token" in err  # PTB's debug line with its parameters ran
    assert _secrets_in(out + err) == [], [line for line in err.splitlines() if _secrets_in(line)][:3]
    assert _secrets_in(_database_bytes(db)) == []


def test_the_redactor_masks_configured_secrets_token_shapes_and_url_credentials():
    redact = Redactor([TOKEN, SECRET, "short"])
    text = (f"POST /bot{TOKEN}/sendMessage; half {TOKEN.split(':')[1]}; hook {SECRET}; "
            "other 123456789:AAAbbbCCCdddEEEfffGGGhhhIIIjjjKKK; https://fred/x.csv?id=DGS10&api_key=abcdef123456")
    masked = redact(text)
    assert _secrets_in(masked) == [] and "123456789:AAA" not in masked and "abcdef123456" not in masked
    assert "id=DGS10" in masked and "short" not in redact.__dict__.get("_secrets", [])
    assert redact("nothing secret here") == "nothing secret here"
