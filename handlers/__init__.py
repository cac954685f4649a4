"""Chat command handlers: parse arguments, ask macro, return a Reply. Shared by Telegram and the console."""

# Modules that register commands on handlers.registry.REGISTRY (imported by load_commands()).
COMMAND_MODULES: list[str] = [
    "regimebot.handlers.start",
    "regimebot.handlers.market",
    "regimebot.handlers.subscriptions",
    "regimebot.handlers.settings",
    "regimebot.handlers.watch",
    "regimebot.handlers.backtest",
    "regimebot.handlers.status",
    "regimebot.handlers.admin",
    "regimebot.handlers.manual",
    "regimebot.handlers.alerts",
    "regimebot.handlers.scenario", "regimebot.handlers.portfolio", "regimebot.handlers.correlation", "regimebot.handlers.chart",
    "regimebot.handlers.journal", "regimebot.handlers.reload",
]


def load_commands():
    """Import every command module so its commands are registered; returns the registry."""
    import importlib

    from regimebot.handlers.registry import REGISTRY

    for name in COMMAND_MODULES:
        importlib.import_module(name)
    return REGISTRY
