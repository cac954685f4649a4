"""Treasury buybacks from a Fiscal Data stand-in (real JSON shape, paged): weekly sums, cache, /quote, source status."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from regimebot.jobs.refresh import MarketData
from regimebot.macro.catalog import load_catalog
from regimebot.macro.providers import DataError, FetchRequest
from regimebot.macro.providers.treasury import TreasuryProvider, parse_operations, weekly_sums
from tests.fred_standin import BUYBACKS_PATH, StandIn, serving

CATALOG = load_catalog()


def operation(day: str, accepted: str, bucket: str = "10Y to 20Y", kind: str = "Liquidity Support") -> dict[str, str]:
    """One `buybacks_operations` row as Fiscal Data serves it (every value a string; "null" when not known yet)."""
    return {"operation_date": day, "operation_start_time": "01:40 PM", "operation_close_time": "02:00 PM",
            "settlement_date": day, "operation_type": kind, "security_type": "Nominal Coupons", "maturity_bucket": bucket,
            "max_par_amt_redeemed": "2000000000", "total_par_amt_offered": "9868000000",
            "total_par_amt_accepted": accepted, "nbr_issues_eligible": "36", "nbr_issues_accepted": "10"}


def served() -> StandIn:
    state = StandIn()
    state.buybacks = [
        operation("2024-12-31", "1500000000"),
        operation("2025-01-07", "2000000000"),                      # Tuesday, week ending Fri 10 Jan
        operation("2025-01-09", "1250000000", "1Mo to 2Y", "Cash Management"),
        operation("2025-01-22", "3000000000"),                      # week ending Fri 24 Jan; the 17 Jan week has none
        operation("2025-01-28", "null"),                            # announced, not yet run: no accepted amount
        operation("2025-02-04", "5000000000"),                      # the week under way on 5 Feb: not reported
    ]
    return state


def test_fiscal_data_rows_amounts_are_text_and_null_is_pending():
    payload = {"data": [operation("2025-01-07", "2000000000"), operation("2025-01-28", "null")],
               "meta": {"total-pages": 1}, "links": {"next": None}}
    assert parse_operations(payload) == [(date(2025, 1, 7), 2e9)]
    with pytest.raises(DataError, match="no `data` list"):
        parse_operations({"error": "Invalid query"})
    with pytest.raises(DataError, match="not a number"):
        parse_operations({"data": [operation("2025-01-07", "two billion")]})


def test_weekly_sums_per_week_ending_friday_in_billions_with_empty_weeks_zero():
    ops = [(date(2025, 1, 7), 2e9), (date(2025, 1, 9), 1.25e9), (date(2025, 1, 22), 3e9)]
    sums = weekly_sums(ops, date(2025, 1, 4), date(2025, 1, 31))
    assert sums.to_dict() == {pd.Timestamp("2025-01-10"): 3.25, pd.Timestamp("2025-01-17"): 0.0,
                              pd.Timestamp("2025-01-24"): 3.0, pd.Timestamp("2025-01-31"): 0.0}


def test_provider_reads_every_page_and_sums_completed_weeks():
    with serving(served()) as state:
        provider = TreasuryProvider(state.url, page_size=2)
        result = provider.fetch([FetchRequest("BUYBACKS", "buybacks_operations", date(2025, 1, 1))], end=date(2025, 2, 5))
    pages = state.asked(BUYBACKS_PATH)
    assert [(q["page[number]"], q["page[size]"]) for q in pages] == [("1", "2"), ("2", "2"), ("3", "2")]
    # whole weeks: asked from Saturday 28 Dec (the week holding 1 Jan) to the last completed Friday, 31 Jan
    assert pages[0]["filter"] == "operation_date:gte:2024-12-28,operation_date:lte:2025-01-31"
    assert result.errors == {}
    weekly = result.closes["BUYBACKS"]
    assert weekly.to_dict() == {pd.Timestamp("2025-01-03"): 1.5, pd.Timestamp("2025-01-10"): 3.25, pd.Timestamp("2025-01-17"): 0.0,
                                pd.Timestamp("2025-01-24"): 3.0, pd.Timestamp("2025-01-31"): 0.0}
    assert all("regimebot/" in ua for ua in state.user_agents)


def test_treasury_down_is_a_data_error_on_buybacks_only(memory_store):
    from tests.test_fred_source import RecordingYahoo, yahoo_frame

    state = served()
    state.treasury_status = 503
    with serving(state):
        data = MarketData(memory_store.prices, CATALOG, {"yahoo": RecordingYahoo(yahoo_frame()),
                                                         "treasury": TreasuryProvider(state.url)}, history_start=date(2025, 1, 1))
        market = data.refresh(end=date(2025, 1, 17))
    assert "HTTP 503" in market.errors["BUYBACKS"] and "SPX" not in market.errors
    status = {s.source: s for s in memory_store.prices.source_status()}
    assert status["treasury"].failing == 1 and status["treasury"].succeeded_at is None and "503" in (status["treasury"].error or "")
    assert status["yahoo"].ok and status["yahoo"].succeeded_at is not None


def test_fetch_then_quote_shows_buybacks(tmp_path, capsys, monkeypatch):
    import yfinance

    from regimebot.bot.cli import main
    from tests.fred_standin import StandIn as FredState

    def offline(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Yahoo is unreachable (offline test)")

    monkeypatch.setattr(yfinance, "download", offline)  # the library boundary: Yahoo is offline
    state = served()
    fred_state = FredState()  # FRED and MoF answer 404: their series are data errors, as Yahoo's
    with serving(state), serving(fred_state):
        for key, value in {"REGIMEBOT_DATA": "yfinance", "REGIMEBOT_DB": str(tmp_path / "cache.db"), "REGIMEBOT_FRED_URL": fred_state.url,
                           "REGIMEBOT_MOF_URL": fred_state.url, "REGIMEBOT_TREASURY_URL": state.url,
                           "REGIMEBOT_HISTORY_START": "2025-01-01"}.items():
            monkeypatch.setenv(key, value)
        assert main(["fetch"]) == 0
    out = capsys.readouterr().out
    assert "BUYBACKS" in out
    assert "Treasury: ok" in out and "Yahoo: 20 series failing" in out and "FRED: 11 series failing" in out
    assert main(["quote", "BUYBACKS", "--json", "--cached"]) == 0
    r = json.loads(capsys.readouterr().out)["readings"][0]
    assert r["series_id"] == "BUYBACKS" and r["unit"] == "USD billions"
    assert r["last"] is not None and r["last_date"] is not None
    assert pd.Timestamp(r["last_date"]).day_of_week == 4  # dated the Friday that ends the week


def test_quote_command_shows_weekly_buybacks():
    from tests.chat_world import ask, generated_closes, make_services

    closes = generated_closes()
    end = max(s.index[-1] for s in closes.values())
    fridays = pd.date_range(end=end, periods=6, freq="W-FRI")
    closes["BUYBACKS"] = pd.Series([0.0, 2.0, 0.0, 3.25, 4.5, 1.75], index=fridays)
    text = ask(make_services(closes), "/quote BUYBACKS").text
    assert "Treasury buybacks, accepted par amount per week" in text
    assert "1.75" in text and fridays[-1].date().isoformat() in text
