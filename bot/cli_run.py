"""`regimebot run`: the Telegram bot — filled in by the bot issue."""


def register(sub) -> None:
    return None
