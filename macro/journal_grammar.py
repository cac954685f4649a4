"""The journal commands' grammar, shared by the chat and the CLI.

Fields are `key=value`, `--key value` or `--key=value`; words that are not fields are the note:

    open THESIS [entry=DATE] [level=X] [horizon=18m] [conviction=1..5] [pain=15%] [series=ID] [side=long|short] [NOTE…]
    note THESIS [horizon=…] [conviction=…] [pain=…] [NOTE…]
    catalyst THESIS DATE TEXT…   |   catalyst THESIS done ID
    close THESIS [REASON…]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from regimebot.macro.journal import SIDES, JournalError

OPEN_FIELDS = ("entry", "level", "horizon", "conviction", "pain", "series", "side")
NOTE_FIELDS = ("horizon", "conviction", "pain")
MAX_TEXT = 300
_HORIZON = re.compile(r"^(\d{1,4})([dwmy])$")
_HORIZON_MAX_DAYS = {"d": 1, "w": 7, "m": 31, "y": 366}


@dataclass(frozen=True)
class Parsed:
    """Validated fields (by name) and the free text."""

    fields: dict[str, Any]
    text: str


def parse_horizon(text: str) -> str:
    """'18m', '2y', '6w' or '90d' (at most about 30 years), normalised to lower case."""
    match = _HORIZON.match(text.strip().lower())
    if not match or int(match.group(1)) < 1:
        raise JournalError(f"horizon: expected a number and d, w, m or y such as 18m or 2y (got {text!r})")
    if int(match.group(1)) * _HORIZON_MAX_DAYS[match.group(2)] > 31 * 366:
        raise JournalError(f"horizon: at most 30 years (got {text!r})")
    return f"{int(match.group(1))}{match.group(2)}"


def parse_pain(text: str) -> float:
    """A pain budget such as 15% (or 15): the drawdown accepted, more than 0 and at most 100 percent."""
    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise JournalError(f"pain: expected a percentage such as 15% (got {text!r})") from None
    if not math.isfinite(value) or not 0 < value <= 100:
        raise JournalError(f"pain: expected more than 0% and at most 100% (got {text!r})")
    return value


def parse_conviction(text: str) -> int:
    """A conviction from 1 (low) to 5 (high)."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 5:
        raise JournalError(f"conviction: expected a whole number from 1 to 5 (got {text!r})")
    return int(text)


def parse_date(text: str, name: str) -> date:
    """An ISO date argument."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise JournalError(f"{name}: expected an ISO date like 2024-01-31 (got {text!r})") from None


def parse_level(text: str) -> float:
    """An entry level: a positive finite number."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise JournalError(f"level: expected a positive number such as 92.5 (got {text!r})") from None
    if not math.isfinite(value) or value <= 0:
        raise JournalError(f"level: expected a positive number such as 92.5 (got {text!r})")
    return value


def parse_side(text: str) -> str:
    side = text.strip().lower()
    if side not in SIDES:
        raise JournalError(f"side: expected long or short (got {text!r})")
    return side


def parse_series(text: str) -> str:
    series = text.strip().upper()
    if not re.fullmatch(r"[A-Z0-9_.^=-]{1,20}", series):
        raise JournalError(f"series: expected a catalog id such as TLT (got {text!r})")
    return series


_PARSERS = {
    "entry": lambda v: parse_date(v, "entry"),
    "level": parse_level,
    "horizon": parse_horizon,
    "conviction": parse_conviction,
    "pain": parse_pain,
    "series": parse_series,
    "side": parse_side,
}


def parse_fields(tokens: Sequence[str], allowed: Sequence[str]) -> Parsed:
    """Split `key=value` / `--key value` fields (validated) from the free text; an unknown --key is an error."""
    fields: dict[str, Any] = {}
    words: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, value = None, None
        if token.startswith("--"):
            key, _, value = token[2:].partition("=")
            if not value:
                if i + 1 >= len(tokens):
                    raise JournalError(f"--{key}: expected a value after it")
                value = tokens[i + 1]
                i += 1
            if key.lower() not in allowed:
                raise JournalError(f"--{key}: not an option here; expected one of {', '.join(allowed)}")
        elif "=" in token and token.split("=", 1)[0].lower() in _PARSERS:
            key, _, value = token.partition("=")
            if key.lower() not in allowed:
                raise JournalError(f"{key}: not a field here; expected one of {', '.join(allowed)}")
        if key is None:
            words.append(token)
        else:
            name = key.lower()
            if name in fields:
                raise JournalError(f"{name}: given twice")
            fields[name] = _PARSERS[name](value or "")
        i += 1
    text = " ".join(words).strip()
    if len(text) > MAX_TEXT:
        raise JournalError(f"note: at most {MAX_TEXT} characters (got {len(text)})")
    return Parsed(fields, text)


@dataclass(frozen=True)
class CatalystCommand:
    """Add a dated catalyst, or mark catalyst `done` (its id) as happened."""

    date: date | None = None
    text: str = ""
    done: int | None = None


def parse_catalyst(tokens: Sequence[str]) -> CatalystCommand:
    """`DATE TEXT…` or `done ID`."""
    if not tokens:
        raise JournalError("catalyst: expected DATE TEXT (e.g. 2026-03-31 two Fed cuts) or done ID")
    if tokens[0].lower() == "done":
        raw = tokens[1].lstrip("#") if len(tokens) == 2 else ""
        if not raw.isdigit():
            raise JournalError("done: expected the catalyst's id, e.g. done 12 (see /journal THESIS)")
        return CatalystCommand(done=int(raw))
    when = parse_date(tokens[0], "catalyst date")
    text = " ".join(tokens[1:]).strip()
    if not text:
        raise JournalError("catalyst: say what is expected after the date (e.g. 2026-03-31 two Fed cuts)")
    if len(text) > MAX_TEXT:
        raise JournalError(f"catalyst: at most {MAX_TEXT} characters (got {len(text)})")
    return CatalystCommand(date=when, text=text)
