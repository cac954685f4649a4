"""Fake Telegram Bot API server for tests and benchmarks."""
from tests.fakebot.server import Call, FakeBotServer, Fault, ServerLimits

__all__ = ["Call", "FakeBotServer", "Fault", "ServerLimits"]
