"""`regimebot evaluate` and `regimebot replay` (watch-list engine) — filled in by the engine issue."""


def register(sub) -> None:
    return None
