"""Shared by the CLI subcommand modules: the usage error and JSON printing."""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from typing import Any


class UsageError(ValueError):
    """Bad command-line arguments; the message names the argument and what was expected (exit 2)."""


def iso_date(text: str, argument: str) -> date:
    """An ISO date argument, or a UsageError naming the argument."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{argument}: expected an ISO date like 2024-01-31, got {text!r}") from None


def _default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _clean(value: Any) -> Any:
    """NaN/inf become null: JSON has no NaN, and missing data is unknown, not a number."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def print_json(payload: Any) -> None:
    json.dump(_clean(payload), sys.stdout, default=_default, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
