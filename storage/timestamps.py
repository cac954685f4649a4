"""Timestamps as stored: UTC ISO text that sorts like the instants it names."""

from __future__ import annotations

from datetime import UTC, datetime


def to_ts(when: datetime | None) -> str:
    """UTC timestamp text (now when None) that sorts like the instant it names."""
    when = when or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_ts(text: str | None) -> datetime | None:
    """The instant stored as `text` (None when there is none)."""
    return datetime.fromisoformat(text) if text else None


def parse_required_ts(text: str) -> datetime:
    """The instant of a NOT NULL timestamp column."""
    return datetime.fromisoformat(text)
