"""The one argument grammar of /scenario, /corr and /chart, shared by the chat and the command line.

    FUND [SHIFT…] [horizon=12m] [dur=16] [cvx=300] [yield=4.6%]        bond fund (TLT, IEF, … presets)
    FUND [SHIFT…] [over=12m] [vol=100bp] [fee=1%] [fin=4%] [paths=1000] [seed=7] [lev=3]   leveraged (TMF)
    margin lev=2 [mm=25%] [fall=10%]
    shock SERIES=±N% | SERIES=±Nbp … [lookback=1y]
    bet p=30% up=+35% down=-10% [max=25%]
    corr: [SERIES…] [lookback=1y]          chart: SERIES [period]

SHIFT is a parallel yield move: -100bp, +50bp or -1% (percentage points). Percentages may omit the
%: `mm=25` is 25%; a bare number below 1 (`mm=0.25`) is refused, as it could mean 25% or 0.25%.
Periods: 90d, 6w, 12m, 2y. Keys are case-insensitive; phone minus signs (−), full-width ％ and ＝ are accepted. Parsing never raises anything but GrammarError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from regimebot.macro.catalog import Catalog

_NUM = r"[+-]?(?:\d{1,9}(?:\.\d{0,9})?|\.\d{1,9})"
_SHIFT = re.compile(rf"^({_NUM})(bp|bps|%)$")
_PCT = re.compile(rf"^({_NUM})%?$")
_PLAIN = re.compile(rf"^({_NUM})$")
_MULTIPLE = re.compile(rf"^({_NUM})x?$")
_BP = re.compile(rf"^({_NUM})(?:bp|bps)?$")
_PERIOD = re.compile(r"^(\d{1,5})(d|w|m|y)$")
_DAYS = {"d": 1, "w": 7, "m": 30.4375, "y": 365.25}
_YEARS = {"d": 1 / 365.25, "w": 7 / 365.25, "m": 1 / 12, "y": 1.0}
_TRANSLATE = str.maketrans({"−": "-", "－": "-", "＋": "+", "％": "%", "＝": "=", "，": ",", "–": "-"})

DEFAULT_HORIZON = "12m"
DEFAULT_LOOKBACK = "1y"
DEFAULT_MAINTENANCE = 0.25
MAX_SHIFTS = 8


class GrammarError(ValueError):
    """Bad arguments. `reason` is a message-key suffix; `arg` the offending word; `expected`/`range` hints."""

    def __init__(self, reason: str, arg: str = "", expected: str = "", range_: str = "", key: str = "", choices: str = "",
                 percent: str = "") -> None:
        hint = " ".join(part for part in (expected, range_, choices) if part)
        super().__init__(f"{reason}: {arg}" + (f" (expected {hint})" if hint else ""))
        self.reason = reason
        self.choices = choices
        self.arg = arg
        self.expected = expected
        self.range = range_
        self.key = key
        self.percent = percent  # ambiguous_percent: the bare number read as a fraction, in percent ("25" for 0.25)


@dataclass(frozen=True)
class Period:
    """A period as typed (`12m`), in calendar days and in years (12m is exactly 1.0)."""

    text: str
    days: int
    years: float = 0.0

    def __post_init__(self) -> None:
        if not self.years:
            object.__setattr__(self, "years", self.days / 365.25)


@dataclass(frozen=True)
class BondQuery:
    fund: str
    shifts_bp: tuple[float, ...]
    horizon: Period
    duration: float | None = None
    convexity: float | None = None
    yield_: float | None = None  # decimal
    leverage: float | None = None
    vol_bp: float | None = None
    fee: float | None = None  # decimal
    financing: float | None = None  # decimal
    paths: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class MarginQuery:
    leverage: float
    maintenance: float
    fall: float | None = None
    maintenance_given: bool = True


@dataclass(frozen=True)
class ShockQuery:
    shocks: Mapping[str, float]  # decimal for % series, bp for bp series
    lookback: Period = field(default_factory=lambda: Period(DEFAULT_LOOKBACK, 365, 1.0))


@dataclass(frozen=True)
class BetQuery:
    p: float
    up: float
    down: float
    max_stake: float | None = None


@dataclass(frozen=True)
class CorrQuery:
    series: tuple[str, ...]
    lookback: Period


@dataclass(frozen=True)
class ChartQuery:
    series: str
    period: Period


def normalise_words(words: Sequence[str]) -> list[str]:
    """Split, translate phone punctuation, drop empty words."""
    out = []
    for word in words:
        for part in str(word).translate(_TRANSLATE).replace(",", " ").split():
            out.append(part)
    return out


def _number(pattern: re.Pattern[str], text: str, key: str, expected: str, lo: float, hi: float, scale: float = 1.0,
            lo_open: bool = False, hi_open: bool = False, range_: str = "") -> float:
    match = pattern.match(text.lower())
    if not match:
        raise GrammarError("bad_value", text, expected, key=key)
    if pattern is _PCT:
        refuse_bare_fraction(text, key)
    value = float(match.group(1)) * scale
    if not math.isfinite(value) or value < lo or value > hi or (lo_open and value == lo) or (hi_open and value == hi):
        raise GrammarError("out_of_range", text, expected, range_, key=key)
    return value


def refuse_bare_fraction(text: str, key: str) -> None:
    """One rule for percent keys: a bare number below 1 (mm=0.25) could be 25% or 0.25%, so it is refused
    with both readings spelled out; write 25% or 0.25%. Bare numbers from 1 up are percent (mm=25 is 25%)."""
    if text.endswith("%"):
        return
    value = float(text)
    if value != 0.0 and abs(value) < 1.0:
        raise GrammarError("ambiguous_percent", text, key=key, percent=f"{value * 100:g}")


def parse_shift(text: str) -> float:
    """'-100bp' → -100.0; '-1%' → -100.0 (percentage points)."""
    match = _SHIFT.match(text.lower())
    if not match:
        raise GrammarError("bad_shift", text, "shift")
    value = float(match.group(1)) * (100.0 if match.group(2) == "%" else 1.0)
    if not math.isfinite(value) or abs(value) > 1000:
        raise GrammarError("out_of_range", text, "shift", "±1000bp")
    return value


def parse_period(text: str, key: str, min_days: int, max_days: int, range_: str) -> Period:
    match = _PERIOD.match(text.lower())
    if not match:
        raise GrammarError("bad_value", text, "period", key=key)
    count, unit = int(match.group(1)), match.group(2)
    days = int(round(count * _DAYS[unit]))
    if not min_days <= days <= max_days:
        raise GrammarError("out_of_range", text, "period", range_, key=key)
    return Period(text.lower(), days, count * _YEARS[unit])


def _options(words: Sequence[str], allowed: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """key=value options (keys lower-cased, each at most once) and the remaining bare words."""
    options: dict[str, str] = {}
    bare: list[str] = []
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            key = key.lower()
            if key not in allowed:
                raise GrammarError("unknown_key", word, choices=" ".join(f"{k}=" for k in allowed))
            if key in options:
                raise GrammarError("duplicate", word, key=key)
            if not value:
                raise GrammarError("bad_value", word, key=key)
            options[key] = value
        else:
            bare.append(word)
    return options, bare


_BOND_KEYS = ("horizon", "over", "dur", "cvx", "yield", "lev", "vol", "fee", "fin", "paths", "seed")


def parse_bond(fund: str, words: Sequence[str]) -> BondQuery:
    options, bare = _options(words, _BOND_KEYS)
    shifts = tuple(parse_shift(w) for w in bare)
    if len(shifts) > MAX_SHIFTS:
        raise GrammarError("too_many_shifts", bare[MAX_SHIFTS], range_=str(MAX_SHIFTS))
    if "horizon" in options and "over" in options:
        raise GrammarError("duplicate", "over=" + options["over"], key="horizon")
    horizon_text = options.get("horizon", options.get("over", DEFAULT_HORIZON))
    horizon = parse_period(horizon_text, "horizon", 1, 3653, "1d–10y")

    def opt(key: str, pattern: re.Pattern[str], expected: str, lo: float, hi: float, range_: str, scale: float = 1.0) -> float | None:
        if key not in options:
            return None
        return _number(pattern, options[key], key, expected, lo, hi, scale, range_=range_)

    paths = opt("paths", _PLAIN, "integer", 100, 20000, "100–20000")
    seed = opt("seed", _PLAIN, "integer", 0, 2**31 - 1, "0–2147483647")
    for key, value in (("paths", paths), ("seed", seed)):
        if value is not None and value != int(value):
            raise GrammarError("bad_value", options[key], "integer", key=key)
    return BondQuery(
        fund=fund,
        shifts_bp=shifts,
        horizon=horizon,
        duration=opt("dur", _PLAIN, "years", 0.5, 40, "0.5–40"),
        convexity=opt("cvx", _PLAIN, "years2", 0, 3000, "0–3000"),
        yield_=opt("yield", _PCT, "percent", -0.02, 0.2, "-2%–20%", 0.01),
        leverage=opt("lev", _MULTIPLE, "multiple", 1, 10, "1–10"),
        vol_bp=opt("vol", _BP, "bp", 0, 1000, "0–1000bp"),
        fee=opt("fee", _PCT, "percent", 0, 0.1, "0%–10%", 0.01),
        financing=opt("fin", _PCT, "percent", -0.02, 0.2, "-2%–20%", 0.01),
        paths=int(paths) if paths is not None else None,
        seed=int(seed) if seed is not None else None,
    )


def parse_margin(words: Sequence[str]) -> MarginQuery:
    options, bare = _options(words, ("lev", "mm", "fall"))
    if bare:
        raise GrammarError("unexpected", bare[0], choices="lev= mm= fall=")
    if "lev" not in options:
        raise GrammarError("missing", "lev=", key="lev")
    leverage = _number(_MULTIPLE, options["lev"], "lev", "multiple", 1, 100, range_="1–100")
    mm = options.get("mm")
    maintenance = _number(_PCT, mm, "mm", "percent", 0, 1, 0.01, hi_open=True, range_="0%–99.9%") if mm else DEFAULT_MAINTENANCE
    fall = _number(_PCT, options["fall"], "fall", "percent", 0, 1, 0.01, range_="0%–100%") if "fall" in options else None
    return MarginQuery(leverage, maintenance, fall, mm is not None)


def parse_shock(words: Sequence[str], catalog: Catalog) -> ShockQuery:
    shocks: dict[str, float] = {}
    lookback = Period(DEFAULT_LOOKBACK, 365, 1.0)
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not value:
            raise GrammarError("bad_shock", word, "shock")
        if name.lower() == "lookback":
            lookback = parse_period(value, "lookback", 60, 7305, "60d–20y")
            continue
        series = catalog.resolve(name)
        if series is None:
            raise GrammarError("unknown_series", name)
        if series.id in shocks:
            raise GrammarError("duplicate", word, key=series.id)
        if series.changes_in_bp:
            match = re.match(rf"^({_NUM})(bp|bps)$", value.lower())
            if not match:
                raise GrammarError("unit_mismatch", word, "bp")
            bp = float(match.group(1))
            if abs(bp) > 1000:
                raise GrammarError("out_of_range", word, "bp", "±1000bp")
            shocks[series.id] = bp
        else:
            match = re.match(rf"^({_NUM})%$", value.lower())
            if not match:
                raise GrammarError("unit_mismatch", word, "percent")
            pct = float(match.group(1))
            if not -100 <= pct <= 1000:
                raise GrammarError("out_of_range", word, "percent", "-100%–1000%")
            shocks[series.id] = pct / 100.0
    if not shocks:
        raise GrammarError("no_shock", "", "shock")
    return ShockQuery(shocks, lookback)


def parse_bet(words: Sequence[str]) -> BetQuery:
    options, bare = _options(words, ("p", "up", "down", "max"))
    if bare:
        raise GrammarError("unexpected", bare[0], choices="p= up= down= max=")
    for key in ("p", "up", "down"):
        if key not in options:
            raise GrammarError("missing", f"{key}=", key=key)
    p = _number(_PCT, options["p"], "p", "percent", 0, 1, 0.01, range_="0%–100%")
    up = _number(_PCT, options["up"], "up", "percent", 0, 100, 0.01, lo_open=True, range_=">0%")
    down = _number(_PCT, options["down"], "down", "percent", -1, 1, 0.01, range_="-100%–0%")
    if down == 0:
        raise GrammarError("out_of_range", options["down"], "percent", "-100%–0%", key="down")
    down = -abs(down)  # "down=10%" and "down=-10%" both mean a 10% loss
    max_stake = _number(_PCT, options["max"], "max", "percent", 0, 10, 0.01, lo_open=True, range_=">0%") if "max" in options else None
    return BetQuery(p, up, down, max_stake)


Query = BondQuery | MarginQuery | ShockQuery | BetQuery


def parse_scenario(words: Sequence[str], funds: Sequence[str], catalog: Catalog) -> Query:
    """Parse /scenario's words; `funds` are the preset names (TLT, IEF, TMF, …)."""
    items = normalise_words(words)
    if not items:
        raise GrammarError("empty")
    head, rest = items[0], items[1:]
    kind = head.lower()
    if kind == "margin":
        return parse_margin(rest)
    if kind == "shock":
        return parse_shock(rest, catalog)
    if kind == "bet":
        return parse_bet(rest)
    upper = {f.upper(): f for f in funds}
    if head.upper() in upper:
        return parse_bond(upper[head.upper()], rest)
    raise GrammarError("unknown_kind", head, choices=", ".join(list(funds) + ["margin", "shock", "bet"]))


def parse_corr(words: Sequence[str], catalog: Catalog) -> CorrQuery:
    """`[SERIES…] [lookback=1y]`; no series means the chat's portfolio."""
    items = normalise_words(words)
    lookback = Period(DEFAULT_LOOKBACK, 365, 1.0)
    series: list[str] = []
    for word in items:
        if "=" in word and catalog.resolve(word) is None:
            key, _, value = word.partition("=")
            if key.lower() != "lookback":
                raise GrammarError("unknown_key", word, choices="lookback=")
            lookback = parse_period(value, "lookback", 60, 7305, "60d–20y")
            continue
        found = catalog.resolve(word)
        if found is None:
            raise GrammarError("unknown_series", word)
        if found.id not in series:
            series.append(found.id)
    if len(series) > 12:
        raise GrammarError("too_many_series", series[12], range_="12")
    return CorrQuery(tuple(series), lookback)


def parse_chart(words: Sequence[str], catalog: Catalog) -> ChartQuery:
    """`SERIES [period]` (period default 1y, up to 20y)."""
    items = normalise_words(words)
    if not items:
        raise GrammarError("empty")
    if len(items) > 2:
        raise GrammarError("unexpected", items[2])
    found = catalog.resolve(items[0])
    if found is None:
        raise GrammarError("unknown_series", items[0])
    period = parse_period(items[1], "period", 7, 7305, "7d–20y") if len(items) == 2 else Period(DEFAULT_LOOKBACK, 365, 1.0)
    return ChartQuery(found.id, period)
