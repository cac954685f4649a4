"""`regimebot scenario` and `regimebot corr` — filled in by the scenario issue."""


def register(sub) -> None:
    return None
