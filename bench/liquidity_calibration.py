"""Where the liquidity, credit and rates signals go: their 2007-2016 calibration and each choice's scorecard.

Usage: .venv/bin/python bench/liquidity_calibration.py [--csv DIR]

Data: the real daily history in DIR (default ../shared/data). Not a benchmark of speed: it prints, for the
issue-10 signals, the 2007-2016 percentiles their thresholds come from, then the alert scorecard of each
thesis they could join — the default watch list beside the alternatives that were measured and not taken —
in sample (2007-2016, where the choice was made) and out of sample (2017-2025, reported only).

The term premium: the live signal reads FRED's THREEFYTP10 (Kim-Wright), which the calibration history does
not have. Rows marked "ACM stands in" replay a copy of the watch list in which the term-premium series is
replaced, openly, by the NY Fed's ACMTP10 (added to a copy of the catalog for this run only). The two models'
levels differ; their changes are what the thresholds are set on.
"""

from __future__ import annotations

import argparse
import copy
import tomllib
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from regimebot.macro.catalog import Catalog, parse_catalog
from regimebot.macro.engine import Replay, replay
from regimebot.macro.market import Market, make_closes
from regimebot.macro.providers import FetchRequest
from regimebot.macro.providers.csvdir import CsvDirProvider
from regimebot.macro.publication import as_published
from regimebot.macro.scorecard import score_replay
from regimebot.macro.watchlist import Watchlist, parse_watchlist

SHARED = Path(__file__).resolve().parent.parent / ".." / "shared" / "data"
START, END = date(2007, 1, 1), date(2025, 12, 31)
LIVE_TP, ACM_TP = "THREEFYTP10", "ACMTP10"
Doc = dict[str, Any]


def _bundled(name: str) -> Doc:
    return tomllib.loads(resources.files("regimebot.macro").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def calibration_catalog() -> Catalog:
    """The bundled catalog plus ACMTP10, for this run only (it has no live source, so the product has no entry)."""
    doc = _bundled("catalog.toml")
    doc["series"].insert(0, {"id": ACM_TP, "name": "10-year term premium (NY Fed ACM model)", "source": "fred",
                             "calendar": "bonds", "unit": "percent", "kind": "spread"})
    return parse_catalog(doc, "catalog + ACMTP10 (calibration only)")


def load_market(folder: Path, catalog: Catalog) -> Market:
    provider = CsvDirProvider(folder)
    fetched = provider.fetch([FetchRequest(s.id, s.symbol or s.id, date(1900, 1, 1)) for s in catalog.downloadable()])
    return Market(make_closes(fetched.closes, catalog).loc["2004-01-01":], provider.name, simulated=False)


def signal(doc: Doc, sid: str) -> Doc:
    found: Doc = next(s for s in doc["signals"] if s["id"] == sid)
    return found


def thesis(doc: Doc, tid: str) -> Doc:
    found: Doc = next(t for t in doc["theses"] if t["id"] == tid)
    return found


def acm_stands_in(doc: Doc) -> None:
    """Every measure or condition on Kim-Wright reads ACM instead (said in the row's label)."""
    for sig in doc["signals"]:
        for part in [sig, sig.get("measure", {}), *sig.get("conditions", [])]:
            if part.get("series") == LIVE_TP:
                part["series"] = ACM_TP


def variant(*changes: Callable[[Doc], None]) -> Callable[[Doc], None]:
    def apply(doc: Doc) -> None:
        for change in changes:
            change(doc)
    return apply


def add(tid: str, sid: str) -> Callable[[Doc], None]:
    return lambda doc: thesis(doc, tid)["invalidation"].append(sid)


def drop(tid: str, sid: str) -> Callable[[Doc], None]:
    return lambda doc: thesis(doc, tid)["invalidation"].remove(sid)


def ungate(sid: str, keep: int = 0) -> Callable[[Doc], None]:
    """The signal with only its first `keep` conditions (0: the bare measure)."""
    def apply(doc: Doc) -> None:
        sig = signal(doc, sid)
        if keep:
            sig["conditions"] = sig["conditions"][:keep]
        else:
            measure = sig.pop("measure")
            sig.pop("conditions")
            sig.update(measure)
    return apply


def gate_real_yield_on_term_premium(doc: Doc) -> None:
    signal(doc, "real_yield_rise")["conditions"].append(
        {"kind": "change", "series": ACM_TP, "window": 63, "unit": "pp", "above": 0.0})


def status_on(rp: Replay, tid: str, day: date) -> str:
    before = [t for t in rp.transitions if t.thesis_id == tid and t.date <= day]
    return before[-1].new if before else "unknown"


def invalidated_between(rp: Replay, tid: str, first: date, last: date) -> bool:
    if status_on(rp, tid, first) == "invalidated":
        return True
    return any(t.thesis_id == tid and first <= t.date <= last and t.new == "invalidated" for t in rp.transitions)


def row(label: str, tid: str, watchlist: Watchlist, market: Market) -> None:
    rp = replay(market, watchlist, START, END)
    score = score_replay(rp, market.closes, {tid: watchlist.theses[tid]})[tid]

    def fmt(x: float | None, pct: bool = False) -> str:
        return "—" if x is None else (f"{100 * x:.0f}%" if pct else f"{x:.2f}")

    cells = []
    for period in ("in_sample", "out_of_sample"):
        f = score.periods[period].thesis
        cells.append(f"{f.alerts:3d} {fmt(f.hit_rate, True):>4} {fmt(f.lift):>5} {fmt(f.recall, True):>4} "
                     f"{fmt(f.false_alarms_per_year):>5}")
    note = ""
    if tid == "long_duration":
        note = " invalidated Nov–Dec 2008!" if invalidated_between(rp, tid, date(2008, 11, 1), date(2008, 12, 31)) else ""
    print(f"  {label:<66} {cells[0]}  | {cells[1]}{note}")


def percentiles(market: Market) -> None:
    published = as_published(market, market_catalog)

    def show(name: str, values: pd.Series, levels: tuple[float, ...]) -> None:
        window = values.loc["2007-01-01":"2016-12-31"].dropna()
        shown = ", ".join(f"{p:g}th {np.percentile(window, p):+.3f}" for p in levels)
        print(f"  {name:<44} {shown}  ({len(window)} obs.)")

    print("2007-2016 percentiles (the thresholds):")
    show("DFII10 63-day change, pp (real_yield_rise)", published.series("DFII10").diff(63), (95, 97.5))
    show("ACMTP10 63-day change, pp (term_premium_rise)", published.series(ACM_TP).diff(63), (95, 97.5))
    show("BAA10Y 20-day change, pp (baa_widening)", published.series("BAA10Y").diff(20), (95, 97.5))
    netliq = published.series("NETLIQ").dropna()
    show("NETLIQ 65-obs change, % (netliq_draining)", netliq.pct_change(65) * 100, (5, 2.5))
    show("NETLIQ 20-obs change, % (netliq_draining_4w)", netliq.pct_change(20) * 100, (5, 2.5, 90))
    print("  (NETLIQ is daily from 2013; before, FRED has the reverse repo only on days with operations)\n")


market_catalog = calibration_catalog()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--csv", metavar="DIR", help="a csv:DIR data folder (default ../shared/data)")
    args = parser.parse_args()
    market = load_market(Path(args.csv) if args.csv else SHARED, market_catalog)
    default = _bundled("watchlist.toml")
    percentiles(market)

    def build(change: Callable[[Doc], None] | None = None) -> Watchlist:
        doc = copy.deepcopy(default)
        if change:
            change(doc)
        return parse_watchlist(doc, market_catalog, "calibration variant")

    print(f"{'':68} in sample 2007-2016        | out of sample 2017-2025")
    print(f"{'':68} alerts hit  lift recall FA/yr | alerts hit  lift recall FA/yr")
    cases: list[tuple[str, list[tuple[str, Callable[[Doc], None] | None]]]] = [
        ("long_duration", [
            ("before issue 10 (no real-yield signal)", drop("long_duration", "real_yield_rise")),
            ("default: real yields up, gated on the 30-year rising", None),
            ("real yields up, ungated", ungate("real_yield_rise")),
            ("+ term premium up (ACM stands in)", variant(acm_stands_in, add("long_duration", "term_premium_rise"))),
            ("real yields ungated + term premium up (ACM stands in)",
             variant(acm_stands_in, ungate("real_yield_rise"), add("long_duration", "term_premium_rise"))),
            ("real yields gated on the term premium too (ACM stands in)",
             variant(acm_stands_in, gate_real_yield_on_term_premium)),
        ]),
        ("btc_liquidity_bottom", [
            ("before issue 10", drop("btc_liquidity_bottom", "btc_liquidity_drain")),
            ("default: 13-week drain while bitcoin is below its 200-day average", None),
            ("13-week drain, ungated", ungate("btc_liquidity_drain")),
            ("+ 4-week drain", add("btc_liquidity_bottom", "netliq_draining_4w")),
            ("+ reverse-repo buffer exhausted (applies from 2021-04)", add("btc_liquidity_bottom", "rrp_buffer_exhausted")),
        ]),
        ("us_assets_haven", [
            ("before issue 10 (the manual switch only, off)", drop("us_assets_haven", "injection_usd_down")),
            ("default: injection, dollar down, equities down", None),
            ("injection and dollar down (no equity condition)", ungate("injection_usd_down", keep=1)),
        ]),
        ("geopolitical_noise", [
            ("before issue 10 (HYG/IEF only)", drop("geopolitical_noise", "baa_widening")),
            ("default: + Baa spread widening", None),
        ]),
    ]
    for tid, rows in cases:
        print(tid)
        for label, change in rows:
            row(label, tid, build(change), market)


if __name__ == "__main__":
    main()
