"""The one validation at the provider boundary: every bad row is rejected and named; good rows pass untouched."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from functools import cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimebot.macro.catalog import CatalogError, load_catalog, parse_catalog
from regimebot.macro.providers import FetchRequest
from regimebot.macro.providers.csvdir import CsvDirProvider
from regimebot.macro.providers.validation import CONFIRM_DAYS, SeriesRules, check_closes, fetch_checked
from tests.conftest import real_data_dir

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
PRICE = SeriesRules("BTC", max_daily_move=0.5, timezone="UTC")
YIELD = SeriesRules("US10Y", positive=False, move_in_points=True, max_daily_move=1.05)


def raw(rows: list[tuple[str, object]]) -> pd.Series:
    return pd.Series([v for _, v in rows], index=[d for d, _ in rows], dtype=object)


def days(n: int, start: str = "2026-10-01", value: float = 100.0) -> list[tuple[str, object]]:
    first = date.fromisoformat(start)
    return [((first + timedelta(days=i)).isoformat(), str(value + i * 0.1)) for i in range(n)]


@pytest.mark.parametrize("cell, reason", [
    ("0", "a price must be positive"),
    ("-3.5", "a price must be positive"),
    ("$82,512.10", "not a number"),
    ("n/a", "not a number"),
    ("NaN", "not a finite number"),
    ("inf", "not a finite number"),
    ("-Infinity", "not a finite number"),
])
def test_a_bad_cell_is_rejected_and_named(cell, reason):
    rows = days(10)
    rows[6] = (rows[6][0], cell)
    checked = check_closes(raw(rows), PRICE, NOW)
    assert len(checked.closes) == 9 and rows[6][0] not in {d.date().isoformat() for d in checked.closes.index}
    assert [(p.day, p.cell, p.reason) for p in checked.problems] == [(rows[6][0], cell, reason)]
    assert f"{rows[6][0]} {cell}: {reason}" in checked.error()


def test_float_infinity_from_a_frame_is_rejected_but_nan_is_no_row():
    series = pd.Series([100.0, float("nan"), float("inf"), 101.0],
                       index=pd.DatetimeIndex(["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]))
    checked = check_closes(series, PRICE, NOW)
    assert checked.closes.tolist() == [100.0, 101.0]
    assert [p.day for p in checked.problems] == ["2026-11-04"]


def test_blank_cells_and_fred_dots_mean_no_observation():
    rows = days(5)
    rows[1] = (rows[1][0], "")
    rows[2] = (rows[2][0], ".")
    checked = check_closes(raw(rows), PRICE, NOW)
    assert len(checked.closes) == 3 and checked.error() is None


def test_future_dates_in_the_exchange_time_zone():
    rows = days(3, start="2026-11-29") + [("2026-12-02", "100.3"), ("2099-01-01", "100.4")]
    checked = check_closes(raw(rows), PRICE, NOW)  # 22:00 UTC on 1 December: 2 December is tomorrow in UTC
    assert checked.closes.index[-1] == pd.Timestamp("2026-12-01")
    assert [p.day for p in checked.problems] == ["2026-12-02", "2099-01-01"]
    assert "dated after today (2026-12-01 in UTC)" in checked.error()
    tokyo = SeriesRules("JGB10Y", positive=False, move_in_points=True, timezone="Asia/Tokyo")
    in_tokyo = check_closes(raw([("2026-12-01", "1.1"), ("2026-12-02", "1.2")]), tokyo, NOW)  # 07:00 on 2 Dec in Tokyo
    assert len(in_tokyo.closes) == 2 and in_tokyo.error() is None


def test_conflicting_duplicate_dates_are_both_rejected_identical_ones_kept_once():
    rows = days(5)
    rows.insert(3, (rows[2][0], "250"))  # conflicts with day 2
    rows.insert(1, (rows[0][0], rows[0][1]))  # the same row twice
    checked = check_closes(raw(rows), PRICE, NOW)
    assert [d.date().isoformat() for d in checked.closes.index] == [rows[0][0], "2026-10-02", "2026-10-04", "2026-10-05"]
    assert [(p.day, p.reason) for p in checked.problems] == [("2026-10-03", "conflicting rows for the same date; neither is used")]
    assert "100.2 vs 250" in checked.error()


def test_a_date_that_is_not_a_date_is_named():
    checked = check_closes(raw([("2026-11-02", "100"), ("02/11/2026", "101"), ("", "102")]), PRICE, NOW)
    assert checked.closes.tolist() == [100.0]
    assert {p.day for p in checked.problems} == {"02/11/2026", ""}


def test_yields_may_be_zero_or_negative_but_not_jump():
    rows = [("2026-11-02", "0.10"), ("2026-11-03", "0"), ("2026-11-04", "-0.05"), ("2026-11-05", "4.5"),
            ("2026-11-06", "-0.02")]
    checked = check_closes(raw(rows), YIELD, NOW)
    assert checked.closes.tolist() == [0.10, 0.0, -0.05, -0.02]
    assert [p.day for p in checked.problems] == ["2026-11-05"] and "+4.55 points" in checked.error()


def test_a_one_day_outlier_is_rejected_the_level_before_and_after_kept():
    rows = days(10)
    rows[5] = (rows[5][0], "50.2")  # the dollar index "halving" for a day
    checked = check_closes(raw(rows), PRICE, NOW)
    assert len(checked.closes) == 9 and 50.2 not in checked.closes.tolist()
    assert "not confirmed by the next days" in checked.error()


def test_a_split_like_jump_is_quarantined_until_confirmed():
    base = days(10)
    jumped = base[:7] + [(d, str(float(v) / 10)) for d, v in days(CONFIRM_DAYS, start="2026-10-08")]
    held = check_closes(raw(jumped), PRICE, NOW)  # the jump and 2 further days: not yet confirmed
    assert len(held.closes) == 7
    assert [p.quarantined for p in held.problems] == [True] and held.problems[0].day == "2026-10-08"
    assert "quarantined until 3 further days confirm it (2 so far)" in held.error()
    confirmed = check_closes(raw(jumped + [("2026-10-11", "10.04")]), PRICE, NOW)
    assert len(confirmed.closes) == 11 and confirmed.error() is None


def test_the_bound_starts_from_the_cached_close_before_the_window():
    rows = [("2026-11-02", "40.0"), ("2026-11-03", "40.1")]
    assert check_closes(raw(rows), PRICE, NOW, previous=100.0).closes.empty
    assert check_closes(raw(rows), PRICE, NOW, previous=41.0).closes.tolist() == [40.0, 40.1]


def test_a_header_only_file_is_a_data_error(tmp_path):
    (tmp_path / "BTC.csv").write_text("date,close\n", encoding="utf-8")
    result = fetch_checked(CsvDirProvider(tmp_path), [FetchRequest("BTC", "BTC-USD", date(2026, 1, 1))], {})
    assert result.closes == {} and "header but no rows" in result.errors["BTC"]


def test_csv_rows_pass_through_the_validation_with_the_row_named(tmp_path):
    (tmp_path / "BTC.csv").write_text("date,close\n2026-11-02,82000\n2026-11-03,\"$82,512.10\"\n2026-11-04,0\n"
                                      "2026-11-05,83000\n", encoding="utf-8")
    catalog = load_catalog()
    result = fetch_checked(CsvDirProvider(tmp_path), [FetchRequest("BTC", "BTC-USD", date(2026, 1, 1))],
                           {"BTC": SeriesRules.of(catalog["BTC"])}, now=NOW)
    assert result.closes["BTC"].tolist() == [82000.0, 83000.0]
    assert result.errors["BTC"].startswith("BTC: 2 row(s) rejected: 2026-11-03 $82,512.10: not a number; "
                                           "2026-11-04 0: a price must be positive")


def test_the_catalog_declares_a_bound_and_zone_and_refuses_bad_ones():
    catalog = load_catalog()
    assert catalog["DXY"].max_daily_move == pytest.approx(0.06) and catalog["BTC"].timezone == "UTC"
    rules = SeriesRules.of(catalog["US10Y"])
    assert not rules.positive and rules.move_in_points
    entry = {"id": "X", "symbol": "X", "kind": "price"}
    with pytest.raises(CatalogError, match="max_daily_move"):
        parse_catalog({"series": [{**entry, "max_daily_move": -1}]})
    with pytest.raises(CatalogError, match="timezone"):
        parse_catalog({"series": [{**entry, "timezone": "Mars/Olympus"}]})


# --- the real history: nothing rejected in it, and every random corruption is caught exactly ------------------

REAL_START = date(2007, 1, 1)


@cache
def real_rows() -> dict[str, pd.Series]:
    folder = real_data_dir()
    if folder is None:
        return {}
    catalog = load_catalog()
    provider = CsvDirProvider(folder)
    fetched = provider.fetch([FetchRequest(s.id, s.symbol or s.id, REAL_START) for s in catalog.downloadable()])
    return dict(fetched.closes)


def rules_of(series_id: str) -> SeriesRules:
    return SeriesRules.of(load_catalog()[series_id])


def test_the_real_history_passes_whole_in_and_out_of_sample(shared_data):
    for series_id, rows in real_rows().items():
        checked = check_closes(rows, rules_of(series_id), NOW, start=REAL_START)
        assert checked.error() is None, series_id  # 2007-2016 calibrated the bounds; 2017-2025 is out of sample
        assert len(checked.closes) > 500  # weekly series (WALCL, NFCI) have about 1,000 rows since 2007


CORRUPTIONS = ("zero", "negative", "text", "money", "nan", "inf", "future", "duplicate", "spike", "tail_jump")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), corruption=st.sampled_from(CORRUPTIONS))
def test_any_corruption_of_the_real_history_is_rejected_and_named(shared_data, data, corruption):
    """The accepted rows equal the clean history minus the corrupted rows: the engine never sees them."""
    series_id = data.draw(st.sampled_from(sorted(real_rows())), label="series")
    rows = real_rows()[series_id]
    rules = rules_of(series_id)
    window = rows.loc[[d >= "2015-01-01" for d in rows.index]]  # ~ten years: enough to hide the row in
    clean = check_closes(window, rules, NOW).closes
    assert not clean.empty
    usable = [i for i, v in enumerate(window.to_numpy()) if str(v).strip() not in ("", ".")]
    at = data.draw(st.sampled_from(usable[1:-CONFIRM_DAYS - 1]), label="row")
    day, cell = window.index[at], float(window.iloc[at])
    corrupted = window.copy()
    dropped = [day]
    if rules.positive is False and corruption in ("zero", "negative"):
        corruption = "spike"  # zero and negative yields (and balances, NFCI) are real
    if rules.max_daily_move is None and corruption in ("spike", "tail_jump"):
        corruption = "money"  # no bound declared (a reasoned exemption, e.g. BUYBACKS): only the cell can be wrong
    if corruption == "zero":
        corrupted.iloc[at] = "0"
    elif corruption == "negative":
        corrupted.iloc[at] = f"-{cell}"
    elif corruption == "text":
        corrupted.iloc[at] = data.draw(st.sampled_from(["n/a", "#N/A N/A", "1.2.3", "close", "12,5"]), label="text")
    elif corruption == "money":
        corrupted.iloc[at] = f"${cell:,.2f}"
    elif corruption == "nan":
        corrupted.iloc[at] = "NaN"
    elif corruption == "inf":
        corrupted.iloc[at] = data.draw(st.sampled_from(["inf", "-inf", "Infinity"]), label="inf")
    elif corruption == "future":
        future = data.draw(st.sampled_from(["2026-12-03", "2027-06-30", "2099-01-01"]), label="future")
        corrupted = pd.concat([corrupted, pd.Series([str(cell)], index=[future], dtype=object)])
        dropped, day = [], future
    elif corruption == "duplicate":
        other = data.draw(st.sampled_from([1.01, 0.99, 1.5, 2.0]), label="factor") * cell
        corrupted = pd.concat([corrupted.iloc[: at + 1], pd.Series([f"{other:.6g}"], index=[day], dtype=object),
                               corrupted.iloc[at + 1:]])
    elif corruption == "spike":
        k = data.draw(st.floats(1.5, 6.0), label="times the bound")
        sign = data.draw(st.sampled_from([1, -1]), label="sign")
        bound = rules.max_daily_move or 1.0
        corrupted.iloc[at] = str(cell + sign * (k * bound + 0.5) if rules.move_in_points else cell * math.exp(sign * k * bound))
    elif corruption == "tail_jump":
        k = data.draw(st.integers(1, CONFIRM_DAYS), label="rows after the jump")
        times = data.draw(st.floats(1.5, 6.0), label="times the bound") * data.draw(st.sampled_from([1, -1]), label="sign")
        bound = rules.max_daily_move or 1.0
        tail = corrupted.iloc[-k:]
        shifted = [(str(float(v) + times * bound + math.copysign(0.5, times)) if rules.move_in_points
                    else str(float(v) * math.exp(times * bound))) if str(v).strip() not in ("", ".") else v for v in tail]
        corrupted = pd.concat([corrupted.iloc[:-k], pd.Series(shifted, index=tail.index, dtype=object)])
        dropped = [d for d, v in zip(tail.index, tail, strict=True) if str(v).strip() not in ("", ".")]
        day = dropped[0]
    checked = check_closes(corrupted, rules, NOW)
    expected = clean.drop([pd.Timestamp(d) for d in dropped])
    pd.testing.assert_series_equal(checked.closes, expected)
    error = checked.error()
    assert error is not None and str(day) in error


def test_fetch_and_status_name_the_rejected_row(tmp_path, monkeypatch, capsys):
    from regimebot.bot.cli import main
    from regimebot.bot.config import DataSource, Settings
    from regimebot.bot.services import build_services
    from regimebot.handlers import load_commands
    from regimebot.handlers.dispatch import Dispatcher, Incoming
    from regimebot.handlers.registry import Chat

    folder = tmp_path / "data"
    folder.mkdir()
    today = datetime.now(UTC).date()
    rows = [(today - timedelta(days=30 - i), 60000 + 10 * i) for i in range(30)]
    text = "date,close\n" + "".join(f"{d.isoformat()},{v}\n" for d, v in rows[:20]) + f"{rows[20][0].isoformat()},0\n"
    text += "".join(f"{d.isoformat()},{v}\n" for d, v in rows[21:])
    (folder / "BTC.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv("REGIMEBOT_DATA", f"csv:{folder}")
    monkeypatch.setenv("REGIMEBOT_DB", str(tmp_path / "bot.db"))
    main(["fetch"])
    out = capsys.readouterr().out
    bad_day = rows[20][0].isoformat()
    btc_line = next(line for line in out.splitlines() if line.startswith("BTC"))
    assert f"{bad_day} 0: a price must be positive" in btc_line
    settings = Settings(data=DataSource("csv", folder), db=tmp_path / "bot.db")
    services = build_services(settings)
    reply = Dispatcher(load_commands(), services).dispatch(Incoming(Chat(5, "private"), 5, "en", "status"), False).reply
    assert f"{bad_day} 0: a price must be positive" in reply.text
    services.store.close()
