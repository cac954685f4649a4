"""Webhook mode end to end: `regimebot run --webhook` registers its URL and secret, answers signed updates only."""

from __future__ import annotations

import json
import signal
import socket
import urllib.error
import urllib.request

from tests.fakebot import FakeBotServer
from tests.fakebot.process import bot_env, start_bot, wait_until

TOKEN = "626262:webhook-test-token-Zx9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def post_when_listening(url: str, update: dict, secret: str | None) -> int | None:
    """post(), or None while nothing listens yet (PTB may register the webhook before its server accepts)."""
    try:
        return post(url, update, secret)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            return None
        raise


def test_webhook_mode_answers_signed_updates_only(tmp_path):
    port = free_port()
    with FakeBotServer().run_in_thread() as server:
        env = bot_env(server.base_url, tmp_path / "bot.db", TOKEN)
        bot = start_bot(env, "run", "--webhook", "https://bot.example.com/tg", "--listen", f"127.0.0.1:{port}")
        try:
            wait_until(lambda: server.calls_of("setWebhook"), 60, "setWebhook", bot)
            registered = server.calls_of("setWebhook")[-1].params
            assert registered["url"] == "https://bot.example.com/tg"
            secret = registered["secret_token"]
            assert len(secret) >= 32

            forged = {"update_id": 1, "message": server.message_json(4242, "/dxy", user_id=77)}
            wait_until(lambda: post_when_listening(f"http://127.0.0.1:{port}/tg", forged, "wrong-secret") == 403, 30,
                       "the webhook server", bot)
            signed = {"update_id": 2, "message": server.message_json(4242, "/start", user_id=77)}
            assert post(f"http://127.0.0.1:{port}/tg", signed, secret) == 200
            wait_until(lambda: server.messages_to(4242), 30, "the answer to /start", bot)
            answers = server.messages_to(4242)
            assert len(answers) == 1 and "/help" in answers[0]["text"]  # the forged /dxy got nothing
        finally:
            bot.send_signal(signal.SIGTERM)
            out, err = bot.communicate(timeout=30)
        assert bot.returncode == 0, err
        assert TOKEN not in out + err
