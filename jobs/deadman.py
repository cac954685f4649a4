"""The dead-man switch: tell the admins when no evaluation has completed for longer than configured."""

from __future__ import annotations

from datetime import datetime, timedelta


def deadman_due(last_success: datetime | None, started_at: datetime, now: datetime, after: float,
                last_warned: datetime | None = None) -> bool:
    """True when nothing succeeded for `after` seconds (counted from start if never) and we have not warned since."""
    reference = last_success or started_at
    if now - reference <= timedelta(seconds=after):
        return False
    if last_warned is not None and now - last_warned <= timedelta(seconds=after):
        return False  # warned already; repeat at most once per `after` period
    return True
