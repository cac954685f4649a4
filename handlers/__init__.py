"""Chat command handlers: parse arguments, ask macro, return a Reply. Shared by Telegram and the console."""

# Modules that register commands on handlers.registry.REGISTRY (imported by load_commands()).
COMMAND_MODULES: list[str] = [
    "handlers.start",
    "handlers.market",
    "handlers.subscriptions",
    "handlers.settings",
    "handlers.watch",
    "handlers.backtest",
    "handlers.status",
    "handlers.admin",
    "handlers.manual",
    "handlers.alerts",
    "handlers.scenario", "handlers.portfolio", "handlers.correlation", "handlers.chart",
]


def load_commands():
    """Import every command module so its commands are registered; returns the registry."""
    import importlib

    from handlers.registry import REGISTRY

    for name in COMMAND_MODULES:
        importlib.import_module(name)
    return REGISTRY
