"""FRED and MoF sources against a local stand-in in their real formats; routing per source; NETLIQ's units."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from regimebot.bot.cli import main
from regimebot.jobs.refresh import OVERLAP_DAYS, MarketData
from regimebot.macro.catalog import CatalogError, load_catalog, parse_catalog, with_derived
from regimebot.macro.providers import DataError, FetchRequest
from regimebot.macro.providers.fred import FredProvider, parse_fredgraph_csv, parse_observations
from regimebot.macro.providers.mof import MofProvider, decode_csv, parse_day, parse_jgb_csv
from regimebot.macro.providers.validation import SeriesRules, check_closes, fetch_checked
from regimebot.macro.providers.yahoo import YahooProvider
from tests.fred_standin import MOF_HEADER, StandIn, serving
from tests.yfinance_frames import FakeDownload, download_frame, ohlcv

CATALOG = load_catalog()
FRED_IDS = [s.id for s in CATALOG.downloadable() if s.source == "fred"]


def served() -> StandIn:
    """WALCL/WTREGEN weekly (USD millions), RRPONTSYD daily (USD billions) with a `.` and an empty day, the rest generic."""
    state = StandIn()
    state.series["WALCL"] = {"2025-01-01": "6850123", "2025-01-08": "6840456", "2025-01-15": "6830789"}
    state.series["WTREGEN"] = {"2025-01-01": "750000", "2025-01-08": "760500", "2025-01-15": "700250"}
    state.old_header.add("WTREGEN")
    rrp = {d.date().isoformat(): f"{130 - i:.3f}" for i, d in enumerate(pd.bdate_range("2025-01-02", "2025-01-16"))}
    rrp["2025-01-09"] = "."  # a market closure: FRED writes "." for no observation
    rrp["2025-01-13"] = ""   # newer files leave it empty
    rrp["2025-01-17"] = "120.375"
    state.series["RRPONTSYD"] = rrp
    state.series["BAA10Y"] = {"2025-01-15": "1.60", "2025-01-16": "1.61", "2025-01-17": "1.62"}
    state.old_header.add("BAA10Y")
    for sid in FRED_IDS:
        state.series.setdefault(sid, {"2025-01-16": "2.5", "2025-01-17": "2.6"})
    state.mof_rows = ["R7.1.16,0.5,0.6,0.7,0.8,0.9,1.0,1.05,1.1,1.15,1.20,1.5,1.9,2.1,2.3,-",
                      "R7.1.17,0.5,0.6,0.7,0.8,0.9,1.0,1.05,1.1,1.15,1.215,1.5,1.9,2.1,2.3,-"]
    return state


def accepted(raw: pd.Series) -> pd.Series:
    """A provider's raw cells as the bot takes them: through the one validation (yields may be negative)."""
    return check_closes(raw, SeriesRules(str(raw.name), positive=False), datetime.now(UTC)).closes


def checked(provider, requests):
    return fetch_checked(provider, requests, {})


def fred(url: str, **options: object) -> FredProvider:
    return FredProvider(url, pace=0.0, retry_after=0.0, **options)  # type: ignore[arg-type]


# --- formats --------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["observation_date", "DATE"])
def test_fredgraph_csv_both_headers_dot_and_empty_are_no_observation(header):
    text = f"{header},RRPONTSYD\n2025-01-08,131.5\n2025-01-09,.\n2025-01-10,\n2025-01-13,129.25\n"
    s = accepted(parse_fredgraph_csv(text, "RRPONTSYD"))
    assert s.to_dict() == {pd.Timestamp("2025-01-08"): 131.5, pd.Timestamp("2025-01-13"): 129.25}


def test_fredgraph_csv_with_an_unexpected_header_is_a_data_error():
    with pytest.raises(DataError, match="expected observation_date,WALCL"):
        parse_fredgraph_csv("<html><body>Please verify you are a human</body></html>", "WALCL")


def test_fred_api_json_values_are_strings_and_dot_is_missing():
    payload = {"observations": [{"date": "2025-01-01", "value": "6850123"}, {"date": "2025-01-02", "value": "."},
                                {"date": "2025-01-08", "value": "6840456.5"}]}
    assert accepted(parse_observations(payload, "WALCL")).tolist() == [6850123.0, 6840456.5]
    with pytest.raises(DataError, match="observations"):
        parse_observations({"error_message": "Bad Request"}, "WALCL")


@pytest.mark.parametrize("text, day", [("R7.4.1", date(2025, 4, 1)), ("H31.4.26", date(2019, 4, 26)), ("R元.5.7", date(2019, 5, 7)),
                                       ("S49.9.24", date(1974, 9, 24)), ("2025/4/1", date(2025, 4, 1)), ("2025-04-01", date(2025, 4, 1)),
                                       ("R7.2.30", None), ("基準日", None)])
def test_mof_dates_japanese_era_or_western(text, day):
    assert parse_day(text) == day


def test_mof_csv_shift_jis_title_header_and_dash():
    raw = ("国債金利情報,,,,,,,,,,,,,,,(単位 : %)\r\n" + MOF_HEADER + "\r\nH31.4.26,-0.15,-0.16,-0.17,-0.18,-0.17,-0.17,-0.17,-0.15,-0.12,-0.045,"
           "0.21,0.375,0.52,0.59,0.645\r\nR1.5.7,-0.15,-0.16,-0.17,-0.18,-0.17,-0.17,-0.17,-0.15,-0.12,-0.05,0.2,0.37,0.51,0.58,-\r\n").encode("cp932")
    table = parse_jgb_csv(decode_csv(raw))
    assert accepted(table["10年"]).tolist() == [-0.045, -0.05]
    assert list(table.index) == ["2019-04-26", "2019-05-07"]
    assert table["40年"].tolist() == ["0.645", "-"] and len(accepted(table["40年"])) == 1  # "-": no yield that day


# --- NETLIQ: units and carrying weekly values forward ----------------------------------------------

def test_netliq_converts_millions_to_billions_and_carries_weekly_values_at_most_a_week():
    days = pd.DatetimeIndex(["2025-01-01", "2025-01-02", "2025-01-08", "2025-01-09", "2025-01-10"], name="date")
    closes = pd.DataFrame({
        "WALCL": [6_850_000.0, None, None, None, None],      # USD millions, Wednesday 1 January only
        "WTREGEN": [750_000.0, None, 760_500.0, None, None],  # USD millions
        "RRPONTSYD": [None, 150.5, 140.0, 139.0, 138.0],       # USD billions
    }, index=days)
    netliq = with_derived(closes, CATALOG)["NETLIQ"]
    assert netliq.loc["2025-01-02"] == pytest.approx(6850.0 - 750.0 - 150.5)   # 5949.5, all three carried one day
    assert netliq.loc["2025-01-08"] == pytest.approx(6850.0 - 760.5 - 140.0)   # 5949.5: WALCL 7 days old still counts
    assert netliq.loc["2025-01-01"] != netliq.loc["2025-01-01"]                # no RRP yet that day: unknown (NaN)
    assert netliq.loc["2025-01-09":].isna().all()                               # WALCL 8 days old: unknown, not stale-filled


def test_a_sum_in_billions_must_scale_its_millions_inputs():
    entries = [{"id": "WALCL", "source": "fred", "unit": "USD millions", "kind": "balance"},
               {"id": "RRPONTSYD", "source": "fred", "unit": "USD billions", "kind": "balance"},
               {"id": "NETLIQ", "kind": "derived", "unit": "USD billions", "formula": "WALCL - RRPONTSYD"}]
    with pytest.raises(CatalogError, match="WALCL is in USD millions; .* scale it by 0.001"):
        parse_catalog({"series": entries})
    entries[2]["formula"] = "WALCL / 1000 - RRPONTSYD * 1000"
    with pytest.raises(CatalogError, match="RRPONTSYD is in USD billions"):
        parse_catalog({"series": entries})


def test_catalog_sources_and_frequencies():
    by_source = CATALOG.by_source()
    assert {s.id for s in by_source["fred"]} == {"WALCL", "WTREGEN", "RRPONTSYD", "BAA10Y", "BAMLH0A0HYM2", "DFII10", "T10YIE",
                                                 "THREEFYTP10", "NFCI", "SOFR", "EFFR"}
    assert [(s.id, s.symbol) for s in by_source["mof"]] == [("JGB10Y", "10年")]
    assert all(s.symbol == s.id for s in by_source["fred"])
    assert {s.id for s in CATALOG if s.frequency == "weekly"} == {"WALCL", "WTREGEN", "NFCI", "BUYBACKS"}
    assert CATALOG["BAMLH0A0HYM2"].short_history and not CATALOG["BAA10Y"].short_history
    assert CATALOG["BAA10Y"].changes_in_bp and CATALOG["JGB10Y"].changes_in_bp and not CATALOG["WALCL"].changes_in_bp
    with pytest.raises(CatalogError, match="source must be one of"):
        parse_catalog({"series": [{"id": "X", "source": "bloomberg", "unit": "", "kind": "price"}]})


# --- the providers against the stand-in ------------------------------------------------------------

def test_fred_csv_provider_fetches_each_series_from_its_start():
    with serving(served()) as state:
        result = checked(fred(state.url), [FetchRequest("RRPONTSYD", "RRPONTSYD", date(2025, 1, 10)),
                                        FetchRequest("WTREGEN", "WTREGEN", date(2025, 1, 1))])
    assert result.errors == {}
    assert result.closes["RRPONTSYD"].index[0] == pd.Timestamp("2025-01-10")
    assert pd.Timestamp("2025-01-13") not in result.closes["RRPONTSYD"].index   # empty value: no observation
    assert result.closes["WTREGEN"].tolist() == [750000.0, 760500.0, 700250.0]  # the DATE header
    assert sorted((q["id"], q["cosd"]) for q in state.asked("/graph/fredgraph.csv")) == [("RRPONTSYD", "2025-01-10"), ("WTREGEN", "2025-01-01")]
    assert state.user_agents and all(ua.startswith("regimebot/") and "(macro alert bot)" in ua for ua in state.user_agents)


def test_fred_user_agent_names_the_operators_contact():
    with serving(served()) as state:
        checked(fred(state.url, contact="ops@fund.example"), [FetchRequest("RRPONTSYD", "RRPONTSYD", date(2025, 1, 10))])
    assert state.user_agents and all("(+ops@fund.example)" in ua for ua in state.user_agents)
    assert not any("github.com" in ua for ua in state.user_agents)  # no made-up project address


def test_fred_failure_is_per_series_with_one_retry_only():
    state = served()
    state.failing = {"WALCL": 503, "BAA10Y": 404}
    with serving(state):
        result = checked(fred(state.url), [FetchRequest(s, s, date(2025, 1, 1)) for s in ("WALCL", "BAA10Y", "SOFR")])
    assert result.errors == {"WALCL": "FRED answered HTTP 503 for WALCL", "BAA10Y": "FRED answered HTTP 404 for BAA10Y"}
    assert result.closes["SOFR"].tolist() == [2.5, 2.6]
    ids = [q["id"] for q in state.asked("/graph/fredgraph.csv")]
    assert ids.count("WALCL") == 2 and ids.count("BAA10Y") == 1 and ids.count("SOFR") == 1  # 503 retried once; 404 not at all


def test_fred_unreachable_is_a_per_series_error():
    with serving(StandIn()) as state:
        url = state.url  # the port is closed once the block ends
    result = checked(fred(url, timeout=2.0), [FetchRequest("WALCL", "WALCL", date(2025, 1, 1))])
    assert result.closes == {} and "ConnectError" in result.errors["WALCL"]


def test_fred_api_with_key_same_series_and_the_key_never_shows(caplog):
    secret = "abcdef0123456789SECRET"
    state = served()
    state.failing = {"BAA10Y": 500}
    caplog.set_level(logging.DEBUG)
    with serving(state):
        result = checked(fred("http://127.0.0.1:9", api_key=secret, api_url=state.url),
            [FetchRequest("RRPONTSYD", "RRPONTSYD", date(2025, 1, 14)), FetchRequest("BAA10Y", "BAA10Y", date(2025, 1, 1))])
    asked = state.asked("/fred/series/observations")
    assert sorted((q["series_id"], q["observation_start"], q["file_type"], q["api_key"]) for q in asked)[-1] == (
        "RRPONTSYD", "2025-01-14", "json", secret)
    assert result.closes["RRPONTSYD"].tolist() == [122.0, 121.0, 120.0, 120.375]  # 2025-01-14 … 2025-01-17
    assert "BAA10Y" in result.errors and secret not in result.errors["BAA10Y"]
    assert secret not in caplog.text and secret not in repr(FredProvider(api_key=secret))


def test_mof_provider_reads_the_10_year_column():
    with serving(served()) as state:
        result = checked(MofProvider(state.url), [FetchRequest("JGB10Y", "10年", date(2025, 1, 1))])
        state.mof_status = 503
        down = checked(MofProvider(state.url), [FetchRequest("JGB10Y", "10年", date(2025, 1, 1))])
    assert result.closes["JGB10Y"].to_dict() == {pd.Timestamp("2025-01-16"): 1.20, pd.Timestamp("2025-01-17"): 1.215}
    assert down.closes == {} and "HTTP 503" in down.errors["JGB10Y"]



def test_mof_footer_rows_are_skipped_and_an_unreadable_date_is_a_data_error_naming_the_row():
    state = served()  # the monthly file's real tail: a row of empty cells, then the note about the browser cache
    state.mof_rows += [",,,,,,,,,,,,,,,", "※最新のcsvデータがダウンロードできない場合は、ブラウザのキャッシュを削除してください。,,,,,,,,,,,,,,,"]
    with serving(state):
        clean = checked(MofProvider(state.url), [FetchRequest("JGB10Y", "10年", date(2025, 1, 1))])
        state.mof_rows.insert(1, "R7.1.32,0.5,0.6,0.7,0.8,0.9,1.0,1.05,1.1,1.15,1.21,1.5,1.9,2.1,2.3,-")  # no 32nd of January
        broken = checked(MofProvider(state.url), [FetchRequest("JGB10Y", "10年", date(2025, 1, 1))])
    assert clean.errors == {} and clean.closes["JGB10Y"].tolist() == [1.20, 1.215]
    assert broken.closes["JGB10Y"].tolist() == [1.20, 1.215]  # the other days still count
    assert "R7.1.32 1.21" in broken.errors["JGB10Y"] and "1 row(s) rejected" in broken.errors["JGB10Y"]
    assert "cannot be read as a calendar day" in broken.errors["JGB10Y"] and "ISO" not in broken.errors["JGB10Y"]


# --- routing: each source's provider sees only its series; one failing source stops nothing else ----

class RecordingYahoo(YahooProvider):
    """The real Yahoo provider over a fake yfinance download, remembering the symbols it was asked for."""

    def __init__(self, fake: FakeDownload):
        super().__init__(download=fake)
        self.asked: list[str] = []

    def fetch(self, requests, end=None):
        self.asked += [r.symbol for r in requests]
        return super().fetch(requests, end)


def yahoo_frame() -> FakeDownload:
    days = [d.date().isoformat() for d in pd.bdate_range("2025-01-02", "2025-01-17")]
    yahoo = [s for s in CATALOG.downloadable() if s.source == "yahoo"]
    steps = range(len(days))  # +1% a day for prices, +1 bp a day for yields: plausible for the one validation
    return FakeDownload(download_frame({s.symbol: ohlcv(days, [4.0 + 0.01 * i if s.changes_in_bp else 100.0 + i for i in steps])
                                        for s in yahoo}))


def test_yahoo_offline_does_not_stop_fred_and_yahoo_never_sees_fred_ids(memory_store):
    fake = yahoo_frame()
    fake.error = ConnectionError("Yahoo unreachable")
    yahoo = RecordingYahoo(fake)
    with serving(served()) as state:
        data = MarketData(memory_store.prices, CATALOG, {"yahoo": yahoo, "fred": fred(state.url), "mof": MofProvider(state.url)},
                          history_start=date(2025, 1, 1))
        market = data.refresh()
    assert set(yahoo.asked) == {s.symbol for s in CATALOG.downloadable() if s.source == "yahoo"}
    assert not set(yahoo.asked) & set(FRED_IDS)
    assert "ConnectionError" in market.errors["DXY"] and "WALCL" not in market.errors
    assert market.series("WALCL").iloc[-1] == 6830789.0 and market.series("JGB10Y").iloc[-1] == 1.215
    assert market.source == "yfinance + fred + mof"


def test_fred_down_does_not_stop_yahoo(memory_store):
    state = served()
    state.failing = {sid: 503 for sid in FRED_IDS}
    with serving(state):
        data = MarketData(memory_store.prices, CATALOG, {"yahoo": RecordingYahoo(yahoo_frame()), "fred": fred(state.url),
                                               "mof": MofProvider(state.url)}, history_start=date(2025, 1, 1))
        market = data.refresh()
    assert market.series("DXY").iloc[-1] == 111.0 and "DXY" not in market.errors
    assert set(FRED_IDS) <= set(market.errors) and market.series("JGB10Y").iloc[-1] == 1.215
    assert len(state.asked("/graph/fredgraph.csv")) == 2 * len(FRED_IDS)  # one retry each, no storm


def test_a_source_without_a_provider_or_a_crashing_one_is_a_data_error(memory_store):
    class Broken:
        name = "broken"
        simulated = False

        def fetch(self, requests, end=None):
            raise RuntimeError("bug")

    data = MarketData(memory_store.prices, CATALOG, {"yahoo": RecordingYahoo(yahoo_frame()), "fred": Broken()}, history_start=date(2025, 1, 1))
    market = data.refresh()
    assert market.errors["WALCL"] == "broken failed: RuntimeError: bug"
    assert market.errors["JGB10Y"] == "no data provider configured for source 'mof'"
    assert market.series("SPX").iloc[-1] == 111.0


# --- the command line, end to end ----------------------------------------------------------------

def test_fetch_twice_then_quote_cached(tmp_path, capsys, monkeypatch):
    import yfinance

    def offline(*args, **kwargs):
        raise ConnectionError("Yahoo is unreachable (offline test)")

    monkeypatch.setattr(yfinance, "download", offline)  # the library boundary: Yahoo is offline
    state = served()
    with serving(state):
        for key, value in {"REGIMEBOT_DATA": "yfinance", "REGIMEBOT_DB": str(tmp_path / "cache.db"), "REGIMEBOT_FRED_URL": state.url,
                           "REGIMEBOT_MOF_URL": state.url, "REGIMEBOT_TREASURY_URL": state.url,
                           "REGIMEBOT_HISTORY_START": "2024-12-01"}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("REGIMEBOT_FRED_API_KEY", raising=False)
        assert main(["fetch"]) == 0
        first = {q["id"]: q["cosd"] for q in state.asked("/graph/fredgraph.csv")}
        assert first == {sid: "2024-12-01" for sid in FRED_IDS}
        out = capsys.readouterr().out
        assert "error: yfinance download failed: ConnectionError" in out and "WALCL" in out

        state.series["WALCL"]["2025-01-22"] = "6820000"
        state.series["RRPONTSYD"].update({"2025-01-21": "119.0", "2025-01-22": "118.5"})
        state.requests.clear()
        assert main(["fetch"]) == 0
        second = {q["id"]: q["cosd"] for q in state.asked("/graph/fredgraph.csv")}
    assert second["WALCL"] == (date(2025, 1, 15) - pd.Timedelta(days=OVERLAP_DAYS)).isoformat() == "2025-01-08"
    assert second["RRPONTSYD"] == "2025-01-10" and second["BAA10Y"] == "2025-01-10"
    capsys.readouterr()

    assert main(["quote", "WALCL", "RRPONTSYD", "BAA10Y", "NETLIQ", "--json", "--cached"]) == 0
    readings = {r["series_id"]: r for r in json.loads(capsys.readouterr().out)["readings"]}
    assert (readings["WALCL"]["last"], readings["WALCL"]["last_date"]) == (6820000.0, "2025-01-22")
    assert (readings["RRPONTSYD"]["last"], readings["RRPONTSYD"]["last_date"]) == (118.5, "2025-01-22")
    assert (readings["BAA10Y"]["last"], readings["BAA10Y"]["change_unit"]) == (1.62, "bp")
    assert readings["BAA10Y"]["changes"]["1d"] == pytest.approx(1.0)  # 1.61 -> 1.62: one basis point
    # 2025-01-22: WALCL 6,820,000 mn, WTREGEN still 700,250 mn from 2025-01-15 (7 days: carried), RRP 118.5 bn
    assert readings["NETLIQ"]["last_date"] == "2025-01-22"
    assert readings["NETLIQ"]["last"] == pytest.approx(6820.0 - 700.25 - 118.5)  # 6001.25 USD billions
    assert readings["NETLIQ"]["unit"] == "USD billions"


def test_source_urls_and_api_key_from_the_environment():
    from regimebot.bot.config import ConfigError, load_settings

    settings = load_settings(env={"REGIMEBOT_FRED_URL": "http://127.0.0.1:8081/", "REGIMEBOT_FRED_API_KEY": "k3y-secret",
                                  "REGIMEBOT_FRED_API_URL": "http://127.0.0.1:8082", "REGIMEBOT_MOF_URL": "http://127.0.0.1:8083"})
    assert (settings.fred_url, settings.fred_api_url, settings.mof_url) == ("http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083")
    assert settings.fred_api_key == "k3y-secret" and "k3y-secret" not in repr(settings)
    defaults = load_settings(env={})
    assert (defaults.fred_url, defaults.fred_api_key) == ("https://fred.stlouisfed.org", "")
    with pytest.raises(ConfigError, match="REGIMEBOT_MOF_URL: expected an http"):
        load_settings(env={"REGIMEBOT_MOF_URL": "www.mof.go.jp"})
